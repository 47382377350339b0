; retromesh ZX client library: the top file.
;
;   pasmo --bin --equ DRIVER=1 client.asm zx_if1.bin      (Interface 1, 48K timing)
;   pasmo --bin --equ DRIVER=2 client.asm zx_ay128.bin    (128K AY port A, 128K timing)
;   pasmo --bin --equ DRIVER=3 client.asm zx_next.bin     (Next UART)
;
; Load at 57344 (0E000h) after CLEAR 57343. Entry points are a jump table at fixed addresses;
; every entry returns with interrupts enabled, carry set on success, and BC = 0 / a status on
; success or BC = error code (also in A) on failure, so USR from BASIC sees the result.
; Register use per entry: see README.md.

        INCLUDE "defs.asm"

        ORG LOAD_ADDR

        PUBLIC lib_init, lib_open, lib_get, lib_post, lib_listen, lib_wait_request
        PUBLIC lib_reply, lib_time, lib_echo, lib_log, lib_unlisten, lib_send_data
        PUBLIC lib_recv_data, lib_putbyte, lib_getbyte
        PUBLIC CFG_MACHINE, CFG_STREAM, CFG_SPEED, CFG_TRIES, CFG_HELLO_TRIES, CFG_MAXPAY
        PUBLIC CFG_RTO, CFG_ANSWER, CFG_HELLO_MS, ST_READY, CFG_DRIVER, CFG_VERSION
        PUBLIC BODY_BUF, BODY_CAP, REQ_PATH, REQ_CALLER, INBOX, TX_BUF, RX_BUF
        PUBLIC CRC_HI, CRC_LO, VARS, V_STATUS, V_BODY_LEN, V_BODY_TRUNC, V_REQ_ID
        PUBLIC V_REQ_METHOD, V_UNIX, V_MAXPAY, V_LINK_UP, lib_code_end
        PUBLIC chan_out, chan_in, CODE_LIMIT

; ---- jump table: these addresses never move ----
lib_init:         JP init_entry         ; +0  57344  drv init, CRC table, HELLO   -> BC
lib_open:         JP open_entry         ; +3  57347  install channel, attach #4   -> BC
lib_get:          JP get_entry          ; +6  57350  DE=target A=len               -> BC status
lib_post:         JP post_entry         ; +9  57353  DE=target A=len HL=body BC=len -> BC status
lib_listen:       JP listen_entry       ; +12 57356                                -> BC status
lib_wait_request: JP wait_req_entry     ; +15 57359  DE=ms (0 = until BREAK)       -> BC 0
lib_reply:        JP reply_entry        ; +18 57362  DE=status HL=body BC=len      -> BC 0
lib_time:         JP time_entry         ; +21 57365                                -> BC 0
lib_echo:         JP echo_entry         ; +24 57368  HL=data BC=len                -> BC 0
lib_log:          JP log_entry          ; +27 57371  A=level HL=text BC=len        -> BC 0
lib_unlisten:     JP unlisten_entry     ; +30 57374                                -> BC status
lib_send_data:    JP send_data_entry    ; +33 57377  HL=payload BC=len             -> BC 0
lib_recv_data:    JP recv_data_entry    ; +36 57380  DE=ms -> HL=payload BC=len
lib_putbyte:      JP putbyte_entry      ; +39 57383  A=byte (raw, no framing)
lib_getbyte:      JP getbyte_entry      ; +42 57386  DE=ms -> carry, A=byte

        IF $ != LOAD_ADDR+45
        .ERROR the jump table moved
        ENDIF

; ---- configuration: POKE these before calling init / open ----
CFG_MACHINE:                            ; +45 HELLO machine id: 10h 48K, 11h 128K, 12h Next
        IF DRIVER = DRV_AY128
                DEFB 11h
        ELSE
        IF DRIVER = DRV_NEXT
                DEFB 12h
        ELSE
                DEFB 10h
        ENDIF
        ENDIF
