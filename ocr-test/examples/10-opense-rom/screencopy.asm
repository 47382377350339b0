; Copies the top character rows of the screen to the ZX Printer, the way the
; Sinclair ROM's COPY-LINE does. OpenSE BASIC has no ZX Printer driver, so
; screencopy.bas POKEs these bytes (from its DATA lines) to 60000 and calls them.
;
; Before calling, POKE nrows (60075) with the number of character rows to
; copy (1-24). Assemble with `pasmo --bin screencopy.asm out.bin` to get the
; 77 bytes in the DATA lines.

        org 60000

start:  di                      ; interrupts would make dots late
        ld a,(nrows)
        add a,a
        add a,a
        add a,a
        ld (count),a            ; pixel rows to print
        ld e,0                  ; y, the screen pixel row
row:    ld a,e                  ; HL = 0x4000 + ((y&0xC0)<<5) + ((y&7)<<8) + ((y&0x38)<<2)
        and 0xC0
        rrca
        rrca
        rrca
        ld h,a
        ld a,e
        and 7
        or h
        or 0x40
        ld h,a
        ld a,e
        and 0x38
        rlca
        rlca
        ld l,a
        xor a                   ; motor on, stylus off
        out (0xFB),a
edge:   in a,(0xFB)             ; wait for the paper edge (D7)
        rla
        jr nc,edge
        ld b,32
byte:   ld d,(hl)
        inc hl
        ld c,8
dot:    in a,(0xFB)             ; wait for the encoder (D0)
        rra
        jr nc,dot
        xor a
        rl d                    ; the next dot into D7
        rra
        out (0xFB),a
        dec c
        jr nz,dot
        djnz byte
        inc e
        ld a,(count)
        cp e
        jr nz,row
        ld a,4                  ; motor off
        out (0xFB),a
        ei
        ret

nrows:  defb 2
count:  defb 0

        end start
