; Prints four lines through the KERNAL to device 4. The spec gives the printer a bold font
; (every dot also inked one column to its right), which exact matching does not know, so the
; paper is read by Tesseract. Source letters are lower case: ca65 makes them unshifted PETSCII,
; which the printer's default upper case/graphics set prints as capitals.

        .export start

SETLFS  = $FFBA
SETNAM  = $FFBD
OPEN    = $FFC0
CLOSE   = $FFC3
CHKOUT  = $FFC9
CLRCHN  = $FFCC
CHROUT  = $FFD2

start:  lda #4
        ldx #4
        ldy #$FF
        jsr SETLFS
        lda #0
        jsr SETNAM
        jsr OPEN
        ldx #4
        jsr CHKOUT
        ldx #0
next:   lda text,x
        beq done
        jsr CHROUT
        inx
        bne next
done:   jsr CLRCHN
        lda #4
        jsr CLOSE
        rts

text:   .byte "the quick brown fox", 13
        .byte "jumps over the lazy dog", 13
        .byte "commodore 64 printer test", 13
        .byte "printed in bold", 13
        .byte 0
