10 REM line mode: a command the bridge does not know, and a service it does not have
20 CLEAR 57343
30 LOAD "" CODE
40 RANDOMIZE USR 57347
50 PRINT #4;"FETCH weather/today"
60 INPUT #4; LINE a$: LPRINT a$
70 INPUT #4; LINE a$: IF a$<>"." THEN GO TO 70
80 PRINT #4;"GET nosuch/page"
90 INPUT #4; LINE a$: LPRINT a$
100 INPUT #4; LINE a$: IF a$<>"." THEN LPRINT a$: GO TO 100
110 OUT 57087,0
