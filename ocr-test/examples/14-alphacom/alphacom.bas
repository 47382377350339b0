10 REM The Alphacom 32 thermal printer answers the ZX Printer's port 251
20 REM (it also needs address line A7 high, which 251 = 0xFB has)
30 LPRINT "ALPHACOM 32 THERMAL PRINTER"
40 LPRINT "Same port, same ROM routines."
50 LET t=0: FOR i=1 TO 10: LET t=t+i: NEXT i
60 LPRINT "SUM 1..10 = ";t
70 CLS: PRINT "COPY WORKS TOO": PRINT "\::\::\::\::"
80 LPRINT: COPY
