; Frame-mode messages: op, id, flags, fields. The micro numbers GET, POST, LISTEN, UNLISTEN,
; TIME and ECHO; RESULT / ECHOED / TIME_IS answer with the same id. REQUESTs are numbered by
; the bridge and REPLY carries that id. flags bit 0 (MORE): a CONT with the same id follows;
; bit 1 (TRUNCATED): the bridge cut the body. Bodies coming in are gathered in BODY_BUF
; (BODY_CAP bytes; the rest is dropped and V_BODY_TRUNC set). Bodies going out that do not fit
; one frame go on in CONT messages.
; Calls return carry clear with X/Y = status (RESULT; else 0) and the body in BODY_BUF
; (V_BODY_LEN bytes); carry set with A = error code.

; new_head: A = op. Starts a message with a new id at TX_PAYLOAD. Out: X = 3.
new_head:
        inc V_MSG_ID
        ldx V_MSG_ID
        stx V_CUR_ID
        stx V_MATCH_ID
        stx TX_PAYLOAD+1
; head_op: A = op; keeps the id, clears the flags. Out: X = 3 (bytes so far).
head_op:
        sta TX_PAYLOAD
        lda #0
        sta TX_PAYLOAD+2
        ldx #3
        rts

; target_head: A = op; target at V_TGT_PTR, V_TGT_LEN bytes. Builds op, id, 0, tlen, target.
; Carry clear: X = length so far. Carry set: A = ERR_TOOLONG.
target_head:
        pha
        lda V_MAXPAY
        sec
        sbc #4
        cmp V_TGT_LEN
        bcc @long
        pla
        jsr new_head
        lda V_TGT_LEN
        sta TX_PAYLOAD+3
        lda V_TGT_PTR
        sta ZP_PTR
        lda V_TGT_PTR+1
        sta ZP_PTR+1
        ldy #0
@copy:  cpy V_TGT_LEN
        beq @done
        lda (ZP_PTR),y
        sta TX_PAYLOAD+4,y
        iny
        bne @copy
@done:  tya
        clc
        adc #4
        tax
        clc
        rts
@long:  pla
too_long:
        lda #ERR_TOOLONG
        sec
        rts

; send_body: the message head (X bytes) is at TX_PAYLOAD; sends it with as much of the body
; (V_ARG_PTR, V_ARG_LEN) as fits, the rest in CONT messages. Carry clear when all is ACKed.
send_body:
        stx V_HEAD_N
        lda V_MAXPAY
        sec
        sbc V_HEAD_N
        sta V_ROOM
        lda V_ARG_LEN+1
        bne @split
        lda V_ARG_LEN
        cmp V_ROOM
        bcc @all
        beq @all
@split: lda V_ROOM
        sta V_N
        lda #FLAG_MORE
        sta TX_PAYLOAD+2
        bne @sub
@all:   lda V_ARG_LEN
        sta V_N
@sub:   lda V_ARG_LEN
        sec
        sbc V_N
        sta V_ARG_LEN
        bcs @copy
        dec V_ARG_LEN+1
@copy:  lda V_ARG_PTR
        sta ZP_PTR2
        lda V_ARG_PTR+1
        sta ZP_PTR2+1
        ldx V_HEAD_N
        ldy #0
@cp:    cpy V_N
        beq @copied
        lda (ZP_PTR2),y
        sta TX_PAYLOAD,x
        inx
        iny
        bne @cp
@copied:
        tya
        clc
        adc V_ARG_PTR
        sta V_ARG_PTR
        bcc @send
        inc V_ARG_PTR+1
@send:  jsr send_payload        ; X = head + copied
        bcs @ret
        lda V_ARG_LEN
        ora V_ARG_LEN+1
        beq @ok
        lda #OP_CONT
        jsr head_op
        jmp send_body
@ok:    clc
@ret:   rts

; do_get: X/Y = target ("service/path"), A = its length.
do_get:
        jsr set_target
        jsr link_ready
        bcs ret_err
        lda #OP_GET
        jsr target_head
        bcs ret_err
        jsr send_payload
        bcs ret_err
        lda #OP_RESULT
        jmp wait_answer
ret_err:
        rts

set_target:
        stx V_TGT_PTR
        sty V_TGT_PTR+1
        sta V_TGT_LEN
        rts

; do_post: X/Y = target, A = its length; body at V_ARG_PTR, V_ARG_LEN bytes.
do_post:
        jsr set_target
        jsr link_ready
        bcs ret_err
        lda #OP_POST
        jsr target_head
        bcs ret_err
        jsr send_body
        bcs ret_err
        lda #OP_RESULT
        jmp wait_answer

; do_listen / do_unlisten: X/Y = the RESULT status (200).
do_listen:
        lda #OP_LISTEN
        bne simple_call
do_unlisten:
        lda #OP_UNLISTEN
        bne simple_call
; do_time: V_UNIX = seconds (big-endian), BODY_BUF = "YYYY-MM-DD HH:MM:SS".
do_time:
        lda #OP_TIME
simple_call:
        sta V_WANT_OP
        jsr link_ready
        bcs ret_err
        lda V_WANT_OP
        jsr new_head
        jsr send_payload
        bcs ret_err
        lda V_WANT_OP
        cmp #OP_TIME
        bne @result
        lda #OP_TIME_IS
        jmp wait_answer
@result:
        lda #OP_RESULT
        jmp wait_answer

; do_echo: X/Y = data, A = length (up to max payload - 3). BODY_BUF = the echo.
do_echo:
        stx V_ARG_PTR
        sty V_ARG_PTR+1
        sta V_ARG_LEN
        ldx #0
        stx V_ARG_LEN+1
        jsr link_ready
        bcs ret_err
        lda V_MAXPAY
        sec
        sbc #3
        cmp V_ARG_LEN
        jcc too_long
        lda #OP_ECHO
        jsr new_head
        jsr send_body
        bcs ret_err
        lda #OP_ECHOED
        jmp wait_answer

; do_log: X/Y = text, A = length (cut to one frame); level in V_LOG_LEVEL. Not answered.
do_log:
        stx V_ARG_PTR
        sty V_ARG_PTR+1
        sta V_ARG_LEN
        lda #0
        sta V_ARG_LEN+1
        jsr link_ready
        jcs ret_err
        lda V_MAXPAY
        sec
        sbc #4
        cmp V_ARG_LEN
        bcs @fits
        sta V_ARG_LEN
@fits:  lda #OP_LOG
        jsr new_head
        lda V_LOG_LEVEL
        sta TX_PAYLOAD+3
        ldx #4
        jsr send_body
        jcs ret_err
        jmp ok_zero

; do_reply: X/Y = status; body at V_ARG_PTR, V_ARG_LEN. Answers the last REQUEST.
do_reply:
        stx V_STATUS
        sty V_STATUS+1
        jsr link_ready
        jcs ret_err
        lda #OP_REPLY
        jsr head_op
        lda V_REQ_ID
        sta TX_PAYLOAD+1
        lda V_STATUS+1
        sta TX_PAYLOAD+3
        lda V_STATUS
        sta TX_PAYLOAD+4
        ldx #5
        jsr send_body
        jcs ret_err
ok_zero:
        ldx #0
        ldy #0
        lda #0
        clc
        rts
