10 REM Doubles a number until the calculator overflows
20 LET x=1: LET n=0
30 IF n/32=INT (n/32) OR n>125 THEN LPRINT "2^";n;"=";x
40 LET x=x*2: LET n=n+1
50 GO TO 30
