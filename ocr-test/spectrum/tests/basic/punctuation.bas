# Separators, brackets, operators; comment lines and blank lines are dropped.

10 PRINT "a";"b","c"'"d"''
# a comment between lines
20 PRINT (1+2)*(3-4)/5^6;a$(2 TO 3);a$( TO 2);a$(3 TO )

30 LET x=(a<>b)+(a<=b)+(a>=b)+(a<b)+(a>b)+(a=b)
40 PRINT AT 21,31;"!": PRINT TAB 31;"?";: PRINT ,,
50 IF x THEN PRINT "yes": PRINT "also": GO TO 10
60 PRINT 'TAB 3;"%&'()*+,-./:;<=>?@[]^_{|}~"
70 DIM b$(10,20): LET b$(1)="x"
