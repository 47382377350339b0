# UDG and block graphic escapes, in strings, REMs and bare.
10 PRINT "\a\b\c\d\e\f\g\h\i\j\k\l\m\n\o\p\q\r\s\t\u"
20 PRINT "\A\B\C\D\E\F\G\H\I\J\K\L\M\N\O\P\Q\R\S\T\U"
30 PRINT "\  \ '\' \''\ .\ :\'.\':\. \.'\: \:'\..\.:\:.\::"
40 PRINT AT 0,0;"\::\::";AT 1,0;"\..\''"
50 REM \a\::\ '
60 PRINT "\*\\\@"
