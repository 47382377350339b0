10 REM retromesh line mode: GET weather/today, LPRINT the answer
20 CLEAR 57343
30 LOAD "" CODE
40 RANDOMIZE USR 57347: REM open #4 to the bridge
50 PRINT #4;"GET weather/today"
60 INPUT #4; LINE a$: LPRINT a$: REM status line, e.g. 200 OK
70 INPUT #4; LINE a$
80 IF a$="." THEN GO TO 120
90 IF a$<>"" THEN IF a$(1)="." THEN LET a$=a$(2 TO )
100 LPRINT a$
110 GO TO 70
120 OUT 57087,0: REM exit port: ends an emulator run, harmless on a real Spectrum
130 STOP
