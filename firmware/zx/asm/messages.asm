; Frame-mode messages: op, id, flags, fields. The micro numbers its GET, POST, LISTEN,
; UNLISTEN, TIME and ECHO; RESULT / ECHOED / TIME_IS answer with the same id. REQUESTs are
; numbered by the bridge and REPLY carries that id. flags bit 0 (MORE): a CONT with the same
; id follows; bit 1 (TRUNCATED): the bridge cut the body. Bodies coming in are gathered in
; BODY_BUF (BODY_CAP bytes; the rest is dropped and V_BODY_TRUNC set). Bodies going out that
; do not fit one frame go on in CONT messages.
;
; Calls return carry set on success with BC = status (RESULT) or 0, HL = BODY_BUF and
; DE = body length; carry clear with A = error code.

; new_head: A = op. Starts a message with a new id at TX_PAYLOAD. Out: HL = TX_PAYLOAD+3,
; C = 3.
new_head:
        PUSH AF
        LD HL,V_MSG_ID
        INC (HL)
        LD A,(HL)
        LD (V_CUR_ID),A
        LD (V_MATCH_ID),A
        LD (TX_PAYLOAD+1),A
        POP AF
; head_op: A = op; keeps the id at TX_PAYLOAD+1, clears the flags.
head_op:
        LD (TX_PAYLOAD),A
        XOR A
        LD (TX_PAYLOAD+2),A
        LD HL,TX_PAYLOAD+3
        LD C,3
        RET

; target_head: A = op, DE = target, B = its length. Builds op, id, 0, tlen, target.
; Out: carry set, C = length so far; carry clear, A = ERR_TOOLONG.
target_head:
        PUSH AF
        LD A,(V_MAXPAY)
        SUB 4
        CP B
        JR C,th_long
        POP AF
        PUSH DE
        PUSH BC
        CALL new_head
        POP BC
        POP DE
        LD (HL),B
        INC HL
        EX DE,HL                ; HL = target, DE = where it goes
        LD A,B
        ADD A,4
        PUSH AF
        LD A,B
        OR A
        JR Z,th_copied
        LD C,B
        LD B,0
        LDIR
th_copied:
        POP AF
        LD C,A
        SCF
        RET
th_long:
        POP AF
too_long:
        LD A,ERR_TOOLONG
        OR A
        RET

; send_body: the message head (C bytes) is at TX_PAYLOAD; sends it with as much of the body
; (V_ARG_PTR, V_ARG_LEN) as fits, the rest in CONT messages. Carry set when all is ACKed.
send_body:
        LD A,(V_MAXPAY)
        SUB C
        LD E,A
        LD D,0                  ; DE = room in this frame
        LD HL,(V_ARG_LEN)
        OR A
        SBC HL,DE
        JR NC,sb_split          ; HL = what is left after this frame
        ADD HL,DE
        EX DE,HL                ; all of it fits: DE = length
        LD HL,0
sb_split:
        LD (V_ARG_LEN),HL
        LD A,H
        OR L
        JR Z,sb_copy
        LD A,FLAG_MORE
        LD (TX_PAYLOAD+2),A
sb_copy:
        LD A,C
        ADD A,E
        PUSH AF                 ; payload length
        LD HL,TX_PAYLOAD
        LD B,0
        ADD HL,BC
        EX DE,HL                ; DE = where, HL = how many
        LD B,H
        LD C,L
        LD HL,(V_ARG_PTR)
        LD A,B
        OR C
        JR Z,sb_copied
        LDIR
sb_copied:
        LD (V_ARG_PTR),HL
        POP AF
        LD C,A
        CALL send_payload
        RET NC
        LD HL,(V_ARG_LEN)
        LD A,H
        OR L
        SCF
        RET Z
        LD A,OP_CONT
        CALL head_op
        JR send_body

; do_get: DE = target ("service/path"), A = its length.
do_get:
        LD B,A
        CALL link_ready
        RET NC
        LD A,OP_GET
        CALL target_head
        RET NC
        CALL send_payload
        RET NC
        LD A,OP_RESULT
        JP wait_answer

; do_post: DE = target, A = its length, HL = body, BC = body length.
do_post:
        LD (V_ARG_PTR),HL
        LD (V_ARG_LEN),BC
        LD B,A
        CALL link_ready
        RET NC
        LD A,OP_POST
        CALL target_head
        RET NC
        CALL send_body
        RET NC
        LD A,OP_RESULT
        JP wait_answer

; do_listen / do_unlisten: BC = the RESULT status (200 when listening / stopped).
do_listen:
        LD A,OP_LISTEN
        JR simple_call
do_unlisten:
        LD A,OP_UNLISTEN
