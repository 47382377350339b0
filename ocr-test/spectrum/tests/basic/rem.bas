# REM stops tokenising: keywords, numbers and spaces after it stay as typed.
10 REM PRINT GO TO 10: LET x=1e10
20 rem   lots   of   spaces
30 PRINT 1: REM then print 2
40 Rem "unbalanced quote
50 REM escapes still work: \a \:: \* \{65}
60 REMARKABLE: PRINT 5
70 REM
80 PRINT "REM inside a string": REM real one 12.5