CFG_STREAM:     DEFB 4                  ; +46 stream open attaches (4..15)
CFG_SPEED:      DEFB 0                  ; +47 Next UART speed index (0 = 115200 ... 4 = 9600)
CFG_TRIES:      DEFB 10                 ; +48 sends of one DATA before giving up
CFG_HELLO_TRIES: DEFB 10                ; +49 HELLOs before giving up
CFG_MAXPAY:     DEFB MAX_PAYLOAD        ; +50 largest payload we offer in HELLO (8..250)
CFG_RTO:        DEFW 1500               ; +51 ms to wait for an ACK before sending again
CFG_ANSWER:     DEFW 30000              ; +53 ms to wait for a RESULT / ECHOED / TIME_IS
CFG_HELLO_MS:   DEFW 1000               ; +55 ms to wait for HELLO_REPLY before resending
ST_READY:       DEFB 0                  ; +57 1 once the port is set up
CFG_DRIVER:     DEFB DRIVER             ; +58 which build this is (1 if1, 2 ay128, 3 next)
CFG_VERSION:    DEFB VER_MAJOR, VER_MINOR ; +59

        IF $ != LOAD_ADDR+61
        .ERROR the configuration block moved
        ENDIF

; ---- entry wrappers ----
; Internal routines return carry set on success (BC etc. set) or carry clear with A = error.

init_entry:
        CALL drv_init
        LD A,1
        LD (ST_READY),A
        CALL crc_init
        CALL do_hello
        JR NC,ret_err
        LD BC,0
ret_ok:
        EI
        SCF
        RET

ret_err:
        LD C,A
        LD B,0
        EI
        OR A                    ; carry clear (A is never 0 here)
        RET

open_entry:
        CALL open_chan
        JR NC,ret_err
        LD BC,0
        JR ret_ok

get_entry:
        CALL do_get
        JR NC,ret_err
        JR ret_ok

post_entry:
        CALL do_post
        JR NC,ret_err
        JR ret_ok

listen_entry:
        CALL do_listen
        JR NC,ret_err
        JR ret_ok

unlisten_entry:
        CALL do_unlisten
        JR NC,ret_err
        JR ret_ok

wait_req_entry:
        CALL do_wait_request
        JR NC,ret_err
        JR ret_ok

reply_entry:
        CALL do_reply
        JR NC,ret_err
        LD BC,0
        JR ret_ok

time_entry:
        CALL do_time
        JR NC,ret_err
        JR ret_ok

echo_entry:
        CALL do_echo
        JR NC,ret_err
        JR ret_ok

log_entry:
        CALL do_log
        JR NC,ret_err
        LD BC,0
        JR ret_ok

send_data_entry:
        CALL send_data
        JR NC,ret_err
        LD BC,0
        JR ret_ok

recv_data_entry:
        CALL link_ready
        JR NC,ret_err
        CALL recv_data
        JR NC,ret_err
        JR ret_ok

putbyte_entry:
        CALL drv_init_once
        CALL drv_putbyte
        EI
        RET

getbyte_entry:
        CALL drv_init_once
        CALL drv_getbyte
        EI
        RET

; drv_init_once: sets the port up unless init or open already did.
drv_init_once:
        LD A,(ST_READY)
        OR A
        RET NZ
        INC A
        LD (ST_READY),A
        JP drv_init

; break_check: carry set if CAPS SHIFT and SPACE are both held. Keeps BC, DE, HL.
break_check:
        LD A,7Fh
        IN A,(0FEh)             ; SPACE is bit 0 of half-row 7FFEh
        RRA
        CCF
        RET NC
        LD A,0FEh
        IN A,(0FEh)             ; CAPS SHIFT is bit 0 of half-row FEFEh
        RRA
        CCF
        RET

        INCLUDE "driver_if1.asm"
        INCLUDE "driver_ay128.asm"
        INCLUDE "driver_next.asm"
        INCLUDE "crc16.asm"
        INCLUDE "slip.asm"
        INCLUDE "frame.asm"
        INCLUDE "hello.asm"
        INCLUDE "messages.asm"
        INCLUDE "channel.asm"

lib_code_end:

        IF $ > CODE_LIMIT
        .ERROR the library code runs into the buffers at 0F500h
        ENDIF
