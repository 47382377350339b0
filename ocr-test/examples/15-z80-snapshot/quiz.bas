10 REM Set up, then wait at INPUT: snapshot.z80 is this machine, saved there
20 DIM s$(3,6): LET s$(1)="RED": LET s$(2)="GREEN": LET s$(3)="BLUE"
30 LET started=PI
40 INPUT "Colour 1-3? ";c
50 LPRINT "RESUMED FROM A SNAPSHOT"
60 LPRINT "COLOUR ";c;" IS ";s$(c)
70 LPRINT "STARTED=";started
