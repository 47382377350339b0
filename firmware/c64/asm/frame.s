; Frames and the stop-and-wait session (the 6502 side of retromesh-link-frame's LinkSession).
; Body: kind, seq, len, payload[len], CRC-16/XMODEM big-endian over kind..payload.
; - One DATA outstanding: send_payload waits for its ACK, sending again on a NAK for its seq
;   or after CFG_RTO ms, CFG_TRIES sends in all.
; - A DATA with the next seq is delivered once (copied to INBOX) and ACKed; one with the last
;   delivered seq is ACKed again and dropped; the first after a reset is taken whatever its
;   seq. While INBOX still holds an untaken payload a new DATA is not ACKed (it comes again).
; - A body with a wrong length byte or CRC is NAKed with the seq we expect. Too short, too
;   long, bad escapes and unknown kinds are dropped silently.

; link_rx: receives one frame (V_WAIT = ms) and acts on it. Carry clear: a frame came (or
; went). Carry set: A = ERR_TIMEOUT / ERR_BREAK / ERR_PORT.
link_rx:
        jsr slip_recv
        bcc @got
        rts
@got:   cmp #0
        bne lr_drop
        lda V_RX_N
        cmp #5
        bcc lr_drop
        sec
        sbc #5
        cmp RX_BUF+2
        bne lr_damaged
        lda #0
        sta V_CRCH
        sta V_CRCL
        lda #<RX_BUF
        sta ZP_PTR
        lda #>RX_BUF
        sta ZP_PTR+1
        ldx V_RX_N
        jsr crc_block           ; over the CRC too: a good body leaves 0
        lda V_CRCH
        ora V_CRCL
        bne lr_damaged
        ldx RX_BUF+1            ; X = seq
        lda RX_BUF
        cmp #K_DATA
        beq lr_data
        cmp #K_ACK
        beq lr_ack
        cmp #K_NAK
        beq lr_nak
        cmp #K_HELLO_REPLY
        beq lr_hreply
lr_drop:
        clc
        rts

lr_damaged:
        inc V_NAKS
        lda #0
        ldx V_RX_HAVE
        beq @nak                ; nothing delivered yet: NAK 0, as the reference does
        lda V_RX_LAST
        clc
        adc #1                  ; the seq we expect next
@nak:   ldx #K_NAK
        jsr send_ctl
        clc
        rts

lr_ack: jsr lr_ours
        bne lr_drop
        lda #1
        sta V_GOT_ACK
        clc
        rts

lr_nak: jsr lr_ours
        bne lr_drop
        lda #1
        sta V_GOT_NAK
        clc
        rts

; lr_ours: Z set if a DATA is outstanding and X is its seq.
lr_ours:
        lda V_AWAIT
        beq @not
        cpx V_OUT_SEQ
        rts
@not:   lda #1                  ; NZ
        rts

lr_hreply:
        cpx V_HELLO_SEQ
        bne lr_drop             ; the answer to an older HELLO
        lda RX_BUF+2
        cmp #3
        bcc lr_drop
        lda RX_BUF+3
        sta V_HREPLY
        lda RX_BUF+4
        sta V_HREPLY+1
        lda RX_BUF+5
        sta V_HREPLY+2
        lda #1
        sta V_HELLO_GOT
        clc
        rts

lr_data:
        lda V_RX_HAVE
        beq @new                ; the first DATA after a reset: any seq
        cpx V_RX_LAST
        beq @ackit              ; a duplicate (our ACK was lost): ACK again, drop
        lda V_RX_LAST
        clc
        adc #1
        stx V_CNT
        cmp V_CNT
        bne lr_drop             ; out of sequence: ignore, the sender times out
@new:   lda V_INBOX_FULL
        bne lr_drop             ; no room yet: no ACK, it comes again
        stx V_RX_LAST
        lda RX_BUF+2
        sta V_INBOX_LEN
        tay
        beq @copied
        ldx #0
@copy:  lda RX_BUF+3,x
        sta INBOX,x
        inx
        dey
        bne @copy
@copied:
        lda #1
        sta V_INBOX_FULL
        sta V_RX_HAVE
        ldx V_RX_LAST
@ackit: txa
        ldx #K_ACK
        jsr send_ctl
        clc
        rts

; send_ctl: sends an ACK or NAK: X = kind, A = seq.
send_ctl:
        stx V_SMALL
        sta V_SMALL+1
        lda #0
        sta V_SMALL+2
        lda #<V_SMALL
        sta ZP_PTR
        lda #>V_SMALL
        sta ZP_PTR+1
        ldx #3
        jmp frame_send

; link_ready: carry clear if HELLO went through; else carry set, A = ERR_NOLINK.
link_ready:
        lda V_LINK_UP
        beq @no
        clc
        rts
@no:    lda #ERR_NOLINK
        sec
        rts

; send_payload: sends the payload at TX_PAYLOAD (X = its length) as the next DATA and waits
; for the ACK. Carry clear: acknowledged. Carry set: A = ERR_NOACK / ERR_BREAK / ERR_NOLINK.
send_payload:
        stx TX_BUF+2
        jsr link_ready
        bcs @ret
        lda #K_DATA
        sta TX_BUF
        lda V_TX_SEQ
        sta TX_BUF+1
        sta V_OUT_SEQ
        inc V_TX_SEQ
        lda #1
        sta V_AWAIT
        lda CFG_TRIES
        sta V_TRIES
@send:  lda #0
        sta V_GOT_ACK
        sta V_GOT_NAK
        lda #<TX_BUF
        sta ZP_PTR
        lda #>TX_BUF
        sta ZP_PTR+1
        lda TX_BUF+2
        clc
        adc #3
        tax
        jsr frame_send
        lda CFG_RTO
        sta V_WAIT
        lda CFG_RTO+1
        sta V_WAIT+1
@wait:  jsr link_rx
        bcs @quiet
        lda V_GOT_ACK
        bne @acked
        lda V_GOT_NAK
        beq @wait
        bne @again              ; NAKed: send it again now
@quiet: cmp #ERR_BREAK
        beq @fail
@again: dec V_TRIES
        beq @gave_up
        inc V_RETX
        jmp @send
@gave_up:
        lda #ERR_NOACK
@fail:  ldx #0
        stx V_AWAIT
        sec
@ret:   rts
@acked: lda #0
        sta V_AWAIT
        clc
        rts

; recv_data: V_WAIT = ms to wait. Carry clear: INBOX holds X bytes (valid until the next
; call that receives). Carry set: A = ERR_TIMEOUT / ERR_BREAK / ERR_PORT.
recv_data:
        lda V_INBOX_FULL
        bne @have
        jsr link_rx
        bcc recv_data
        rts
@have:  lda #0
        sta V_INBOX_FULL
        ldx V_INBOX_LEN
        clc
        rts
