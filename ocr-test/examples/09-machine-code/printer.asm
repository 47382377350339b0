; Drives the ZX Printer directly through port 0xFB with its own polling loop and
; no ROM printer routines: renders text lines from the ROM font at 0x3D00, one
; line in inverse video, and a checkerboard of 4x4-dot squares, then reports
; exit code 0 on the debug port 0xDEFF.
;
; Printer port 0xFB:  OUT  D7 = stylus (burn a dot), D2 = motor off, D1 = slow
;                     IN   D0 = encoder pulse (next dot), D7 = paper edge (row start)

PRINTER  equ 0xFB
FONT     equ 0x3D00             ; ROM font, from the space character
EXITPORT equ 0xDEFF

        org 0x8000

start:  di                      ; an interrupt mid-row would make dots late
        ld hl,text
line:   ld a,(hl)               ; attribute byte: 0 normal, 0xFF inverse, 1 end
        cp 1
        jr z,pattern
        ld (mask),a
        inc hl
        call render             ; 32 characters at HL into the bitmap, HL past them
        push hl
        call printcell          ; 8 dot rows on paper
        pop hl
        jr line

pattern: ld hl,bitmap           ; dot rows 0-3: 0xF0, rows 4-7: 0x0F
        ld a,0xF0
        ld b,128
pat1:   ld (hl),a
        inc hl
        djnz pat1
        ld a,0x0F
        ld b,128
pat2:   ld (hl),a
        inc hl
        djnz pat2
        call printcell

        ld a,0x04               ; motor off
        out (PRINTER),a
        ld bc,EXITPORT          ; exit code 0 to the debug port
        xor a
        out (c),a
hang:   jr hang

; Render the 32 characters at HL into bitmap: dot row r of column x goes to
; bitmap + r*32 + x. Non-space characters are XORed with (mask). Returns HL
; after the 32 characters.
render: ld de,bitmap
        ld b,32
rchar:  push bc
        push hl
        ld a,(hl)
        ld c,0
        cp ' '
        jr z,rspace
        ld bc,(mask)            ; C = mask
rspace: sub 32
        ld l,a
        ld h,0
        add hl,hl
        add hl,hl
        add hl,hl
        ld a,h
        add a,FONT/256
        ld h,a                  ; HL = glyph in the ROM font
        push de
        ld b,8
rrow:   ld a,(hl)
        xor c
        ld (de),a
        inc hl
        ld a,e                  ; DE += 32
        add a,32
        ld e,a
        jr nc,rnc
        inc d
rnc:    djnz rrow
        pop de
        inc de
        pop hl
        inc hl
        pop bc
        djnz rchar
        ret

; Print the 8 dot rows of bitmap, 256 dots each, as the ROM's COPY-LINE does.
printcell:
        ld hl,bitmap
        ld c,8
prow:   xor a                   ; motor on, normal speed, stylus off
        out (PRINTER),a
edge:   in a,(PRINTER)          ; wait for the paper edge
        rla
        jr nc,edge
        ld b,32
pbyte:  ld d,(hl)
        inc hl
        ld e,8
pdot:   in a,(PRINTER)          ; wait for the encoder
        rra
        jr nc,pdot
        xor a
        rl d                    ; next dot into carry ...
        rra                     ; ... and into D7
        out (PRINTER),a         ; burn it (or not)
        dec e
        jr nz,pdot
        djnz pbyte
        dec c
        jr nz,prow
        ret

mask:   defb 0

text:   defb 0
        defm "HELLO FROM Z80 MACHINE CODE     "
        defb 0
        defm "NO ROM ROUTINES: OWN DOT TIMING "
        defb 0xFF
        defm "  INVERSE VIDEO LINE            "
        defb 0
        defm "0123456789 !?+-*/=<>()[]{}#$%&@ "
        defb 1

bitmap: defs 256

        end start
