; UP9600-style driver: bytes through the CIA shift registers (contract A's byte-level model).
; Sending: CIA2's serial data register ($DD0C) in output mode, clocked by CIA2 timer A
; (CFG_SPEED = timer value: 50 gives 985248 / (2 * 51) = 9659 bit/s, 9600 within 0.6%);
; ICR bit 3 of CIA2 says the byte is out. Receiving is interrupt driven: a byte lands in
; CIA1's SDR ($DC0C) and sets CIA1 ICR bit 3 (SP), enabled in CIA1's mask, so it raises IRQ.
; Our handler (through $0314; the old target kept) reads $DC0D, moves an SP byte into a
; 256-byte ring (RXRING, 255 usable) and calls the old handler once for every IRQ of another
; source (the KERNAL's timer: jiffy clock, keyboard), at a moment no byte can land (see sp_irq);
; drv_poll reads the ring. Entries run with IRQs off (client.s), so the driver turns them on (CLI) in
; drv_put / drv_poll when the caller had them on (V_SAVED_P); a caller with I set gets the
; old polled receive. close (SYS 49197) masks SP and puts $0314 back; the next drv_poll
; installs the handler again.
; The CIA shifts MSB first and RS-232 sends LSB first, so every byte goes through a bit-reverse
; table (REV, built by drv_init) on the way in and out, as the UP9600 driver does.

DRV_POLLS_PER_MS = 18           ; a wait_byte poll with the ring empty is ~54 cycles
REV             = OUTQ          ; 256: bit-reversed byte values (OUTQ is the parallel build's)

; The parallel build's ring and variables, unused by this build.
RXRING          = INQ           ; 256: bytes from CIA1's SDR, written by the IRQ handler
V_RXH           = V_IQH         ; ring head: next byte to read (main code only)
V_RXT           = V_IQT         ; ring tail: next slot to fill (IRQ handler only)
V_RXON          = V_OQN         ; 1 = receiving under interrupt (set by drv_init, cleared by close)
V_OLDVEC        = V_PLEN_LO     ; word: $0314 as found
V_ICR           = V_PSTAT       ; the IRQ handler's copy of CIA1's ICR
V_RXDROP        = V_PDROP       ; bytes dropped because the ring was full, wraps
V_TICKS         = V_EXCH        ; other IRQs held for the old handler (0-2)
IRQVEC          = $0314

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
        lda CFG_SPEED
        sta $DD04
        lda #0
        sta $DD05
        lda #%01010001          ; CIA2 CRA: SP output, force load, continuous, start
        sta $DD0E
        lda $DC0E
        and #%10111111          ; CIA1 CRA: SP input
        sta $DC0E
        lda #0
        sta V_RXH
        sta V_RXT
        lda $DD0D
        jsr rx_on
        lda #1
        sta V_PORT_READY
        plp
        rts

; rx_on: our IRQ handler into $0314 (the old target kept, unless the vector is ours already),
; SP unmasked. Keeps X, Y.
rx_on:  php
        sei
        lda IRQVEC
        cmp #<sp_irq
        bne @save
        lda IRQVEC+1
        cmp #>sp_irq
        beq @mask
@save:  lda IRQVEC
        sta V_OLDVEC
        lda IRQVEC+1
        sta V_OLDVEC+1
        lda #<sp_irq
        sta IRQVEC
        lda #>sp_irq
        sta IRQVEC+1
        lda #0
        sta V_TICKS
@mask:  lda #1
        sta V_RXON
        lda #%10001000          ; CIA1: SP interrupt on
        sta $DC0D
        plp
        rts

; rx_off: when $0314 is ours: SP masked, $0314 back as found (a handler put on top of ours
; since is left alone, and still reaches ours). Keeps X, Y.
rx_off: php
        sei
        lda #0
        sta V_RXON
        lda IRQVEC
        cmp #<sp_irq
        bne @done
        lda IRQVEC+1
        cmp #>sp_irq
        bne @done
        lda #%00001000          ; CIA1: SP interrupt off
        sta $DC0D
        lda V_OLDVEC
        sta IRQVEC
        lda V_OLDVEC+1
        sta IRQVEC+1
@done:  plp
        rts

; The IRQ handler: the KERNAL's IRQ entry has pushed A, X, Y. Reading $DC0D clears every
; flag, so the SP byte is taken here whatever else asked; the other sources (the KERNAL's
; timer: jiffy clock, keyboard) go on to the old handler, which reads $DC0D again. A byte that
; landed between our read and its read would lose its SP flag there, so the old handler runs
; only where no byte can land: right after we took one (the next is a byte time, ~1000
; cycles, away). A tick with no byte is held (V_TICKS) until the next byte or the next tick
; (then the line was quiet for a whole tick), so none is lost and none is added: the old
; handler runs once per tick, called back to us (a return frame pushed as the IRQ entry does).
sp_irq: lda $DC0D
        sta V_ICR
        and #$08
        beq @nosp
        ldx $DC0C
        lda REV,x
        ldx V_RXT
        sta RXRING,x
        inx
        cpx V_RXH
        beq @full
        stx V_RXT
@took:  lda V_ICR
        and #$17                ; timers, TOD, FLAG: the old handler's business
        beq @held
        inc V_TICKS
@held:  lda V_TICKS
        bne @run                ; safe now: a byte just came
@exit:  pla
        tay
        pla
        tax
        pla
        rti
@full:  inc V_RXDROP
        jmp @took
@nosp:  lda V_ICR
        and #$17
        beq @exit
        inc V_TICKS
        lda V_TICKS
        cmp #2
        bcc @exit               ; held until a byte or the next tick
@run:   lda #>@back             ; old handler, returning here: PC, P, A, X, Y as the entry
        pha
        lda #<@back
        pha
        php
        pha
        pha
        pha
        jmp (V_OLDVEC)
@back:  dec V_TICKS
        bne @run
        beq @exit

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

; drv_put: A = byte; waits (bounded) until CIA2 has shifted it out. Keeps X, Y.
drv_put:
        IRQ_ON
        stx V_DSX
        tax
        lda REV,x
        sta $DD0C
        ldx #0
@wait:  lda $DD0D
        and #$08
        bne @done
        dex
        bne @wait
@done:  ldx V_DSX
        rts

; drv_poll: carry clear + A = a byte that came, else carry set. Keeps X, Y.
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
        bne @polled             ; the caller keeps IRQs off: poll CIA1 as before
        cli
        lda V_RXON
        beq @on
        sec
        rts
@on:    jsr rx_on               ; after close: receive under interrupt again
        sec
        rts
@polled:
        lda $DC0D
        and #$08
        beq @nothing
        stx V_DSX
        ldx $DC0C
        lda REV,x
        ldx V_DSX
        clc
        rts
@nothing:
        sec
        rts

; drv_flush: nothing is queued on the way out.
drv_flush:
        rts

; drv_close: close (SYS 49197): SP is masked and $0314 comes back.
drv_close:
        jmp rx_off
