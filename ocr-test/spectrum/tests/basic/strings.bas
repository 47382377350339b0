# Strings keep their spaces and are never tokenised or given hidden numbers.
10 PRINT "GO TO 10 then print 1e10 rem"
20 PRINT "a ""quoted"" word";"   three spaces   "
30 LET a$="pound `100 and \* 2024"
40 PRINT "back\\slash and \@at"
50 PRINT "\{16}\{2}red\{16}\{0}";"\{0x11}\{6}\{0X12}\{1}"
60 PRINT "";"":PRINT """"
70 PRINT "chr$ 65 is ";CHR$ 65;" and code";CODE "x"
