; SLIP: END 0C0h ends (and starts) every frame; inside a body 0C0h goes as 0DBh 0DCh and
; 0DBh as 0DBh 0DDh. Sending computes the CRC first and escapes on the fly; receiving only
; stores bytes (the CRC is checked after the closing END, so the Z80 keeps up).

; slip_put: sends body byte A, escaped. Keeps BC, DE, HL.
slip_put:
        CP SLIP_END
        JR Z,sp_end
        CP SLIP_ESC
        JP NZ,drv_putbyte
        CALL drv_putbyte        ; A = ESC
        LD A,SLIP_ESC_ESC
        JP drv_putbyte
sp_end:
        LD A,SLIP_ESC
        CALL drv_putbyte
        LD A,SLIP_ESC_END
        JP drv_putbyte

; frame_send: HL = body without its CRC (kind, seq, len, payload), B = its length (3..253).
; Sends END, the escaped body and CRC (big-endian), END. Keeps DE.
frame_send:
        PUSH DE
        PUSH HL
        PUSH BC
        LD DE,0
        CALL crc_block
        POP BC
        POP HL
        LD A,SLIP_END
        CALL drv_putbyte
fs_loop:
        LD A,(HL)
        CALL slip_put
        INC HL
        DJNZ fs_loop
        LD A,D
        CALL slip_put
        LD A,E
        CALL slip_put
        LD A,SLIP_END
        CALL drv_putbyte
        POP DE
        RET

; wait_byte: DE = ms to wait (0 = a short poll). Waits in CHUNK_MS slices and checks BREAK
; between them. Carry set: A = byte, DE = ms left. Carry clear: A = ERR_TIMEOUT (DE = 0) or
; ERR_BREAK. Keeps BC, HL.
wait_byte:
        PUSH BC
wb_loop:
        LD A,D
        OR A
        JR NZ,wb_chunk
        LD A,E
        CP CHUNK_MS
        JR NC,wb_chunk
        CALL drv_getbyte        ; the last slice
        POP BC
        RET C
        LD A,ERR_TIMEOUT
        OR A
        RET
wb_chunk:
        PUSH HL
        PUSH DE                 ; ms left before this slice
        LD DE,CHUNK_MS
        CALL drv_getbyte
        POP HL
        JR C,wb_got
        LD DE,0-CHUNK_MS
        ADD HL,DE
        EX DE,HL                ; DE = ms left
        POP HL
        CALL break_check
        JR NC,wb_loop
        POP BC
        LD A,ERR_BREAK
        OR A
        RET
wb_got:
        ADD HL,DE               ; left = before - CHUNK_MS + left of the slice
        LD DE,0-CHUNK_MS
        ADD HL,DE
        EX DE,HL
        POP HL
        POP BC
        SCF
        RET

; slip_recv: collects one frame body into RX_BUF. DE = ms to wait for it to start; once a
; frame is coming each byte may take INTRA_MS. Carry set: a body ended (V_RX_N = length,
; A = 0 if clean, else bit 0 = longer than 255 bytes, bit 1 = bad escape); DE = ms left.
; Carry clear: A = ERR_TIMEOUT or ERR_BREAK.
slip_recv:
        LD HL,RX_BUF            ; L counts the bytes stored
        LD C,0                  ; bit 7 = ESC pending, bit 1 = bad escape, bit 0 = overflow
        CALL wait_byte
        RET NC
sr_byte:
        CP SLIP_END
        JR Z,sr_end
        BIT 7,C
        JR NZ,sr_unesc
        CP SLIP_ESC
        JR Z,sr_esc
sr_store:
        BIT 0,C
        JR NZ,sr_next           ; too long: drop bytes up to the END
        LD (HL),A
        INC L
        JR NZ,sr_next
        SET 0,C                 ; a 256th byte: no frame is that long
sr_next:
        PUSH DE                 ; the caller's budget waits while a frame comes in
        LD DE,INTRA_MS
        CALL wait_byte
        POP DE
        JR C,sr_byte
        CP ERR_BREAK
        RET Z                   ; carry is clear
        JR slip_recv            ; a frame stopped half-way (or a lone END): start again
sr_esc:
        SET 7,C
        JR sr_next
sr_unesc:
        RES 7,C
        CP SLIP_ESC_END
        JR Z,sr_is_end
        CP SLIP_ESC_ESC
        JR NZ,sr_bad
        LD A,SLIP_ESC
        JR sr_store
sr_is_end:
        LD A,SLIP_END
        JR sr_store
sr_bad:
        SET 1,C                 ; the frame is rejected at its END
        JR sr_next
sr_end:
        LD A,L
        OR C
        JR Z,sr_next            ; END with nothing before it: a frame starts
        LD A,L
        LD (V_RX_N),A
        LD A,C
        AND 03h
        BIT 7,C
        JR Z,sr_done
        OR 02h                  ; ESC then END: a bad escape
sr_done:
        SCF
        RET
