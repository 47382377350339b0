; Parallel driver: the retromesh adapter on the user port, WiC64-style. The C64
; is master: PB0-7 data ($DD01), /PC2 pulses on every CPU access of $DD01, /FLAG2 from the
; adapter sets CIA2 ICR bit 4 (polled at $DD0D; reading clears it), PA2 = direction (high =
; C64 -> adapter).
;   request:  'R', $01 (EXCHANGE), len_lo, len_hi, payload   (each byte: write, wait FLAG)
;   turnaround: DDR B = $00, then PA2 low
;   response: status, len_lo, len_hi, data                   (each byte: wait FLAG, read)
;   back to idle: PA2 high, DDR B = $FF
; Bytes for the host gather in OUTQ and go out in one exchange (on flush, or when 240 are
; waiting); bytes from the host land in the INQ ring (256: a whole response always fits
; when the ring is empty, as it is on a poll). A poll with INQ empty runs an exchange.
; If the adapter stops answering (no FLAG within ~20 ms) the bus is released, the request
; stays queued for the next exchange and V_PORT_FAIL counts the failure (ERR_PORT upstairs).

DRV_POLLS_PER_MS = 3            ; an empty poll is a 7-byte exchange, ~300 cycles
PB              = $DD01
DDRB            = $DD03
PA              = $DD00
DDRA            = $DD02
ICR2            = $DD0D
OUTQ_FLUSH      = 240
PAR_WAIT        = 6             ; x ~3.3 ms: how long one strobe may take

drv_init:
        lda DDRA
        ora #$04
        sta DDRA
        jsr par_idle
        lda ICR2                ; forget a stale FLAG
        lda #0
        sta V_OQN
        sta V_IQH
        sta V_IQT
        sta V_IQC
        sta V_IQC+1
        sta V_PORT_FAIL
        lda #1
        sta V_PORT_READY
        rts

par_idle:
        lda PA
        ora #$04                ; PA2 high: C64 -> adapter
        sta PA
        lda #$FF
        sta DDRB
        rts

; drv_put: A = byte for the host. Keeps X, Y.
drv_put:
        stx V_DSX
        ldx V_OQN
        cpx #$FF
        beq @drop               ; full and the adapter not answering: the frame is lost
        sta OUTQ,x
        inx
        stx V_OQN
        cpx #OUTQ_FLUSH
        bne @done               ; one try at the mark, not one per byte after it
        sty V_DSY
        jsr par_exchange
        ldy V_DSY
@done:  ldx V_DSX
        rts
@drop:  inc V_PDROP
        ldx V_DSX
        rts

; drv_close: nothing to undo at close.
drv_close:
        rts

; drv_flush: sends what OUTQ holds. Keeps X, Y.
drv_flush:
        lda V_OQN
        beq @done
        stx V_DSX
        sty V_DSY
        jsr par_exchange
        ldx V_DSX
        ldy V_DSY
@done:  rts

; drv_poll: carry clear + A = a byte from the host, else carry set (V_PORT_FAIL nonzero if
; the adapter did not answer). Keeps X, Y.
drv_poll:
        stx V_DSX
        lda V_IQC
        ora V_IQC+1
        bne @take
        sty V_DSY
        jsr par_exchange
        ldy V_DSY
        lda V_IQC
        ora V_IQC+1
        beq @none
@take:  ldx V_IQH
        lda INQ,x
        inc V_IQH
        pha
        lda V_IQC
        bne @lo
        dec V_IQC+1
@lo:    dec V_IQC
        pla
        ldx V_DSX
        clc
        rts
@none:  ldx V_DSX
        sec
        rts

; par_exchange: one request/response. Carry clear: done (OUTQ sent, answer in INQ).
par_exchange:
        lda ICR2                ; a FLAG left over from noise must not count as an answer
        lda #'R'
        jsr par_send
        jcs @fail
        lda #$01
        jsr par_send
        jcs @fail
        lda V_OQN
        jsr par_send
        jcs @fail
        lda #0
        jsr par_send
        jcs @fail
        ldx #0
@req:   cpx V_OQN
        beq @turn
        lda OUTQ,x
        jsr par_send
        bcs @fail
        inx
        bne @req
@turn:  lda #0
        sta DDRB
        lda PA
        and #$FB                ; PA2 low: adapter -> C64
        sta PA
        jsr par_recv
        bcs @fail
        sta V_PSTAT
        bne @kept               ; refused or host full: OUTQ goes again next time
        sta V_OQN               ; status 0: the adapter has it
@kept:
        jsr par_recv
        bcs @fail
        sta V_PLEN_LO
        jsr par_recv
        bcs @fail
        sta V_PLEN_HI
@data:  lda V_PLEN_LO
        ora V_PLEN_HI
        beq @end
        jsr par_recv
        bcs @fail
        ldx V_IQC+1
        bne @full               ; 256 waiting already
        ldx V_IQT
        sta INQ,x
        inc V_IQT
        inc V_IQC
        bne @count
        inc V_IQC+1
        jmp @count
@full:  inc V_PDROP             ; ring full: the frame layer recovers it
@count: lda V_PLEN_LO
        bne @lo
        dec V_PLEN_HI
@lo:    dec V_PLEN_LO
        jmp @data
@end:   jsr par_idle
        inc V_EXCH
        bne @st
        inc V_EXCH+1
@st:    lda #0
        sta V_PORT_FAIL
        lda V_PSTAT
        bne @refused
        clc
        rts
@refused:
        lda #ERR_ADAPTER
        sec
        rts
@fail:  jsr par_idle
        inc V_PFAILS
        inc V_PORT_FAIL
        bne @f
        dec V_PORT_FAIL         ; stays nonzero
@f:     sec
        rts

; par_send: A = byte on PB (the write pulses /PC2); waits for the adapter's FLAG.
par_send:
        sta PB
; par_wait_flag: carry clear when CIA2 ICR bit 4 came up within PAR_WAIT x ~3.3 ms.
par_wait_flag:
        lda #PAR_WAIT
        sta V_TO_HI
        ldy #0
@poll:  lda ICR2
        and #$10
        bne @got
        dey
        bne @poll
        dec V_TO_HI
        bne @poll
        sec
        rts
@got:   clc
        rts

; par_recv: waits for the adapter's FLAG, then reads PB (which pulses /PC2: the ack).
par_recv:
        jsr par_wait_flag
        bcs @ret
        lda PB
@ret:   rts
