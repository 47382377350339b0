; Spectrum Next UART driver.
;
; IN 133Bh: bit 0 = RX FIFO has data, bit 1 = TX busy. OUT 133Bh sends a byte (only when not
; busy). IN 143Bh pops the RX FIFO. OUT 143Bh selects the speed (0 = 115200 ... 4 = 9600 ...
; 6 = 2400), from CFG_SPEED. 256-byte RX FIFO, no flow control: frames are read as they
; come, and line mode must read answers promptly (or use PAGE n).

        IF DRIVER = DRV_NEXT

NX_STATUS       EQU 133Bh
NX_DATA         EQU 143Bh
NX_RX_READY     EQU 01h
NX_TX_BUSY      EQU 02h
POLL_T          EQU 39
POLLS_MS        EQU 3500/POLL_T

; drv_init: sets the speed.
drv_init:
        LD BC,NX_DATA
        LD A,(CFG_SPEED)
        OUT (C),A
        RET

; drv_putbyte: sends A once the transmitter is free. Keeps BC, DE, HL.
drv_putbyte:
        PUSH BC
        PUSH AF
        LD BC,NX_STATUS
nxp_wait:
        IN A,(C)
        AND NX_TX_BUSY
        JR NZ,nxp_wait
        POP AF
        OUT (C),A
        POP BC
        RET

; drv_getbyte: DE = ms to wait (0 = look once). Carry set: A = byte, DE = ms left. Carry
; clear: nothing came, DE = 0. Keeps BC, HL.
drv_getbyte:
        PUSH BC
        PUSH HL
        LD BC,NX_STATUS
        LD A,D
        OR E
        JR Z,nxg_short
nxg_ms:
        LD L,POLLS_MS
nxg_poll:
        IN A,(C)                ; 12
        RRA                     ; 4   bit 0: RX has data
        JR C,nxg_got            ; 7
        DEC L                   ; 4
        JR NZ,nxg_poll          ; 12
        DEC DE
        LD A,D
        OR E
        JR NZ,nxg_ms
        JR nxg_none
nxg_short:
        IN A,(C)
        RRA
        JR C,nxg_got
nxg_none:
        LD DE,0
        POP HL
        POP BC
        OR A
        RET
nxg_got:
        LD B,HIGH NX_DATA       ; 143Bh shares the low byte
        IN A,(C)
        POP HL
        POP BC
        SCF
        RET

        ENDIF