simple_call:
        LD B,A
        CALL link_ready
        RET NC
        LD A,B
        CALL new_head
        CALL send_payload
        RET NC
        LD A,OP_RESULT
        JP wait_answer

; do_time: V_UNIX = seconds (big-endian), BODY_BUF = "YYYY-MM-DD HH:MM:SS".
do_time:
        CALL link_ready
        RET NC
        LD A,OP_TIME
        CALL new_head
        CALL send_payload
        RET NC
        LD A,OP_TIME_IS
        JP wait_answer

; do_echo: HL = data, BC = length (one frame: up to max payload - 3). BODY_BUF = the echo.
do_echo:
        LD (V_ARG_PTR),HL
        LD (V_ARG_LEN),BC
        CALL link_ready
        RET NC
        LD A,B
        OR A
        JP NZ,too_long
        LD A,(V_MAXPAY)
        SUB 3
        CP C
        JP C,too_long
        LD A,OP_ECHO
        CALL new_head
        CALL send_body
        RET NC
        LD A,OP_ECHOED
        JP wait_answer

; do_log: A = level (0 error .. 4 trace), HL = text, BC = length (cut to one frame). Not
; answered.
do_log:
        PUSH AF
        LD (V_ARG_PTR),HL
        LD A,(V_MAXPAY)
        SUB 4
        LD E,A
        LD D,0
        LD H,B
        LD L,C
        OR A
        SBC HL,DE
        JR C,dl_fits
        LD B,D
        LD C,E
dl_fits:
        LD (V_ARG_LEN),BC
        CALL link_ready
        JR NC,dl_fail
        LD A,OP_LOG
        CALL new_head
        POP AF
        LD (HL),A
        LD C,4
        JP send_body
dl_fail:
        POP HL
        RET

; do_reply: DE = status, HL = body, BC = length. Answers the last REQUEST (V_REQ_ID).
do_reply:
        LD (V_ARG_PTR),HL
        LD (V_ARG_LEN),BC
        CALL link_ready
        RET NC
        LD A,OP_REPLY
        CALL head_op
        LD A,(V_REQ_ID)
        LD (TX_PAYLOAD+1),A
        LD (HL),D
        INC HL
        LD (HL),E
        LD C,5
        JP send_body

; do_wait_request: DE = ms to wait (0 = until BREAK). Answers SCREEN with the screen memory
; (6912 bytes from 0x4000, in CONTs) and waits on; skips anything else but a REQUEST. Out:
; V_REQ_ID, V_REQ_METHOD, REQ_CALLER / REQ_PATH (length byte + up to 127 bytes), the body
; in BODY_BUF; BC = 0.
do_wait_request:
        CALL link_ready
        RET NC
        LD A,D
        OR E
        LD A,0
        JR NZ,wr_timed
        INC A
        LD DE,1000
wr_timed:
        LD (V_FOREVER),A
wr_next:
        CALL recv_data
        JR C,wr_got
        CP ERR_TIMEOUT
        JR NZ,wr_fail
        LD A,(V_FOREVER)
        OR A
        LD A,ERR_TIMEOUT
        JR Z,wr_fail
        LD DE,1000
        JR wr_next
wr_fail:
        OR A
        RET
wr_got:
        LD (V_WAIT),DE
        LD A,(HL)
        CP OP_SCREEN
        JR Z,wr_screen
        CALL take_request
        LD DE,(V_WAIT)
        JR NC,wr_next
        CALL collect_more
        RET NC
        LD BC,0
        LD HL,BODY_BUF
        LD DE,(V_BODY_LEN)
        SCF
        RET
; The bridge asks for the screen: answer it as a REPLY to the SCREEN's id.
wr_screen:
        INC HL
        LD A,(HL)
        LD (V_REQ_ID),A
        LD DE,200
        LD HL,SCREEN_ADDR
        LD BC,SCREEN_LEN
        CALL do_reply
        RET NC
        LD DE,(V_WAIT)
        JR wr_next

; take_request: HL = payload, C = length. Carry set if it was a well-formed REQUEST (fields
; stored, body started); carry clear otherwise.
take_request:
        LD A,C
        CP 6                    ; op id flags method clen plen
        JR C,tr_no
        LD A,(HL)
        CP OP_REQUEST
        JR NZ,tr_no
        INC HL
        LD A,(HL)
        LD (V_REQ_ID),A
        LD (V_MATCH_ID),A
        INC HL
        LD A,(HL)
        LD (V_FLAGS),A
        INC HL
        LD A,(HL)
        LD (V_REQ_METHOD),A
        INC HL
        LD A,C
        SUB 4
        LD C,A                  ; bytes from clen on
        LD DE,REQ_CALLER
        CALL take_field
        JR NC,tr_no
        LD DE,REQ_PATH
        CALL take_field
        JR NC,tr_no
        PUSH HL
        PUSH BC
        CALL body_reset
        POP BC
        POP HL
        CALL body_append
        SCF
        RET
