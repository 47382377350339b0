# A small but complete game loop.
1 REM catch the falling star
10 BORDER 0: PAPER 0: INK 7: CLS
20 LET score=0: LET px=15: LET sx=INT (RND*32): LET sy=0
30 PRINT AT 0,0;"SCORE ";score
40 PRINT AT sy,sx;" ": LET sy=sy+1
50 IF sy>20 THEN LET sy=0: LET sx=INT (RND*32)
60 PRINT AT sy,sx; INK 6;"*"
70 LET k$=INKEY$
80 IF k$="o" AND px>0 THEN LET px=px-1
90 IF k$="p" AND px<31 THEN LET px=px+1
100 PRINT AT 21,0;"                                ";AT 21,px; INK 4;"\a"
110 IF sy=21 AND sx=px THEN LET score=score+10: BEEP .05,20
120 PAUSE 2: GO TO 30
9999 STOP
