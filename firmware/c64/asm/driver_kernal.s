; KERNAL RS-232 (device 2) driver: the KERNAL's own bit-banged RS-232 on the user port (TTL:
; RxD on B+C, TxD on M). Opened as logical file K_FILE with the 6551-style control byte in
; CFG_SPEED ($08 = 1200 baud 8N1) and command byte 0 (3-line, no parity). All calls go through
; the vectors as found (KV_*), so they still reach the KERNAL while line mode has them hooked.
; GETIN gives 0 both for "nothing" and for a 0 byte: READST bit 3 tells them apart.

DRV_POLLS_PER_MS = 4            ; a poll is CHKIN + GETIN (+ READST) + CLRCHN, ~250 cycles
K_FILE          = 126           ; logical file number the driver uses for device 2

drv_init:
        jsr save_vectors
        lda #K_FILE
        jsr k_close             ; harmless when it was not open
        lda #K_FILE
        ldx #2
        ldy #0
        jsr SETLFS
        lda #2
        ldx #<CFG_SPEED
        ldy #>CFG_SPEED         ; the name: control byte, command byte
        jsr SETNAM
        jsr k_open
        lda #1
        sta V_PORT_READY
        rts

k_open: jmp (KV_OPEN)
k_close:
        jmp (KV_CLOSE)
k_chkin:
        jmp (KV_CHKIN)
k_ckout:
        jmp (KV_CKOUT)
k_clrch:
        jmp (KV_CLRCH)
k_bsout:
        jmp (KV_BSOUT)
k_getin:
        jmp (KV_GETIN)

; drv_put: A = byte. Keeps X, Y.
drv_put:
        sta V_DSA
        stx V_DSX
        sty V_DSY
        ldx #K_FILE
        jsr k_ckout
        lda V_DSA
        jsr k_bsout
        jsr k_clrch
        ldx V_DSX
        ldy V_DSY
        rts

; drv_poll: carry clear + A = a byte that came, else carry set. Keeps X, Y.
drv_poll:
        stx V_DSX
        sty V_DSY
        ldx #K_FILE
        jsr k_chkin
        jsr k_getin
        sta V_DSA
        bne @got
        jsr READST
        and #$08                ; receive buffer empty
        bne @none
@got:   jsr k_clrch
        ldx V_DSX
        ldy V_DSY
        lda V_DSA
        clc
        rts
@none:  jsr k_clrch
        ldx V_DSX
        ldy V_DSY
        sec
        rts

drv_flush:
        rts

; drv_close: nothing to undo at close.
drv_close:
        rts
