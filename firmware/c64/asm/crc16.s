; CRC-16/XMODEM (poly $1021, init 0, no reflection): "123456789" gives $31C3.
; Table-driven; the 512-byte table (CRC_HI / CRC_LO) is built by crc_init, not shipped.

; crc_init: CRC_HI/CRC_LO[x] = CRC of byte x shifted in from zero.
crc_init:
        ldx #0
@byte:  stx V_CRCH
        lda #0
        sta V_CRCL
        ldy #8
@bit:   asl V_CRCL
        rol V_CRCH
        bcc @next
        lda V_CRCH
        eor #$10
        sta V_CRCH
        lda V_CRCL
        eor #$21
        sta V_CRCL
@next:  dey
        bne @bit
        lda V_CRCH
        sta CRC_HI,x
        lda V_CRCL
        sta CRC_LO,x
        inx
        bne @byte
        rts

; crc_block: updates V_CRCH/V_CRCL over X bytes (0 = none) at (ZP_PTR).
crc_block:
        stx V_CNT
        ldy #0
        cpx #0
        beq @done
@loop:  lda (ZP_PTR),y
        eor V_CRCH
        tax
        lda CRC_HI,x
        eor V_CRCL
        sta V_CRCH
        lda CRC_LO,x
        sta V_CRCL
        iny
        cpy V_CNT
        bne @loop
@done:  rts
