# DEF FN: the ROM keeps six hidden bytes after each parameter.
10 DEF FN a()=1
20 DEF FN b(x)=x*2
30 DEF FN c(x,y)=x+y
40 def fn d$(a$,n)=a$(1 TO n)
50 deffn e(p,q,r)=p*q*r: PRINT FN e(1,2,3)
60 PRINT FN a();FN b(3);FN c(1,2);FN d$("hello",3)
70 IF FN b(2)=4 THEN DEF FN f(z)=z
