; Frame-mode demo: GET weather/today through the library and print the answer on the ZX
; Printer: a "STATUS nnn" line, then the body. Exit code 0 (OUT 0DEFFh) on success,
; 100 + error code on failure.
;
;   pasmo --bin --equ DRIVER=1 -I ../asm fetch_frames.asm fetch_if1.bin
;
; Load the binary at 57344 like the library and call demo_start (see the symbol table).

        INCLUDE "client.asm"
        INCLUDE "print.asm"

        PUBLIC demo_start

demo_start:
        CALL lib_init
        JP NC,demo_fail
        LD A,3
        CALL ROM_CHAN_OPEN      ; stream 3: the printer
        LD DE,target
        LD A,target_end-target
        CALL lib_get
        JP NC,demo_fail
        PUSH DE
        PUSH BC
        LD HL,msg_status
        CALL print_str
        POP BC
        CALL print_dec
        CALL print_cr
        POP DE
        LD HL,BODY_BUF
        CALL print_text
        XOR A
        JP demo_exit

target:         DEFM "weather/today"
target_end:
msg_status:     DEFM "STATUS "
                DEFB 0

demo_end:
        IF $ > CODE_LIMIT
        .ERROR the demo runs into the library's buffers
        ENDIF
