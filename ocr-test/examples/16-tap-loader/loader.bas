10 REM Loader: loads the next program on the tape, which runs itself
20 BORDER 0: PAPER 0: INK 7: CLS
30 PRINT AT 10,8;"LOADING MAIN..."
40 POKE 23728,42: REM a mark for main: 23728 is an unused system variable
50 LOAD ""
