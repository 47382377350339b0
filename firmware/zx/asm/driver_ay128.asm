; 128K RS-232 driver on AY-3-8912 port A (register 14), bit-banged 8N2. 128K only.
;
; Select register 14 with OUT (0FFFDh),14, write it with OUT (0BFFDh), read it with
; IN (0FFFDh). Written: bit 3 = data to the bridge (1 = mark), bit 2 = CTS, active low.
; Read: bit 7 = data from the bridge (1 = mark), bit 6 = DTR, active low. The other output
; bits stay as the ROM left them (read once at init and kept in V_AY_SHADOW). The register
; is selected again on every call with interrupts off: the 128K's interrupt routine may
; select others (keypad scan).
;
; Bit time: BIT_TSTATES (default 369 = 3,546,900 / 9600).

        IF DRIVER = DRV_AY128

        IF DEFINED BIT_TSTATES
BIT_T           EQU BIT_TSTATES
        ELSE
BIT_T           EQU 369
        ENDIF
        IF BIT_T < 100 || BIT_T > 2200
        .ERROR BIT_TSTATES must be 100..2200 (about 1600 to 35000 baud at 3.5 MHz)
        ENDIF

AY_SEL          EQU 0FFFDh
AY_WRITE_HI     EQU 0BFh        ; high byte of 0BFFDh
AY_READ_HI      EQU 0FFh        ; high byte of 0FFFDh
AY_PORTA        EQU 14
AYB_TX          EQU 08h
AYB_CTS         EQU 04h
AYB_DTR         EQU 40h

; Delay loops: DEC L / JR NZ of n rounds takes 16n-5 T (B must hold the port's high byte).
TX_FIX          EQU 55
TXD             EQU (BIT_T-TX_FIX)/16
TXP             EQU (BIT_T-TX_FIX-TXD*16+2)/4
RX_FIX          EQU 45
RXD             EQU (BIT_T-RX_FIX)/16
RXP             EQU (BIT_T-RX_FIX-RXD*16+2)/4
POLL_T          EQU 39
RX0_FIX         EQU 76
RX0_T           EQU BIT_T+BIT_T/2-POLL_T/2-RX0_FIX
RXD0            EQU RX0_T/16
RXP0            EQU (RX0_T-RXD0*16+2)/4
STOPD           EQU BIT_T/32    ; half a bit
POLLS_MS        EQU 3500/POLL_T
SHORT_POLLS     EQU BIT_T*4/POLL_T
RACE_POLLS      EQU BIT_T*3/POLL_T

; drv_init: reads port A, keeps its other bits, sets TX to mark and CTS off.
drv_init:
        DI
        LD BC,AY_SEL
        LD A,AY_PORTA
        OUT (C),A
        IN A,(C)
        OR AYB_TX+AYB_CTS
        LD (V_AY_SHADOW),A
        LD B,AY_WRITE_HI
        OUT (C),A
        RET

; drv_putbyte: sends A, 8N2. Keeps BC, DE, HL.
drv_putbyte:
        PUSH BC
        PUSH DE
        PUSH HL
        LD E,A
        DI
        LD BC,AY_SEL
        LD A,AY_PORTA
        OUT (C),A
        LD HL,0
ayp_dtr:
        IN A,(C)
        AND AYB_DTR
        JR Z,ayp_go             ; DTR is active low
        DEC HL
        LD A,H
        OR L
        JR NZ,ayp_dtr           ; no DTR for ~2 s: send anyway, retransmission copes
ayp_go:
        LD A,(V_AY_SHADOW)
        AND 0FFh-AYB_TX         ; TX bit clear = space; CTS stays off
        LD H,A
        LD B,AY_WRITE_HI
        LD D,11                 ; start, 8 data, 2 stop bits
        OR A                    ; carry = the level to send; 0 = the start bit
ayp_bit:
        SBC A,A                 ; 4
        AND AYB_TX              ; 7
        OR H                    ; 4
        OUT (C),A               ; 12
        LD L,TXD                ; 7
ayp_d:  DEC L                   ; 4
        JR NZ,ayp_d             ; 12
        REPT TXP
        NOP
        ENDM
        SCF                     ; 4   ones shift in behind the data: the stop bits
        RR E                    ; 8
        DEC D                   ; 4
        JP NZ,ayp_bit           ; 10
        POP HL
        POP DE
        POP BC
        RET

; drv_getbyte: DE = ms to wait (0 = a short poll of ~4 bit times). Carry set: A = byte,
; DE = ms left. Carry clear: nothing came, DE = 0. Keeps BC, HL.
drv_getbyte:
        PUSH BC
        PUSH HL
        DI
        LD BC,AY_SEL
        LD A,AY_PORTA
        OUT (C),A
        LD A,(V_AY_SHADOW)
        AND 0FFh-AYB_CTS        ; CTS on, TX at mark
        LD B,AY_WRITE_HI
        OUT (C),A
        LD B,AY_READ_HI
        LD A,D
        OR E
        JR Z,ayg_short
ayg_ms:
        LD L,POLLS_MS
ayg_poll:
        IN A,(C)                ; 12  bit 7 = 0: space, a start bit
        RLA                     ; 4
        JR NC,ayg_start         ; 7
        DEC L                   ; 4
        JR NZ,ayg_poll          ; 12
        DEC DE
        LD A,D
        OR E
        JR NZ,ayg_ms
ayg_short:
        LD L,SHORT_POLLS
ayg_sp:
        IN A,(C)
        RLA
        JR NC,ayg_start
        DEC L
        JR NZ,ayg_sp
        LD A,(V_AY_SHADOW)      ; CTS off
        LD B,AY_WRITE_HI
        OUT (C),A
        LD B,AY_READ_HI
        ; A byte the bridge started just before CTS dropped still arrives: watch for it.
        LD L,RACE_POLLS
ayg_race:
        IN A,(C)
        RLA
        JR NC,ayg_start
        DEC L
        JR NZ,ayg_race
        LD DE,0
        POP HL
        POP BC
        OR A
        RET
ayg_start:
        LD A,(V_AY_SHADOW)      ; 13  CTS off: one byte per CTS
        LD B,AY_WRITE_HI        ; 7
        OUT (C),A               ; 12
        LD B,AY_READ_HI         ; 7
        LD H,80h                ; 7   marker: falls out into carry after 8 bits
        LD L,RXD0               ; 7
ayg_d0: DEC L
        JR NZ,ayg_d0
        REPT RXP0
        NOP
        ENDM
ayg_bit:
        IN A,(C)                ; 12  sampled 11 T in
        RLA                     ; 4   carry = the data bit (not inverted)
        RR H                    ; 8
        JR C,ayg_done           ; 7
        LD L,RXD                ; 7
ayg_d1: DEC L
        JR NZ,ayg_d1
        REPT RXP
        NOP
        ENDM
        JR ayg_bit              ; 12
ayg_done:
        LD L,STOPD              ; bit 7 may read as space until the stop bit: let it pass
ayg_d2: DEC L
        JR NZ,ayg_d2
        LD A,H
        POP HL
        POP BC
        SCF
        RET

        ENDIF
