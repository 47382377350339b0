# Keywords in any case; goto/gosub/deffn/randomise spellings.
10 print "hello": goto 30
20 Go Sub 100: gO tO 40
30 gosub 100
40 randomise: randomize 5: let score=0
50 for n=1 to 5 step 1: print n;: next n
60 if inkey$="" then go to 60
70 border 0: paper 0: ink 7: cls
100 return
