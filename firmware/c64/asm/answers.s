; Answers: wait for the message answering the call just sent (RESULT, ECHOED, TIME_IS with
; the same id), gather CONTs into BODY_BUF (cut at BODY_CAP, flagged).

; wait_answer: A = the op answering message V_MATCH_ID. Skips other messages (a REQUEST
; coming in meanwhile is lost: LISTEN only while in do_wait_request).
wait_answer:
        sta V_WANT_OP
        jsr body_reset
@next:  lda CFG_ANSWER
        sta V_WAIT
        lda CFG_ANSWER+1
        sta V_WAIT+1
        jsr recv_data
        bcc @got
        rts
@got:   cpx #3
        bcc @next
        lda INBOX
        cmp V_WANT_OP
        bne @next
        lda INBOX+1
        cmp V_MATCH_ID
        bne @next               ; the answer to an older call
        lda INBOX+2
        sta V_FLAGS
        txa
        sec
        sbc #3
        sta V_N
        ldy #3
        lda V_WANT_OP
        cmp #OP_RESULT
        beq @result
        cmp #OP_TIME_IS
        bne @body
        lda V_N
        cmp #4
        bcc @next
        ldx #0
@unix:  lda INBOX+3,x
        sta V_UNIX,x
        inx
        cpx #4
        bne @unix
        ldy #7
        lda V_N
        sec
        sbc #4
        sta V_N
        jmp @body
@result:
        lda V_N
        cmp #2
        bcc @next
        lda INBOX+3
        sta V_STATUS+1          ; big-endian on the wire
        lda INBOX+4
        sta V_STATUS
        ldy #5
        dec V_N
        dec V_N
@body:  jsr body_append
        jsr collect_more
        bcs @ret
        ldx V_STATUS
        ldy V_STATUS+1
        lda #0
        clc
@ret:   rts

; collect_more: while V_FLAGS says MORE, appends the CONT messages for V_MATCH_ID.
collect_more:
        lda V_FLAGS
        and #FLAG_TRUNCATED
        beq @more
        sta V_BODY_TRUNC
@more:  lda V_FLAGS
        and #FLAG_MORE
        bne @next
        clc
        rts
@next:  lda CFG_ANSWER
        sta V_WAIT
        lda CFG_ANSWER+1
        sta V_WAIT+1
        jsr recv_data
        bcc @got
        rts
@got:   cpx #3
        bcc @next
        lda INBOX
        cmp #OP_CONT
        bne @next
        lda INBOX+1
        cmp V_MATCH_ID
        bne @next
        lda INBOX+2
        sta V_FLAGS
        txa
        sec
        sbc #3
        sta V_N
        ldy #3
        jsr body_append
        jmp collect_more

; body_reset: empties BODY_BUF, clears status and the truncated flag.
body_reset:
        lda #0
        sta V_BODY_LEN
        sta V_BODY_LEN+1
        sta V_STATUS
        sta V_STATUS+1
        sta V_BODY_TRUNC
        rts

; body_append: appends V_N bytes from INBOX+Y to BODY_BUF, as many as fit.
body_append:
        lda V_N
        beq @ret
        lda #<BODY_BUF
        clc
        adc V_BODY_LEN
        sta ZP_PTR2
        lda #>BODY_BUF
        adc V_BODY_LEN+1
        sta ZP_PTR2+1
        ldx #0
@loop:  lda V_BODY_LEN+1
        cmp #>BODY_CAP
        bcs @full
        lda INBOX,y
        sta (ZP_PTR2,x)
        inc ZP_PTR2
        bne @inc
        inc ZP_PTR2+1
@inc:   inc V_BODY_LEN
        bne @more
        inc V_BODY_LEN+1
@more:  iny
        dec V_N
        bne @loop
@ret:   rts
@full:  lda #1
        sta V_BODY_TRUNC
        rts
