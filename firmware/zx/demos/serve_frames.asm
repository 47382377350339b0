; Frame-mode demo: LISTEN, then for each REQUEST print its path and body on the ZX Printer
; and REPLY 200 "PRINTED n" (n = lines printed). After REQUESTS requests (default 1;
; pasmo --equ REQUESTS=n) it sends UNLISTEN and exits with code 0 (OUT 0DEFFh); 100 + error
; code on failure.

        INCLUDE "client.asm"
        INCLUDE "print.asm"

        PUBLIC demo_start

        IF DEFINED REQUESTS
SERVE_COUNT     EQU REQUESTS
        ELSE
SERVE_COUNT     EQU 1
        ENDIF

demo_start:
        CALL lib_init
        JP NC,demo_fail
        LD A,3
        CALL ROM_CHAN_OPEN      ; stream 3: the printer
        CALL lib_listen
        JP NC,demo_fail
        LD A,SERVE_COUNT
        LD (sv_left),A
sv_loop:
        LD DE,0                 ; wait until a request comes (BREAK gives up)
        CALL lib_wait_request
        JP NC,demo_fail
        LD HL,REQ_PATH
        CALL print_field
        CALL print_cr
        LD HL,BODY_BUF
        LD DE,(V_BODY_LEN)
        CALL print_text
        LD A,C
        CALL make_reply
        LD HL,reply_buf
        LD DE,200
        CALL lib_reply
        JP NC,demo_fail
        LD HL,sv_left
        DEC (HL)
        JR NZ,sv_loop
        CALL lib_unlisten
        JP NC,demo_fail
        XOR A
        JP demo_exit

; make_reply: A = count. Writes "PRINTED <count>" to reply_buf; BC = its length.
make_reply:
        PUSH AF
        LD HL,reply_word
        LD DE,reply_buf
        LD BC,reply_word_end-reply_word
        LDIR
        POP AF
        LD H,0                  ; 1 once a digit is out
        LD C,100
        CALL mr_digit
        LD C,10
        CALL mr_digit
        ADD A,'0'
        LD (DE),A
        INC DE
        EX DE,HL
        LD DE,reply_buf
        OR A
        SBC HL,DE
        LD B,H
        LD C,L
        RET
mr_digit:
        LD B,'0'-1
mr_loop:
        INC B
        SUB C
        JR NC,mr_loop
        ADD A,C
        LD L,A
        LD A,B
        CP '0'
        JR NZ,mr_put
        LD A,H
        OR A
        JR Z,mr_skip
mr_put:
        LD A,B
        LD (DE),A
        INC DE
        LD H,1
mr_skip:
        LD A,L
        RET

sv_left:        DEFB 0
reply_word:     DEFM "PRINTED "
reply_word_end:
reply_buf:      DEFS 12

demo_end:
        IF $ > CODE_LIMIT
        .ERROR the demo runs into the library's buffers
        ENDIF
