10 REM retromesh up: GET hello/greeting over the mesh, LPRINT it, then serve requests forever
20 CLEAR 57343
30 LOAD "" CODE
40 RANDOMIZE USR 57347: REM open #4 to the bridge
50 PRINT "FETCHING hello/greeting"
60 PRINT #4;"GET hello/greeting"
70 INPUT #4; LINE a$: LPRINT a$: PRINT a$: REM status line, e.g. 200 OK
80 INPUT #4; LINE a$
90 IF a$="." THEN GO TO 130
100 IF a$<>"" THEN IF a$(1)="." THEN LET a$=a$(2 TO )
110 LPRINT a$: PRINT a$
120 GO TO 80
130 PRINT "SERVING /v1/micros/speccy/rpc"
140 PRINT #4;"LISTEN"
150 INPUT #4; LINE a$: IF a$<>"." THEN GO TO 150
160 INPUT #4; LINE a$: IF LEN a$<8 THEN GO TO 160
170 IF a$( TO 8)<>"REQUEST " THEN GO TO 160
180 LET p$=a$(9 TO ): GO SUB 300: GO SUB 300: LPRINT p$
190 INPUT #4; LINE f$: REM FROM caller
200 LET n=0
210 INPUT #4; LINE a$
220 IF a$="." THEN GO TO 260
230 IF a$<>"" THEN IF a$(1)="." THEN LET a$=a$(2 TO )
240 LPRINT a$: LET n=n+1
250 GO TO 210
260 PRINT #4;"REPLY PRINTED ";n
270 INPUT #4; LINE a$: IF a$<>"." THEN GO TO 270
280 GO TO 160
300 REM drop the first word of p$
310 FOR i=1 TO LEN p$
320 IF p$(i)=" " THEN LET p$=p$(i+1 TO ): RETURN
330 NEXT i
340 RETURN
