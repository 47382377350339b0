; UP9600-style driver: bytes through the CIA shift registers (contract A's byte-level model).
; Sending: CIA2's serial data register ($DD0C) in output mode, clocked by CIA2 timer A
; (CFG_SPEED = timer value: 50 gives 985248 / (2 * 51) = 9659 bit/s, 9600 within 0.6%);
; ICR bit 3 of CIA2 says the byte is out. Receiving: a byte lands in CIA1's SDR ($DC0C) and
; sets CIA1 ICR bit 3 (SP), read by polling $DC0D (interrupts stay off while we wait).
; The CIA shifts MSB first and RS-232 sends LSB first, so every byte goes through a bit-reverse
; table (REV, built by drv_init) on the way in and out, as the UP9600 driver does.

DRV_POLLS_PER_MS = 30           ; a poll is ~30 cycles
REV             = OUTQ          ; 256: bit-reversed byte values (OUTQ is the parallel build's)

drv_init:
        ldx #0
@rev:   txa
        ldy #8
@bit:   lsr a                   ; bit 0 out ...
        rol V_DSA               ; ... into bit 0 of the result, which moves up
        dey
        bne @bit
        lda V_DSA
        sta REV,x
        inx
        bne @rev
        lda CFG_SPEED
        sta $DD04
        lda #0
        sta $DD05
        lda #%01010001          ; CIA2 CRA: SP output, force load, continuous, start
        sta $DD0E
        lda $DC0E
        and #%10111111          ; CIA1 CRA: SP input
        sta $DC0E
        lda #%00001000          ; no SP interrupt: we poll
        sta $DC0D
        lda $DC0D
        lda $DD0D
        lda #1
        sta V_PORT_READY
        rts

; drv_put: A = byte; waits (bounded) until CIA2 has shifted it out. Keeps X, Y.
drv_put:
        stx V_DSX
        tax
        lda REV,x
        sta $DD0C
        ldx #0
@wait:  lda $DD0D
        and #$08
        bne @done
        dex
        bne @wait
@done:  ldx V_DSX
        rts

; drv_poll: carry clear + A = a byte that came, else carry set. Keeps X, Y.
drv_poll:
        lda $DC0D
        and #$08
        beq @none
        stx V_DSX
        ldx $DC0C
        lda REV,x
        ldx V_DSX
        clc
        rts
@none:  sec
        rts

drv_flush:
        rts
