10 REM Mostly the ROM font, a few words in a bold font: exact matching
20 REM reads the ROM-font cells, OCR only the bold ones
30 CLEAR 63743: REM code at 63744, bold font from 64000 (CHARS+256)
40 FOR i=0 TO 21: READ b: POKE 63744+i,b: NEXT i
50 RANDOMIZE USR 63744
60 LPRINT "INVOICE 1982/07"
70 LPRINT "STATUS: ";: GO SUB 500: LPRINT "PAID";: GO SUB 600: LPRINT " IN FULL"
80 LPRINT "TOTAL  #42.50"
90 LPRINT "NOTE: ";: GO SUB 500: LPRINT "THANKS";: GO SUB 600: LPRINT "!"
100 STOP
500 POKE 23606,0: POKE 23607,249: RETURN: REM bold font
600 POKE 23606,0: POKE 23607,60: RETURN: REM ROM font
700 REM ld hl,15616: ld de,64000: ld bc,768
710 DATA 33,0,61,17,0,250,1,0,3
720 REM loop: ld a,(hl): srl a: or (hl): ld (de),a: inc hl: inc de
730 DATA 126,203,63,182,18,35,19
740 REM dec bc: ld a,b: or c: jr nz,loop: ret
750 DATA 11,120,177,32,244,201
