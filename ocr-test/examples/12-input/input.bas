10 REM INPUT a name and a number, then print a receipt
20 INPUT "Your name? ";n$
30 INPUT "Age in years? ";a
40 INPUT "Items, price? ";q,p
50 LPRINT "NAME: ";n$
60 LPRINT "AGE: ";a;" (";a*12;" MONTHS)"
70 LPRINT q;" AT ";p;" = ";q*p
80 IF a>=18 THEN LPRINT "WELCOME, ";n$;"!"
