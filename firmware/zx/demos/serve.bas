10 REM retromesh line mode: serve m requests, LPRINT each, REPLY PRINTED n
20 CLEAR 57343
30 LOAD "" CODE
40 RANDOMIZE USR 57347: REM open #4 to the bridge
50 LET m=1: LET r=0
60 PRINT #4;"LISTEN"
70 INPUT #4; LINE a$: IF a$<>"." THEN GO TO 70
80 INPUT #4; LINE a$: IF LEN a$<8 THEN GO TO 80
90 IF a$( TO 8)<>"REQUEST " THEN GO TO 80
100 LET p$=a$(9 TO ): GO SUB 300: GO SUB 300: LPRINT p$: REM the path
110 INPUT #4; LINE a$: REM FROM caller
120 LET n=0
130 INPUT #4; LINE a$
140 IF a$="." THEN GO TO 180
150 IF a$<>"" THEN IF a$(1)="." THEN LET a$=a$(2 TO )
160 LPRINT a$: LET n=n+1
170 GO TO 130
180 PRINT #4;"REPLY PRINTED ";n
190 INPUT #4; LINE a$: IF a$<>"." THEN GO TO 190
200 LET r=r+1: IF r<m THEN GO TO 80
210 PRINT #4;"UNLISTEN"
220 INPUT #4; LINE a$: IF a$<>"." THEN GO TO 220
230 OUT 57087,0: REM exit port: ends an emulator run, harmless on a real Spectrum
240 STOP
300 REM drop the first word of p$
310 FOR i=1 TO LEN p$
320 IF p$(i)=" " THEN LET p$=p$(i+1 TO ): RETURN
330 NEXT i
340 RETURN
