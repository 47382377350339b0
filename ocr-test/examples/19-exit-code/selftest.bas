10 REM A self-test that reports how many checks failed as its exit code
20 REM by writing it to the debug port 57087 (0xDEFF)
30 LET f=0
40 LPRINT "SELF TEST"
50 RESTORE 200: FOR i=1 TO 5: READ a,b,want
60 LET got=a*b: LPRINT a;"*";b;"=";got;
70 IF got=want THEN LPRINT " OK": GO TO 90
80 LPRINT " WANT ";want: LET f=f+1
90 NEXT i
100 LPRINT f;" FAILED"
110 OUT 57087,f
120 LPRINT "NOT REACHED"
200 DATA 2,3,6, 7,8,54, 12,12,140, 9,9,81, 0.5,0.5,2.5
