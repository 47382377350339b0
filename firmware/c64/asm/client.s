; retromesh C64 client library: jump table, configuration block, entry wrappers, and the
; pieces (one concern per file). Assemble one build per driver:
;   ca65 -D DRIVER=4 -o client.o client.s && ld65 -C c64-client.cfg -o client.prg client.o

.include "defs.s"
.macpack longbranch              ; jcc, jcs, jeq, jne: branches that reach far

.segment "LOADADDR"
        .word LOAD_ADDR

.segment "CODE"
; ---- jump table at $C000 (fixed): SYS 49152 + 3n ----
        jmp e_init              ; +0  49152
        jmp e_open              ; +3  49155  line mode: hook the KERNAL vectors
        jmp e_get               ; +6  49158
        jmp e_post              ; +9  49161
        jmp e_listen            ; +12 49164
        jmp e_wait_request      ; +15 49167
        jmp e_reply             ; +18 49170
        jmp e_time              ; +21 49173
        jmp e_echo              ; +24 49176
        jmp e_log               ; +27 49179
        jmp e_unlisten          ; +30 49182
        jmp e_send_data         ; +33 49185
        jmp e_recv_data         ; +36 49188
        jmp e_putbyte           ; +39 49191
        jmp e_getbyte           ; +42 49194
        jmp e_close             ; +45 49197  line mode: unhook

; ---- configuration block at $C030 (fixed; POKE before init) ----
CFG_MACHINE:    .byte MACHINE_C64       ; $C030 HELLO machine id
CFG_DEVICE:     .byte 7                 ; $C031 line-mode device number
CFG_TRIES:      .byte 10                ; $C032 sends of a DATA frame
CFG_HELLO_TRIES: .byte 10               ; $C033 HELLOs
CFG_MAXPAY:     .byte MAX_PAYLOAD       ; $C034 max payload offered
CFG_RTO:        .word 1500              ; $C035 ACK timeout, ms
CFG_ANSWER:     .word 30000             ; $C037 answer timeout, ms
CFG_HELLO_MS:   .word 1000              ; $C039 HELLO timeout, ms
CFG_DRIVER:     .byte DRIVER            ; $C03B build: 1 kernal, 2 up9600, 3 swiftlink, 4 parallel
CFG_VERSION:    .byte VER_MAJOR, VER_MINOR ; $C03C
.if DRIVER = DRV_KERNAL
CFG_SPEED:      .byte $08, $00          ; $C03E RS-232 control (1200 8N1), command (3-line)
.elseif DRIVER = DRV_UP9600
CFG_SPEED:      .byte 50, 0             ; $C03E CIA1 timer A, the send clock (9600 bit/s)
.elseif DRIVER = DRV_SWIFTLINK
CFG_SPEED:      .byte $1F, 0            ; $C03E ACIA control (rate 15, 8N1)
.else
CFG_SPEED:      .byte 0, 0              ; $C03E unused
.endif

; ---- entries: interrupts off while we work; the caller's I flag comes back ----
enter:  pha
        php
        pla
        sta V_SAVED_P
        pla
        sei
        cld
        rts

; leave: carry clear = ok (A, X, Y as the call left them); carry set = A is the error.
leave:  bcc @ok
        cmp #ERR_TIMEOUT
        beq @port
        cmp #ERR_NOACK
        bne @err
@port:  ldx V_PORT_FAIL
        beq @err
        lda #ERR_PORT           ; it was the port, not the bridge
@err:   sta V_ERR
        jsr restore_i
        sec
        rts
@ok:    pha
        lda #0
        sta V_ERR
        pla
        jsr restore_i
        clc
        rts

restore_i:
        pha
        lda V_SAVED_P
        and #$04
        bne @off
        pla
        cli
        rts
@off:   pla
        rts

port_ready:
        lda V_PORT_READY
        bne @ok
        jsr drv_init
@ok:    rts

e_init: jsr enter
        lda #2
        sta V_LOG_LEVEL
        jsr drv_init
        jsr crc_init
        jsr do_hello
        bcs @out
        jsr ok_zero
@out:   jmp leave

e_open: jsr enter
        jsr port_ready
        jsr hook_vectors
        jsr ok_zero
        jmp leave

e_close:
        jsr enter
        jsr drv_flush
        jsr drv_close           ; the driver gives back what it hooked (interrupts, vectors)
        jsr unhook_vectors
        jsr ok_zero
        jmp leave

e_get:  jsr enter
        jsr do_get
        jmp leave
e_post: jsr enter
        jsr do_post
        jmp leave
e_listen:
        jsr enter
        jsr do_listen
        jmp leave
e_unlisten:
        jsr enter
        jsr do_unlisten
        jmp leave
e_wait_request:
        jsr enter
        jsr do_wait_request
        jmp leave
e_reply:
        jsr enter
        jsr do_reply
        jmp leave
e_time: jsr enter
        jsr do_time
        jmp leave
e_echo: jsr enter
        jsr do_echo
        jmp leave
e_log:  jsr enter
        jsr do_log
        jmp leave

; send_data: X/Y = payload, A = length (up to the agreed max payload).
e_send_data:
        jsr enter
        stx ZP_PTR2
        sty ZP_PTR2+1
        sta V_N
        jsr link_ready
        bcs @out
        lda V_MAXPAY
        cmp V_N
        bcs @fits
        lda #ERR_TOOLONG
        sec
        bcs @out
@fits:  ldy #0
@copy:  cpy V_N
        beq @send
        lda (ZP_PTR2),y
        sta TX_PAYLOAD,y
        iny
        bne @copy
@send:  ldx V_N
        jsr send_payload
        bcs @out
        jsr ok_zero
@out:   jmp leave

; recv_data: X/Y = ms to wait. Out: X = length, payload at INBOX.
e_recv_data:
        jsr enter
        stx V_WAIT
        sty V_WAIT+1
        jsr recv_data
        bcs @out
        ldy #0
        lda #0
@out:   jmp leave

; putbyte: A = byte, raw on the line.
e_putbyte:
        jsr enter
        pha
        jsr port_ready
        pla
        jsr drv_put
        jsr drv_flush
        jsr ok_zero
        jmp leave

; getbyte: X/Y = ms to wait (0 = a short poll). Out: A = byte.
e_getbyte:
        jsr enter
        stx V_WAIT
        sty V_WAIT+1
        jsr port_ready
        jsr wait_byte
        jmp leave

.include "crc16.s"
.include "slip.s"
.include "frame.s"
.include "hello.s"
.include "messages.s"
.include "requests.s"
.include "answers.s"
.include "channel.s"
.if DRIVER = DRV_KERNAL
.include "driver_kernal.s"
.elseif DRIVER = DRV_UP9600
.include "driver_up9600.s"
.elseif DRIVER = DRV_SWIFTLINK
.include "driver_swiftlink.s"
.elseif DRIVER = DRV_PARALLEL
.include "driver_parallel.s"
.else
.error "DRIVER must be 1 (kernal), 2 (up9600), 3 (swiftlink) or 4 (parallel)"
.endif

code_end:
.assert code_end <= CODE_END, error, "the library no longer fits $C000-$CFFF"
