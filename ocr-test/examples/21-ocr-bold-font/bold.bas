10 REM A bold font: copy the ROM font to RAM, OR each byte with itself
20 REM shifted right one dot, and point CHARS at the copy
30 CLEAR 63743: REM code at 63744, font from 64000 (CHARS+256)
40 FOR i=0 TO 21: READ b: POKE 63744+i,b: NEXT i
50 RANDOMIZE USR 63744
60 POKE 23606,0: POKE 23607,249: REM CHARS = 63744 = 64000-256
70 LPRINT "THE QUICK BROWN FOX"
80 LPRINT "JUMPS OVER THE LAZY DOG"
90 LPRINT "PRINTED IN BOLD 1982"
100 POKE 23606,0: POKE 23607,60: REM back to the ROM font
200 REM ld hl,15616: ld de,64000: ld bc,768
210 DATA 33,0,61,17,0,250,1,0,3
220 REM loop: ld a,(hl): srl a: or (hl): ld (de),a: inc hl: inc de
230 DATA 126,203,63,182,18,35,19
240 REM dec bc: ld a,b: or c: jr nz,loop: ret
250 DATA 11,120,177,32,244,201
