; Prints to the printer the way BASIC's OPEN 4,4 : PRINT#4 : CLOSE 4 does, through the KERNAL
; jump table: SETLFS, SETNAM, OPEN, CHKOUT, CHROUT, CLRCHN, CLOSE. Runs without Commodore's
; ROMs: retromesh's trap KERNAL serves the same entry points and hands device 4's bytes to
; the virtual printer.

        .export start

SETLFS  = $FFBA
SETNAM  = $FFBD
OPEN    = $FFC0
CLOSE   = $FFC3
CHKOUT  = $FFC9
CLRCHN  = $FFCC
CHROUT  = $FFD2

start:  lda #4          ; logical file 4
        ldx #4          ; device 4: the printer
        ldy #$FF        ; no secondary address
        jsr SETLFS
        lda #0          ; no file name
        jsr SETNAM
        jsr OPEN
        ldx #4
        jsr CHKOUT      ; CHROUT now goes to file 4
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

; Upper case/graphics first (the printer's default): ca65 turns lower-case source letters into
; unshifted PETSCII, which prints as capitals there. Then four card suits (shifted codes are
; graphics in this set), then CHR$(17) for lower/upper case.
text:   .byte "printed by the kernal, device 4", 13
        .byte "suits: ", $D3, $C1, $DA, $D8, " pi: ", $FF, " pound: ", $5C, 13
        .byte $11, "Now in Lower/Upper Case: 1+2=3", 13
        .byte 0
