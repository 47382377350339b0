; Frames and the stop-and-wait session (the Z80 side of retromesh-link-frame's LinkSession).
;
; Body: kind, seq, len, payload[len], CRC-16/XMODEM big-endian over kind..payload.
; - One DATA outstanding: send_payload waits for its ACK, sending again on a NAK for its seq
;   or after CFG_RTO ms, CFG_TRIES sends in all.
; - A DATA with the next seq is delivered once (copied to INBOX) and ACKed; one with the last
;   delivered seq is ACKed again and dropped; the first after a reset is taken whatever its
;   seq. While INBOX still holds an untaken payload a new DATA is not ACKed: the bridge
;   sends it again later.
; - A body with a wrong length byte or CRC is answered with a NAK for the seq we expect.
;   Too short, too long, bad escapes and unknown kinds are dropped silently.

; link_rx: receives one frame (DE = ms to wait) and acts on it.
; Carry set: a frame came (or went); DE = ms left. Carry clear: A = ERR_TIMEOUT / ERR_BREAK.
link_rx:
        CALL slip_recv
        RET NC
        OR A
        JR NZ,lr_drop           ; overflow or bad escape
        LD A,(V_RX_N)
        CP 5
        JR C,lr_drop            ; shorter than any frame
        SUB 5
        LD HL,RX_BUF+2
        CP (HL)
        JR NZ,lr_damaged        ; bytes lost or added, or two frames run together
        PUSH DE
        LD A,(V_RX_N)
        LD B,A
        LD HL,RX_BUF
        LD DE,0
        CALL crc_block          ; over the CRC too: a good body leaves 0
        LD A,D
        OR E
        POP DE
        JR NZ,lr_damaged
        LD A,(RX_BUF+1)
        LD B,A                  ; B = seq
        LD A,(RX_BUF)
        CP K_DATA
        JR Z,lr_data
        CP K_ACK
        JR Z,lr_ack
        CP K_NAK
        JR Z,lr_nak
        CP K_HELLO_REPLY
        JR Z,lr_hreply
lr_drop:
        SCF
        RET

lr_damaged:
        LD A,(V_RX_HAVE)
        OR A
        LD A,(V_RX_LAST)
        JR Z,lr_nak0
        INC A                   ; the seq we expect next
        JR lr_nak1
lr_nak0:
        XOR A                   ; nothing delivered yet: the reference NAKs 0
lr_nak1:
        LD C,K_NAK
        CALL send_ctl
        SCF
        RET

lr_ack:
        CALL lr_ours
        JR NZ,lr_drop
        LD A,1
        LD (V_GOT_ACK),A
        SCF
        RET

lr_nak:
        CALL lr_ours
        JR NZ,lr_drop
        LD A,1
        LD (V_GOT_NAK),A
        SCF
        RET

; lr_ours: Z if a DATA is outstanding and B is its seq.
lr_ours:
        LD A,(V_AWAIT)
        OR A
        JR Z,lr_not
        LD A,(V_OUT_SEQ)
        CP B
        RET
lr_not:
        INC A                   ; NZ
        RET

lr_hreply:
        LD A,(V_HELLO_SEQ)
        CP B
        JR NZ,lr_drop           ; the answer to an older HELLO
        LD A,(RX_BUF+2)
        CP 3
        JR C,lr_drop
        LD HL,RX_BUF+3
        LD A,(HL)
        LD (V_HREPLY),A
        INC HL
        LD A,(HL)
        LD (V_HREPLY+1),A
        INC HL
        LD A,(HL)
        LD (V_HREPLY+2),A
        LD A,1
        LD (V_HELLO_GOT),A
        SCF
        RET

lr_data:
        LD A,(V_RX_HAVE)
        OR A
        JR Z,lr_new             ; the first DATA after a reset: any seq
        LD A,(V_RX_LAST)
        CP B
        JR Z,lr_ackit           ; a duplicate (our ACK was lost): ACK again, drop
        INC A
        CP B
        JR NZ,lr_drop           ; out of sequence: ignore, the sender times out
lr_new:
        LD A,(V_INBOX_FULL)
        OR A
        JR NZ,lr_drop           ; no room yet: no ACK, it comes again
        LD A,(RX_BUF+2)
        LD (V_INBOX_LEN),A
        OR A
        JR Z,lr_copied
        PUSH DE
        PUSH BC
        LD C,A
        LD B,0
        LD HL,RX_BUF+3
        LD DE,INBOX
        LDIR
        POP BC
        POP DE
lr_copied:
        LD A,1
        LD (V_INBOX_FULL),A
        LD (V_RX_HAVE),A
        LD A,B
        LD (V_RX_LAST),A
lr_ackit:
        LD A,B
        LD C,K_ACK
        CALL send_ctl
        SCF
        RET

; send_ctl: sends an ACK or NAK: C = kind, A = seq. Keeps DE.
send_ctl:
        LD HL,V_SMALL
        LD (HL),C
        INC HL
        LD (HL),A
        INC HL
        LD (HL),0
        LD HL,V_SMALL
        LD B,3
        JP frame_send

; link_ready: carry set if HELLO went through; else A = ERR_NOLINK.
link_ready:
        LD A,(V_LINK_UP)
        OR A
        SCF
        RET NZ
        LD A,ERR_NOLINK
        OR A
        RET

; send_data: HL = payload, BC = length (up to the agreed max payload). Carry set once ACKed.
send_data:
        CALL link_ready
        RET NC
        LD A,B
        OR A
        JR NZ,sd_long
        LD A,(V_MAXPAY)
        CP C
        JR C,sd_long
        LD A,C
        OR A
        JR Z,sd_empty
        LD DE,TX_PAYLOAD
        LDIR
sd_empty:
        JR send_payload
sd_long:
        LD A,ERR_TOOLONG
        OR A
        RET

; send_payload: sends the payload already at TX_PAYLOAD, C = its length, as the next DATA
; and waits for the ACK. Carry set: acknowledged. Carry clear: A = ERR_NOACK / ERR_BREAK /
; ERR_NOLINK.
send_payload:
        CALL link_ready
        RET NC
        LD A,K_DATA
        LD (TX_BUF),A
        LD A,(V_TX_SEQ)
        LD (TX_BUF+1),A
        LD (V_OUT_SEQ),A
        INC A
        LD (V_TX_SEQ),A
        LD A,C
        LD (TX_BUF+2),A
        LD A,1
        LD (V_AWAIT),A
        LD A,(CFG_TRIES)
        LD (V_TRIES),A
sp_send:
        XOR A
        LD (V_GOT_ACK),A
        LD (V_GOT_NAK),A
        LD A,(TX_BUF+2)
        ADD A,3
        LD B,A
        LD HL,TX_BUF
        CALL frame_send
        LD DE,(CFG_RTO)
sp_wait:
        CALL link_rx
        JR NC,sp_quiet
        LD A,(V_GOT_ACK)
        OR A
        JR NZ,sp_acked
        LD A,(V_GOT_NAK)
        OR A
        JR Z,sp_wait
        JR sp_again             ; NAKed: send it again now
sp_quiet:
        CP ERR_BREAK
        JR Z,sp_fail
sp_again:
        LD HL,V_TRIES
        DEC (HL)
        JR NZ,sp_send
        LD A,ERR_NOACK
sp_fail:
        LD HL,V_AWAIT
        LD (HL),0
        OR A
        RET
sp_acked:
        XOR A
        LD (V_AWAIT),A
        SCF
        RET

; recv_data: DE = ms to wait. Carry set: HL = INBOX, BC = length, DE = ms left; the payload
; stays valid until the next call that receives. Carry clear: A = ERR_TIMEOUT / ERR_BREAK.
recv_data:
rd_loop:
        LD A,(V_INBOX_FULL)
        OR A
        JR NZ,rd_have
        CALL link_rx
        JR C,rd_loop
        RET
rd_have:
        XOR A
        LD (V_INBOX_FULL),A
        LD A,(V_INBOX_LEN)
        LD C,A
        LD B,0
        LD HL,INBOX
        SCF
        RET
