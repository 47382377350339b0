; CRC-16/XMODEM (poly 1021h, init 0, no reflection): "123456789" gives 31C3h.
; Table-driven, ~88 T a byte. The table (512 bytes at CRC_HI / CRC_LO) is built by
; crc_init rather than shipped, to keep the binary short.

; crc_init: fills CRC_HI / CRC_LO with the CRC of each byte value shifted in from zero.
crc_init:
        LD HL,CRC_HI            ; L = the byte value
ci_byte:
        LD D,L                  ; crc = value << 8
        LD E,0
        LD B,8
ci_bit:
        SLA E
        RL D
        JR NC,ci_next
        LD A,D
        XOR 10h
        LD D,A
        LD A,E
        XOR 21h
        LD E,A
ci_next:
        DJNZ ci_bit
        LD (HL),D
        INC H                   ; CRC_LO follows CRC_HI
        LD (HL),E
        DEC H
        INC L
        JR NZ,ci_byte
        RET

; crc_block: DE = crc so far, HL = data, B = bytes (0 = none). Out: DE = crc, HL past the
; data, B = 0. Keeps C.
crc_block:
        LD A,B
        OR A
        RET Z
cb_loop:
        LD A,(HL)               ; 7
        INC HL                  ; 6
        PUSH HL                 ; 11
        XOR D                   ; 4   index = high byte ^ data
        LD L,A                  ; 4
        LD H,HIGH CRC_HI        ; 7
        LD A,(HL)               ; 7
        XOR E                   ; 4
        LD D,A                  ; 4   high = table high ^ old low
        INC H                   ; 4
        LD E,(HL)               ; 7   low = table low
        POP HL                  ; 10
        DJNZ cb_loop            ; 13
        RET
