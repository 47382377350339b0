# PRINT and friends with # streams.
10 PRINT #0;"lower": PRINT #1;"also lower"
20 PRINT #2;"upper";#3;"printer"
30 LIST #3: LLIST
40 INPUT #1;"name? ";n$
50 OPEN #4,"p": PRINT #4;"x": CLOSE #4
60 open#5,"k": close#5: OPEN #  6,"s": CLOSE # 6
70 PRINT #4;AT 0,0;"here"
