# On the 128K, COPY in 128 BASIC dumps the screen to the RS232 printer as
# Epson bit-image graphics (each pixel 3 columns wide, each row printed twice).
# retromesh renders the dump onto paper and reads it like a ZX Printer's.
# UDG A is redefined; UDG B keeps its default shape, which is the letter B.
10 CLS: FOR i=0 TO 7: POKE USR "a"+i,BIN 10101010-i: NEXT i
20 PRINT AT 0,0;"128K SCREEN DUMP"
30 PRINT AT 2,4;"via RS232 and ESC L"
40 PRINT AT 4,0;"\a\b \::\.."
50 COPY
