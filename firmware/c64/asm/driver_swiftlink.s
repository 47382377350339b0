; SwiftLink driver: a 6551 ACIA at $DE00 (data), $DE01 (status: bit 3 RDRF, bit 4 TDRE;
; a write resets), $DE02 (command), $DE03 (control). CFG_SPEED is the control byte: $1F =
; internal baud generator, 8N1, rate 15 (19200 on a 1.8432 MHz crystal, 38400 on the
; SwiftLink's doubled one). Command $0B: no parity, no echo, no ACIA interrupts, DTR on.

DRV_POLLS_PER_MS = 40           ; a poll is ~24 cycles
ACIA            = $DE00

drv_init:
        sta ACIA+1              ; programmed reset
        lda #$0B
        sta ACIA+2
        lda CFG_SPEED
        sta ACIA+3
        lda ACIA                ; drop a stale byte
        lda #1
        sta V_PORT_READY
        rts

; drv_put: A = byte; waits (bounded) for the transmit register to empty. Keeps X, Y.
drv_put:
        pha
        stx V_DSX
        ldx #0
@wait:  lda ACIA+1
        and #$10
        bne @go
        dex
        bne @wait
@go:    ldx V_DSX
        pla
        sta ACIA
        rts

; drv_poll: carry clear + A = a byte that came, else carry set. Keeps X, Y.
drv_poll:
        lda ACIA+1
        and #$08
        beq @none
        lda ACIA
        clc
        rts
@none:  sec
        rts

drv_flush:
        rts
