; UP9600 driver: bytes through the CIA shift registers, wired as the real UP9600 (Daniel
; Dallmann 1997, as CCGMS drives it; hardware/pinmap.toml, variant c64-rs232-up9600).
; Sending: CIA1's serial data register ($DC0C) in output mode, out on SP1 (user port pin 5),
; clocked by CIA1 timer A (CFG_SPEED = timer value: 50 gives 985248 / (2 * 51) = 9659 bit/s,
; 9600 within 0.6%); ICR bit 3 of CIA1 says the byte is out. CIA1 timer A is the KERNAL's
; jiffy timer, so drv_init moves the jiffy IRQ to CIA1 timer B (PAL period $4025, as the
; UP9600 driver does) when timer A was running, and masks CIA1's timer A and SP interrupts.
; Receiving is NMI driven: on the real port the start bit's edge on /FLAG2 starts CIA2 timer
; B, whose PB7 clocks CNT2 and shifts the byte from SP2 (pin 7) into CIA2's SDR ($DD0C),
; setting CIA2 ICR bit 3 (SP); enabled in CIA2's mask it raises NMI. (The emulator models this
; at byte level: the byte lands whole, so timer B/PB7 are not programmed here.) Our handler
; (through $0318, the old target kept and chained to for NMIs that are not an SP byte) moves
; the byte into a 256-byte ring (RXRING, 255 usable), which drv_poll reads; NMI cannot be
; masked, so a caller with I set receives the same way. Entries run with IRQs off (client.s),
; so the driver turns them on (CLI) in drv_put / drv_poll when the caller had them on
; (V_SAVED_P), for the jiffy. close (SYS 49197) masks CIA2's SP and puts $0318 back; the next
; drv_poll installs the handler again. The jiffy stays on timer B after close.
; The CIA shifts MSB first and RS-232 sends LSB first, so every byte goes through a bit-reverse
; table (REV, built by drv_init) on the way in and out, as the UP9600 driver does.