tr_no:
        OR A
        RET

; take_field: HL = a length-prefixed field, C = bytes left from it on, DE = where to keep it
; (length byte, then up to REQ_FIELD_CAP bytes). Out: carry set, HL past it, C reduced.
take_field:
        LD A,C
        OR A
        RET Z
        DEC C
        LD A,(HL)
        INC HL
        CP C
        JR Z,tf_ok
        JR NC,tr_no             ; longer than the payload
tf_ok:
        LD B,A
        LD A,C
        SUB B
        LD C,A
        LD A,B
        CP REQ_FIELD_CAP+1
        JR C,tf_len
        LD A,REQ_FIELD_CAP
tf_len:
        LD (DE),A
        INC DE
        PUSH BC
        PUSH HL
        OR A
        JR Z,tf_copied
        LD C,A
        LD B,0
        LDIR
tf_copied:
        POP HL
        POP BC
        LD A,B
        ADD A,L
        LD L,A
        JR NC,tf_done
        INC H
tf_done:
        SCF
        RET

; wait_answer: A = the op answering the message V_MATCH_ID. Skips other messages (a REQUEST
; coming in meanwhile is lost: LISTEN only while waiting with do_wait_request).
wait_answer:
        LD (V_WANT_OP),A
        CALL body_reset
wa_next:
        LD DE,(CFG_ANSWER)
        CALL recv_data
        RET NC
        LD A,C
        CP 3
        JR C,wa_next
        LD A,(V_WANT_OP)
        CP (HL)
        JR NZ,wa_next
        INC HL
        LD A,(V_MATCH_ID)
        CP (HL)
        JR NZ,wa_next           ; the answer to an older call
        INC HL
        LD A,(HL)
        LD (V_FLAGS),A
        INC HL
        LD A,C
        SUB 3
        LD C,A
        LD A,(V_WANT_OP)
        CP OP_RESULT
        JR Z,wa_result
        CP OP_TIME_IS
        JR NZ,wa_body
        LD A,C
        CP 4
        JR C,wa_next
        LD DE,V_UNIX
        PUSH BC
        LD BC,4
        LDIR
        POP BC
        LD A,C
        SUB 4
        LD C,A
        JR wa_body
wa_result:
        LD A,C
        CP 2
        JR C,wa_next
        LD A,(HL)
        LD (V_STATUS+1),A       ; big-endian on the wire
        INC HL
        LD A,(HL)
        LD (V_STATUS),A
        INC HL
        DEC C
        DEC C
wa_body:
        CALL body_append
        CALL collect_more
        RET NC
        LD BC,(V_STATUS)
        LD HL,BODY_BUF
        LD DE,(V_BODY_LEN)
        SCF
        RET

; collect_more: while V_FLAGS says MORE, appends the CONT messages for V_MATCH_ID.
collect_more:
        LD A,(V_FLAGS)
        AND FLAG_TRUNCATED
        JR Z,cm_more
        LD (V_BODY_TRUNC),A
cm_more:
        LD A,(V_FLAGS)
        AND FLAG_MORE
        SCF
        RET Z
cm_next:
        LD DE,(CFG_ANSWER)
        CALL recv_data
        RET NC
        LD A,C
        CP 3
        JR C,cm_next
        LD A,(HL)
        CP OP_CONT
        JR NZ,cm_next
        INC HL
        LD A,(V_MATCH_ID)
        CP (HL)
        JR NZ,cm_next
        INC HL
        LD A,(HL)
        LD (V_FLAGS),A
        INC HL
        LD A,C
        SUB 3
        LD C,A
        CALL body_append
        JR collect_more

; body_reset: empties BODY_BUF, clears status and the truncated flag.
body_reset:
        LD HL,0
        LD (V_BODY_LEN),HL
        LD (V_STATUS),HL
        XOR A
        LD (V_BODY_TRUNC),A
        RET

; body_append: HL = bytes, C = how many. Adds what fits to BODY_BUF.
body_append:
        LD B,0
        LD A,C
        OR A
        RET Z
        PUSH HL
        LD HL,BODY_CAP
        LD DE,(V_BODY_LEN)
        OR A
        SBC HL,DE               ; room
        OR A
        SBC HL,BC
        JR NC,ba_fits
        ADD HL,BC
        LD B,H
        LD C,L                  ; only the room
        LD A,1
        LD (V_BODY_TRUNC),A
ba_fits:
        LD HL,BODY_BUF
        ADD HL,DE
        EX DE,HL                ; DE = where, HL = length so far
        ADD HL,BC
        LD (V_BODY_LEN),HL
        POP HL
        LD A,B
        OR C
        RET Z
        LDIR
        RET
