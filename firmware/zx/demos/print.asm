; Printing helpers for the frame-mode demos: through the 48K ROM (RST 10h prints A on the
; current stream; the demos open stream 3, the ZX Printer, with CHAN-OPEN first).

ROM_CHAN_OPEN   EQU 1601h
EXIT_PORT       EQU 0DEFFh      ; the emulator ends the run with the byte written here

; print_a: prints A. Keeps BC, DE, HL.
print_a:
        PUSH HL
        PUSH DE
        PUSH BC
        RST 10h
        POP BC
        POP DE
        POP HL
        RET

print_cr:
        LD A,0Dh
        JR print_a

; print_str: HL = zero-terminated text.
print_str:
        LD A,(HL)
        OR A
        RET Z
        CALL print_a
        INC HL
        JR print_str

; print_field: HL = length byte followed by that many characters.
print_field:
        LD B,(HL)
        INC HL
        LD A,B
        OR A
        RET Z
pf_loop:
        LD A,(HL)
        CALL print_a
        INC HL
        DJNZ pf_loop
        RET

; print_dec: prints BC in decimal.
print_dec:
        LD H,B
        LD L,C
        LD E,0                  ; 1 once a digit is out: no leading zeros
        LD BC,0-10000
        CALL pd_digit
        LD BC,0-1000
        CALL pd_digit
        LD BC,0-100
        CALL pd_digit
        LD BC,0-10
        CALL pd_digit
        LD A,L
        ADD A,'0'
        JR print_a
pd_digit:
        LD A,'0'-1
pd_loop:
        INC A
        ADD HL,BC
        JR C,pd_loop
        SBC HL,BC               ; carry is clear: undoes the last step
        LD D,A
        CP '0'
        JR NZ,pd_show
        LD A,E
        OR A
        RET Z
pd_show:
        LD E,1
        LD A,D
        JR print_a

; print_text: HL = text, DE = length. CR, LF or CR LF start a new line; other controls,
; tokens and graphics are skipped. Out: C = lines printed.
print_text:
        LD C,0
        LD B,0                  ; 1 = the line has text, 2 = the last byte was CR
pt_loop:
        LD A,D
        OR E
        JR Z,pt_end
        LD A,(HL)
        INC HL
        DEC DE
        CP 0Ah
        JR Z,pt_lf
        CP 0Dh
        JR Z,pt_cr
        CP 20h
        JR C,pt_loop
        CP 80h
        JR NC,pt_loop
        LD B,1
        CALL print_a
        JR pt_loop
pt_cr:
        CALL pt_newline
        LD B,2
        JR pt_loop
pt_lf:
        LD A,B
        CP 2
        LD B,0
        JR Z,pt_loop            ; CR LF: one new line
        CALL pt_newline
        JR pt_loop
pt_end:
        LD A,B
        CP 1
        RET NZ
pt_newline:
        INC C
        JP print_cr

; demo_exit: A = exit code: written to EXIT_PORT (ends an emulator run), then back to BASIC
; with BC = the code.
demo_exit:
        LD BC,EXIT_PORT
        OUT (C),A
        LD C,A
        LD B,0
        EI
        RET

; demo_fail: A = library error code: exit code 100 + code.
demo_fail:
        ADD A,100
        JR demo_exit
