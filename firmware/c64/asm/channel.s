; Line mode for BASIC: the library hooks the KERNAL's RAM vectors so that one device number
; (CFG_DEVICE, 7 by default) goes to the bridge through the build's driver:
;   OPEN 7,7 : PRINT#7,"GET weather/today" : GET#7,A$ (or INPUT#7,A$) : CLOSE 7
; Every other device is passed on to the vector's previous target, so the screen, disks and
; printers work as before. The file is not entered in the KERNAL's file tables: the hooks
; recognise its logical number themselves.

; hook_vectors: points the eight vectors at the handlers below (once). IOPEN..IBSOUT are
; seven words in a row; ISTOP ($0328) sits between them and IGETIN and is left alone.
hook_vectors:
        lda V_HOOKED
        bne @done
        jsr save_vectors
        ldx #13
@copy:  lda hook_table,x
        sta IOPEN,x
        dex
        bpl @copy
        lda #<h_getin
        sta IGETIN
        lda #>h_getin
        sta IGETIN+1
        lda #1
        sta V_HOOKED
@done:  rts

; unhook_vectors: puts back what save_vectors found.
unhook_vectors:
        lda V_HOOKED
        beq @done
        ldx #13
@copy:  lda KV,x
        sta IOPEN,x
        dex
        bpl @copy
        lda KV_GETIN
        sta IGETIN
        lda KV_GETIN+1
        sta IGETIN+1
        lda #0
        sta V_HOOKED
        sta V_CH_OPEN
        sta V_CH_IN
        sta V_CH_OUT
@done:  rts

; save_vectors: copies the vectors as found into KV (not while hooked: KV has them then).
save_vectors:
        lda V_HOOKED
        bne @done
        ldx #13
@copy:  lda IOPEN,x
        sta KV,x
        dex
        bpl @copy
        lda IGETIN
        sta KV_GETIN
        lda IGETIN+1
        sta KV_GETIN+1
@done:  rts

hook_table:
        .word h_open, h_close, h_chkin, h_ckout, h_clrch, h_basin, h_bsout

; OPEN: ours when the device number (FA) is CFG_DEVICE.
h_open: lda K_FA
        cmp CFG_DEVICE
        beq @ours
        jmp (KV_OPEN)
@ours:  lda K_LA
        sta V_CH_LA
        lda #1
        sta V_CH_OPEN
        lda V_PORT_READY
        bne @ok
        jsr drv_init
@ok:    clc
        rts

; CLOSE: A = logical file.
h_close:
        ldx V_CH_OPEN
        beq @orig
        cmp V_CH_LA
        bne @orig
        jsr drv_flush
        lda #0
        sta V_CH_OPEN
        sta V_CH_IN
        sta V_CH_OUT
        clc
        rts
@orig:  jmp (KV_CLOSE)

; CHKIN / CHKOUT: X = logical file.
h_chkin:
        lda #0
        sta V_CH_IN
        lda V_CH_OPEN
        beq @orig
        cpx V_CH_LA
        bne @orig
        inc V_CH_IN
        clc
        rts
@orig:  jmp (KV_CHKIN)

h_ckout:
        lda #0
        sta V_CH_OUT
        lda V_CH_OPEN
        beq @orig
        cpx V_CH_LA
        bne @orig
        inc V_CH_OUT
        clc
        rts
@orig:  jmp (KV_CKOUT)

; CLRCHN: back to keyboard and screen; what we buffered goes out first.
h_clrch:
        lda V_CH_OUT
        beq @clear
        jsr drv_flush
@clear: lda #0
        sta V_CH_IN
        sta V_CH_OUT
        jmp (KV_CLRCH)

; CHROUT: A = character. Printable bytes and CR go to the bridge, CR flushes; other control
; codes (colours, cursor moves) are dropped. Keeps X, Y.
h_bsout:
        pha
        lda V_CH_OUT
        bne @ours
        pla
        jmp (KV_BSOUT)
@ours:  pla
        pha
        cmp #$0D
        beq @cr
        cmp #$20
        bcc @done
        cmp #$80
        bcc @put
        cmp #$A0
        bcc @done               ; $80-$9F: controls
@put:   jsr drv_put
@done:  pla
        clc
        rts
@cr:    jsr drv_put
        jsr drv_flush
        jmp @done

; CHRIN (INPUT#): waits for a character (until RUN/STOP, which ends the line). LF skipped.
h_basin:
        lda V_CH_IN
        bne @ours
        jmp (KV_BASIN)
@ours:  stx V_CHX
        sty V_CHY
@again: lda #<1000
        sta V_WAIT
        lda #>1000
        sta V_WAIT+1
        jsr wait_byte
        bcc @got
        cmp #ERR_TIMEOUT
        beq @again
        lda #$0D                ; RUN/STOP or a dead port: end the line
        bne @out
@got:   cmp #$0A
        beq @again
@out:   ldx V_CHX
        ldy V_CHY
        cmp #0                  ; Z as the KERNAL leaves it: set for "nothing"
        clc
        rts

; GETIN (GET#): one short poll; 0 when nothing came (BASIC gives ""). LF skipped.
h_getin:
        lda V_CH_IN
        bne @ours
        jmp (KV_GETIN)
@ours:  stx V_CHX
        sty V_CHY
        lda #2
        sta V_WAIT
        lda #0
        sta V_WAIT+1
        jsr wait_byte
        bcs @none
        cmp #$0A
        bne @out
@none:  lda #0
@out:   ldx V_CHX
        ldy V_CHY
        cmp #0                  ; Z as the KERNAL leaves it: set for "nothing"
        clc
        rts
