# A 128K switched to 48 BASIC from its start-up menu behaves like a 48K with
# 128K of RAM: LPRINT and COPY drive the ZX Printer, not the RS232 socket.
10 LPRINT "48 BASIC ON A 128K"
20 CLS: PRINT AT 0,0;"screen line for COPY"
30 COPY
