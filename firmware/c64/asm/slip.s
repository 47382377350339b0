; SLIP: END $C0 ends (and starts) every frame; inside a body $C0 goes as $DB $DC and $DB as
; $DB $DD. Sending computes the CRC first and escapes on the fly; receiving only stores bytes
; (the CRC is checked after the closing END).

; slip_put: sends body byte A, escaped. Keeps X, Y.
slip_put:
        cmp #SLIP_END
        beq @end
        cmp #SLIP_ESC
        bne @plain
        jsr drv_put
        lda #SLIP_ESC_ESC
@plain: jmp drv_put
@end:   lda #SLIP_ESC
        jsr drv_put
        lda #SLIP_ESC_END
        jmp drv_put

; frame_send: (ZP_PTR) = body without its CRC (kind, seq, len, payload), X = its length
; (3..253). Sends END, the escaped body, CRC big-endian, END, and flushes the driver.
frame_send:
        stx V_N
        lda #0
        sta V_CRCH
        sta V_CRCL
        jsr crc_block
        lda #SLIP_END
        jsr drv_put
        ldy #0
@loop:  lda (ZP_PTR),y
        jsr slip_put
        iny
        cpy V_N
        bne @loop
        lda V_CRCH
        jsr slip_put
        lda V_CRCL
        jsr slip_put
        lda #SLIP_END
        jsr drv_put
        jmp drv_flush

; stop_check: carry set if RUN/STOP is held (keyboard row 7, column 7).
stop_check:
        lda #$7F
        sta $DC00
        lda $DC01
        asl a                   ; bit 7 -> carry: 1 = not pressed
        bcs @no
        sec
        rts
@no:    clc
        rts

; wait_byte: waits up to V_WAIT ms (0 = one ms) for a byte, counting driver polls
; (DRV_POLLS_PER_MS make a millisecond). Carry clear: A = byte. Carry set: A = ERR_TIMEOUT,
; ERR_BREAK or ERR_PORT (PORT_FAIL_LIMIT failed exchanges in a row). V_WAIT is left with the ms not used. Keeps X.
wait_byte:
        stx V_SAVE_X
@ms:    ldy #DRV_POLLS_PER_MS
@poll:  jsr drv_poll
        bcc @got
        lda V_PORT_FAIL
        cmp #PORT_FAIL_LIMIT
        bcs @port               ; one failed exchange may be noise; several in a row are not
        dey
        bne @poll
        lda V_WAIT
        ora V_WAIT+1
        beq @timeout
        lda V_WAIT
        bne @lo
        dec V_WAIT+1
@lo:    dec V_WAIT
        lda V_WAIT
        and #$0F
        bne @ms                 ; RUN/STOP is looked at every 16 ms
        jsr stop_check
        bcc @ms
        lda #ERR_BREAK
        bne @fail
@port:  lda #ERR_PORT
        bne @fail
@timeout:
        lda #ERR_TIMEOUT
@fail:  ldx V_SAVE_X
        sec
        rts
@got:   ldx V_SAVE_X
        clc
        rts

; slip_recv: collects one frame body into RX_BUF (V_RX_N bytes). V_WAIT = ms for a frame to
; start; once one is coming each byte may take INTRA_MS (the caller's budget waits meanwhile).
; Carry clear: a body ended, A = 0 if clean, else nonzero (too long or bad escape).
; Carry set: A = ERR_TIMEOUT / ERR_BREAK / ERR_PORT.
slip_recv:
        lda #0
        sta V_RX_N
        sta V_SESC
        sta V_SBAD
        jsr wait_byte
        bcc @byte
        rts
@byte:  cmp #SLIP_END
        beq @end
        ldx V_SESC
        bne @unesc
        cmp #SLIP_ESC
        beq @esc
@store: ldx V_RX_N
        sta RX_BUF,x
        inx
        stx V_RX_N
        bne @next
        inc V_SBAD              ; a 256th byte: no frame is that long
@next:  jsr drv_poll              ; fast path: a byte already waiting
        bcc @byte
        lda V_WAIT
        sta V_WSAVE
        lda V_WAIT+1
        sta V_WSAVE+1
        lda #INTRA_MS
        sta V_WAIT
        lda #0
        sta V_WAIT+1
        jsr wait_byte
        php
        pha
        lda V_WSAVE
        sta V_WAIT
        lda V_WSAVE+1
        sta V_WAIT+1
        pla
        plp
        bcc @byte
        cmp #ERR_TIMEOUT
        beq slip_recv           ; a frame stopped half-way: start again
        rts                     ; BREAK or port: carry is set
@esc:   inc V_SESC
        bne @next
@unesc: ldx #0
        stx V_SESC
        cmp #SLIP_ESC_END
        beq @isend
        cmp #SLIP_ESC_ESC
        bne @bad
        lda #SLIP_ESC
        bne @store
@isend: lda #SLIP_END
        bne @store
@bad:   inc V_SBAD
        bne @next
@end:   lda V_RX_N
        ora V_SBAD
        ora V_SESC
        beq @next               ; END with nothing before it: a frame starts
        lda V_SBAD
        ora V_SESC
        clc
        rts
