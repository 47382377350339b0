; Interface 1 RS-232 driver, bit-banged 8N2.
;
; Port 0F7h: OUT bit 0 = data to the bridge, IN bit 7 = data from the bridge, both inverted
; (1 = space). Port 0EFh: OUT bit 4 = CTS, active low; IN bit 3 = DTR (1 = bridge ready).
; The bridge starts a byte only while CTS is asserted, so CTS goes up for one byte at a time
; (the IF1 has no buffer) and drops as soon as a start bit shows. Interrupts stay off while
; the driver runs; the entry points turn them back on.
;
; Bit time: BIT_TSTATES (default 365 = 3,500,000 / 9600 on a 48K); a 128K at 9600 is 1.3%
; slower, well inside what mid-bit sampling tolerates. Assemble with --equ BIT_TSTATES=n for
; other speeds (e.g. 182 for 19200).

        IF DRIVER = DRV_IF1

        IF DEFINED BIT_TSTATES
BIT_T           EQU BIT_TSTATES
        ELSE
BIT_T           EQU 365
        ENDIF
        IF BIT_T < 100 || BIT_T > 2200
        .ERROR BIT_TSTATES must be 100..2200 (about 1600 to 35000 baud at 3.5 MHz)
        ENDIF

IF1_DATA        EQU 0F7h
IF1_CTRL        EQU 0EFh
IF1_CTS_ON      EQU 0EEh        ; bit 4 low; the other bits idle as the IF1 ROM leaves them
IF1_CTS_OFF     EQU 0FEh
IF1_DTR         EQU 08h

; Delay loops: a DJNZ loop of n rounds takes 13n-5 T; NOPs make up the rest.
TX_FIX          EQU 47          ; T per sent bit outside the delay loop
TXD             EQU (BIT_T-TX_FIX)/13
TXP             EQU (BIT_T-TX_FIX-TXD*13+2)/4
RX_FIX          EQU 48          ; T from one sample to the next outside the delay loop
RXD             EQU (BIT_T-RX_FIX)/13
RXP             EQU (BIT_T-RX_FIX-RXD*13+2)/4
POLL_T          EQU 35          ; T per round of the start-bit poll
RX0_FIX         EQU 54          ; T from the poll's sample to bit 0's outside the delay loop
RX0_T           EQU BIT_T+BIT_T/2-POLL_T/2-RX0_FIX
RXD0            EQU RX0_T/13
RXP0            EQU (RX0_T-RXD0*13+2)/4
STOPD           EQU BIT_T/26    ; half a bit
POLLS_MS        EQU 3500/POLL_T
SHORT_POLLS     EQU BIT_T*4/POLL_T
RACE_POLLS      EQU BIT_T*3/POLL_T

; drv_init: TX at mark, CTS off.
drv_init:
        XOR A
        OUT (IF1_DATA),A        ; 0 = mark on the inverted port
        LD A,IF1_CTS_OFF
        OUT (IF1_CTRL),A
        RET

; drv_putbyte: sends A (start bit, 8 data bits LSB first, 2 stop bits). Keeps BC, DE, HL.
drv_putbyte:
        PUSH BC
        PUSH DE
        LD E,A
        LD BC,0
i1p_dtr:
        IN A,(IF1_CTRL)
        AND IF1_DTR
        JR NZ,i1p_go
        DEC BC
        LD A,B
        OR C
        JR NZ,i1p_dtr           ; no DTR for ~2 s: send anyway, retransmission copes
i1p_go:
        DI
        LD D,11                 ; start, 8 data, 2 stop bits
        OR A                    ; carry = the level to send; 0 = the start bit
i1p_bit:
        SBC A,A                 ; 4   FFh for mark
        INC A                   ; 4   inverted: 0 = mark, 1 = space
        OUT (IF1_DATA),A        ; 11
        LD B,TXD                ; 7
i1p_d:  DJNZ i1p_d
        REPT TXP
        NOP
        ENDM
        SCF                     ; 4   ones shift in behind the data: the stop bits
        RR E                    ; 8
        DEC D                   ; 4
        JP NZ,i1p_bit           ; 10
        POP DE
        POP BC
        RET

; drv_getbyte: DE = ms to wait (0 = a short poll of ~4 bit times). Raises CTS, waits for a
; start bit, drops CTS and samples mid-bit. Carry set: A = byte, DE = ms left. Carry clear:
; nothing came, DE = 0. Keeps BC, HL.
drv_getbyte:
        PUSH BC
        DI
        LD A,IF1_CTS_ON
        OUT (IF1_CTRL),A
        LD A,D
        OR E
        JR Z,i1g_short
i1g_ms:
        LD B,POLLS_MS
i1g_poll:
        IN A,(IF1_DATA)         ; 11  bit 7 = 1: space, a start bit
        RLA                     ; 4
        JR C,i1g_start          ; 7
        DJNZ i1g_poll           ; 13
        DEC DE
        LD A,D
        OR E
        JR NZ,i1g_ms
i1g_short:
        LD B,SHORT_POLLS
i1g_sp:
        IN A,(IF1_DATA)
        RLA
        JR C,i1g_start
        DJNZ i1g_sp
        LD A,IF1_CTS_OFF
        OUT (IF1_CTRL),A
        ; A byte the bridge started just before CTS dropped still arrives: watch for it.
        LD B,RACE_POLLS
i1g_race:
        IN A,(IF1_DATA)
        RLA
        JR C,i1g_start
        DJNZ i1g_race
        LD DE,0
        POP BC
        OR A
        RET
i1g_start:
        LD A,IF1_CTS_OFF        ; 7   one byte per CTS: the next waits for the next call
        OUT (IF1_CTRL),A        ; 11
        LD C,80h                ; 7   marker: falls out into carry after 8 bits
        LD B,RXD0               ; 7
i1g_d0: DJNZ i1g_d0
        REPT RXP0
        NOP
        ENDM
i1g_bit:
        IN A,(IF1_DATA)         ; 11  sampled 10 T in
        RLA                     ; 4   carry = 1 for space
        CCF                     ; 4   carry = the data bit
        RR C                    ; 8
        JR C,i1g_done           ; 7
        LD B,RXD                ; 7
i1g_d1: DJNZ i1g_d1
        REPT RXP
        NOP
        ENDM
        JR i1g_bit              ; 12
i1g_done:
        LD B,STOPD              ; bit 7 may read as space until the stop bit: let it pass
i1g_d2: DJNZ i1g_d2
        LD A,C
        POP BC
        SCF
        RET

        ENDIF
