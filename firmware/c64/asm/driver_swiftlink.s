; SwiftLink driver: a 6551 ACIA at $DE00 (data), $DE01 (status: bit 3 RDRF, bit 4 TDRE,
; bit 7 IRQ; a write resets), $DE02 (command), $DE03 (control). CFG_SPEED is the control
; byte: $1F = internal baud generator, 8N1, rate 15 (19200 on a 1.8432 MHz crystal, 38400 on
; the SwiftLink's doubled one).
; Receiving is interrupt driven, as real SwiftLink drivers do: command $09 (DTR on, receive
; interrupt on, transmit interrupt off) makes the 6551 pull NMI for every byte; our handler
; (through $0318, the old target kept and chained to for NMIs that are not the ACIA's) moves
; the byte into a 256-byte ring (RXRING, 255 usable), which drv_poll reads. So bytes that
; arrive while the 6502 is busy (CRC, copies, sends) are not overrun. close (SYS 49197) turns
; the receive interrupt off and puts $0318 back; the next drv_poll turns it on again.

DRV_POLLS_PER_MS = 22           ; a wait_byte poll with the ring empty is ~44 cycles
ACIA            = $DE00
ACIA_CMD_IRQ    = $09           ; DTR on, receive IRQ on, transmit IRQ off (RTS low)
ACIA_CMD_POLL   = $0B           ; DTR on, no ACIA interrupts

; The parallel build's ring and variables, unused by this build.
RXRING          = INQ           ; 256: bytes from the ACIA, written by the NMI handler
V_RXH           = V_IQH         ; ring head: next byte to read (main code only)
V_RXT           = V_IQT         ; ring tail: next slot to fill (NMI handler only)
V_RXON          = V_OQN         ; 1 = receiving under interrupt (set by drv_init, cleared by close)
V_OLDVEC        = V_PLEN_LO     ; word: $0318 as found
V_RXDROP        = V_PDROP       ; bytes dropped because the ring was full, wraps
NMIVEC          = $0318

drv_init:
        sta ACIA+1              ; programmed reset: DTR off, so no receive IRQ either
        lda #0
        sta V_RXH
        sta V_RXT
        lda CFG_SPEED
        sta ACIA+3
        lda ACIA                ; drop a stale byte
        jsr rx_on
        lda #1
        sta V_PORT_READY
        rts

; rx_on: our NMI handler into $0318 (the old target kept, unless the vector is ours already),
; then the receive IRQ on. The vector is written while the ACIA cannot interrupt (NMI cannot
; be masked). Keeps X, Y.
rx_on:  lda #ACIA_CMD_POLL
        sta ACIA+2
        lda NMIVEC
        cmp #<acia_nmi
        bne @save
        lda NMIVEC+1
        cmp #>acia_nmi
        beq @irq
@save:  lda NMIVEC
        sta V_OLDVEC
        lda NMIVEC+1
        sta V_OLDVEC+1
        lda #<acia_nmi
        sta NMIVEC
        lda #>acia_nmi
        sta NMIVEC+1
@irq:   lda #1
        sta V_RXON
        lda #ACIA_CMD_IRQ
        sta ACIA+2
        rts

; rx_off: when $0318 is ours: receive IRQ off, $0318 back as found (a handler put on top of
; ours since is left alone, and still reaches ours). Keeps X, Y.
rx_off: lda #0
        sta V_RXON
        lda NMIVEC
        cmp #<acia_nmi
        bne @done
        lda NMIVEC+1
        cmp #>acia_nmi
        bne @done
        lda #ACIA_CMD_POLL
        sta ACIA+2
        lda V_OLDVEC
        sta NMIVEC
        lda V_OLDVEC+1
        sta NMIVEC+1
@done:  rts

; The NMI handler (the KERNAL's NMI entry did SEI and JMP ($0318), nothing saved). A byte
; waiting in the ACIA goes into the ring; any other NMI goes on to the old target.
acia_nmi:
        pha
        lda ACIA+1
        and #$08                ; RDRF
        beq @other
        txa
        pha
        ldx V_RXT
        lda ACIA                ; clears RDRF, so the ACIA lets NMI go
        sta RXRING,x
        inx
        cpx V_RXH
        beq @full
        stx V_RXT
@back:  pla
        tax
        pla
        rti
@full:  inc V_RXDROP
        bne @back
        beq @back
@other: pla
        jmp (V_OLDVEC)

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

; drv_poll: carry clear + A = a byte from the ring, else carry set. Keeps X, Y.
drv_poll:
        lda V_RXH
        cmp V_RXT
        beq @none
        stx V_DSX
        tax
        lda RXRING,x
        inc V_RXH
        ldx V_DSX
        clc
        rts
@none:  lda V_RXON
        beq @on
        sec
        rts
@on:    jsr rx_on               ; after close: receive under interrupt again
        sec
        rts

; drv_flush: nothing is queued on the way out.
drv_flush:
        rts

; drv_close: close (SYS 49197): the receive interrupt goes off and $0318 comes back.
drv_close:
        jmp rx_off