DRV_POLLS_PER_MS = 18           ; a wait_byte poll with the ring empty is ~54 cycles
REV             = OUTQ          ; 256: bit-reversed byte values (OUTQ is the parallel build's)
JIFFY_PAL       = $4025         ; CIA1 timer B latch for the 60 Hz IRQ (the KERNAL's PAL value)

; The parallel build's ring and variables, unused by this build.
RXRING          = INQ           ; 256: bytes from CIA2's SDR, written by the NMI handler
V_RXH           = V_IQH         ; ring head: next byte to read (main code only)
V_RXT           = V_IQT         ; ring tail: next slot to fill (NMI handler only)
V_RXON          = V_OQN         ; 1 = receiving under interrupt (set by drv_init, cleared by close)
V_OLDVEC        = V_PLEN_LO     ; word: $0318 as found
V_ICR           = V_PSTAT       ; the NMI handler's copy of CIA2's ICR
V_RXDROP        = V_PDROP       ; bytes dropped because the ring was full, wraps
NMIVEC          = $0318

drv_init:
        php
        sei
        ldx #0
@rev:   txa
        ldy #8
@bit:   lsr a                   ; bit 0 out ...
        rol V_DSA               ; ... into bit 0 of the result, which moves up
        dey
        bne @bit
        lda V_DSA
        sta REV,x
        inx
        bne @rev
        lda #%00001001          ; CIA1: timer A and SP interrupts off
        sta $DC0D
        lda $DC0E
        and #$01
        beq @notick             ; timer A was not running: no jiffy to move
        lda #<JIFFY_PAL         ; the jiffy IRQ moves to CIA1 timer B
        sta $DC06
        lda #>JIFFY_PAL
        sta $DC07
        lda #%00010001          ; CIA1 CRB: force load, continuous, count phi2, start
        sta $DC0F
        lda #%10000010          ; CIA1: timer B interrupt on
        sta $DC0D
@notick:
        lda CFG_SPEED
        sta $DC04
        lda #0
        sta $DC05
        lda #%01010001          ; CIA1 CRA: SP output, force load, continuous, start
        sta $DC0E
        lda $DD0E
        and #%10111111          ; CIA2 CRA: SP input
        sta $DD0E
        lda #0
        sta V_RXH
        sta V_RXT
        jsr rx_on
        lda $DD0C               ; drop a stale byte
        lda #1
        sta V_PORT_READY
        plp
        rts

; rx_on: our NMI handler into $0318 (the old target kept, unless the vector is ours already),
; then CIA2's SP interrupt on. The vector is written while CIA2's SP is masked (NMI cannot be
; masked by I). Keeps X, Y.
rx_on:  lda #%00001000          ; CIA2: SP interrupt off
        sta $DD0D
        lda NMIVEC
        cmp #<sp_nmi
        bne @save
        lda NMIVEC+1
        cmp #>sp_nmi
        beq @mask
@save:  lda NMIVEC
        sta V_OLDVEC
        lda NMIVEC+1
        sta V_OLDVEC+1
        lda #<sp_nmi
        sta NMIVEC
        lda #>sp_nmi
        sta NMIVEC+1
@mask:  lda #1
        sta V_RXON
        lda #%10001000          ; CIA2: SP interrupt on (a byte already waiting raises NMI now)
        sta $DD0D
        rts

; rx_off: when $0318 is ours: CIA2's SP masked, $0318 back as found (a handler put on top of
; ours since is left alone, and still reaches ours). Keeps X, Y.
rx_off: lda #0
        sta V_RXON
        lda NMIVEC
        cmp #<sp_nmi
        bne @done
        lda NMIVEC+1
        cmp #>sp_nmi
        bne @done
        lda #%00001000          ; CIA2: SP interrupt off
        sta $DD0D
        lda V_OLDVEC
        sta NMIVEC
        lda V_OLDVEC+1
        sta NMIVEC+1
@done:  rts

; The NMI handler (the KERNAL's NMI entry did SEI and JMP ($0318), nothing saved). Reading
; $DD0D clears CIA2's flags and lets NMI go; an SP byte goes into the ring. An NMI with no SP
; byte (RESTORE) or with another CIA2 source goes on to the old target, registers as found.
sp_nmi: pha
        txa
        pha
        lda $DD0D
        sta V_ICR
        and #$08
        beq @other
        ldx $DD0C
        lda REV,x
        ldx V_RXT
        sta RXRING,x
        inx
        cpx V_RXH
        beq @full
        stx V_RXT
@took:  lda V_ICR
        and #$17                ; timers, TOD, FLAG: the old handler's business
        bne @other
        pla
        tax
        pla
        rti
@full:  inc V_RXDROP
        jmp @took
@other: pla
        tax
        pla
        jmp (V_OLDVEC)

; IRQ_ON: IRQs on while an entry works, unless the caller had them off. Keeps A, X, Y.
.macro IRQ_ON
        .local @keep
        pha
        lda V_SAVED_P
        and #$04
        bne @keep
        cli
@keep:  pla
.endmacro

; drv_put: A = byte; waits (bounded) until CIA1 has shifted it out. Keeps X, Y.
drv_put:
        IRQ_ON
        stx V_DSX
        tax
        lda REV,x
        sta $DC0C
        ldx #0
@wait:  lda $DC0D
        and #$08
        bne @done
        dex
        bne @wait
@done:  ldx V_DSX
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
@none:  lda V_SAVED_P
        and #$04
        bne @irqoff             ; the caller keeps IRQs off; NMI receives anyway
        cli
@irqoff:
        lda V_RXON
        beq @on
        sec
        rts
@on:    jsr rx_on               ; after close: receive under interrupt again
        sec
        rts

; drv_flush: nothing is queued on the way out.
drv_flush:
        rts

; drv_close: close (SYS 49197): CIA2's SP is masked and $0318 comes back.
drv_close:
        jmp rx_off
