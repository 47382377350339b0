10 REM Prints a report, then END, then loops forever like a game would
20 LPRINT "SCORE TABLE"
30 FOR i=1 TO 3: LPRINT i;". PLAYER ";CHR$ (64+i);TAB 16;1000-i*100: NEXT i
40 LPRINT "END"
50 BORDER RND*7
60 GO TO 50
