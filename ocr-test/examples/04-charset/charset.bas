10 REM Every printable character: CHR$ 32 to CHR$ 127
20 FOR r=0 TO 2
30 FOR c=32+r*32 TO 63+r*32
40 LPRINT CHR$ c;
50 NEXT c
60 NEXT r
70 LPRINT "lower case: the quick brown fox"
80 LPRINT "!""#$%&'()*+,-./:;<=>?@[\\]^_{|}~"
90 LPRINT "Pounds: `100 or £5, \* 1982"
