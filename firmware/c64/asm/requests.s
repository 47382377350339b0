; Requests from the mesh after LISTEN: wait for a REQUEST, keep its method, caller, path and
; body (CONTs gathered) for REPLY.

; do_wait_request: X/Y = ms to wait (0 = until RUN/STOP). Skips anything but a REQUEST.
; Out: V_REQ_ID, V_REQ_METHOD, REQ_CALLER / REQ_PATH (length byte + bytes), body in BODY_BUF.
do_wait_request:
        stx V_WREQ
        sty V_WREQ+1
        jsr link_ready
        jcs ret_err
        lda #0
        sta V_FOREVER
        lda V_WREQ
        ora V_WREQ+1
        bne @timed
        inc V_FOREVER
        lda #<1000
        sta V_WREQ
        lda #>1000
        sta V_WREQ+1
@timed: jsr @reload
@next:  jsr recv_data
        bcc @got
        cmp #ERR_TIMEOUT
        bne @fail
        lda V_FOREVER
        beq @to
        jsr @reload
        jmp @next
@to:    lda #ERR_TIMEOUT
@fail:  sec
        rts
@got:   jsr take_request
        bcs @next
        jsr collect_more
        bcs @fail
        jmp ok_zero
@reload:
        lda V_WREQ
        sta V_WAIT
        lda V_WREQ+1
        sta V_WAIT+1
        rts

; take_request: INBOX holds X bytes. Carry clear if it was a well-formed REQUEST (fields
; stored, body started).
take_request:
        cpx #6                  ; op id flags method clen plen
        jcc tf_no
        lda INBOX
        cmp #OP_REQUEST
        jne tf_no
        stx V_PLEN
        lda INBOX+1
        sta V_REQ_ID
        sta V_MATCH_ID
        lda INBOX+2
        sta V_FLAGS
        lda INBOX+3
        sta V_REQ_METHOD
        ldy #4
        lda #<REQ_CALLER
        sta ZP_PTR2
        lda #>REQ_CALLER
        sta ZP_PTR2+1
        jsr take_field
        bcs tf_no
        lda #<REQ_PATH
        sta ZP_PTR2
        lda #>REQ_PATH
        sta ZP_PTR2+1
        jsr take_field
        bcs tf_no
        sty V_FSRC
        jsr body_reset
        ldy V_FSRC
        lda V_PLEN
        sec
        sbc V_FSRC
        sta V_N
        jsr body_append
        clc
        rts

; take_field: Y = offset of a length-prefixed field in INBOX (V_PLEN bytes). Stores it at
; (ZP_PTR2): length byte, then up to REQ_FIELD_CAP bytes. Carry clear: Y = past the field.
take_field:
        cpy V_PLEN
        bcs tf_no
        lda INBOX,y
        sta V_FLEN
        iny
        tya
        clc
        adc V_FLEN
        bcs tf_no
        cmp V_PLEN
        beq @ok
        bcs tf_no               ; longer than the payload
@ok:    sta V_FEND
        sty V_FSRC
        lda V_FLEN
        cmp #REQ_FIELD_CAP+1
        bcc @len
        lda #REQ_FIELD_CAP
@len:   ldy #0
        sta (ZP_PTR2),y
        sta V_FCOPY
        inc V_FCOPY             ; Y stops here
        ldx V_FSRC
        iny
@cp:    cpy V_FCOPY
        beq @done
        lda INBOX,x
        sta (ZP_PTR2),y
        inx
        iny
        bne @cp
@done:  ldy V_FEND
        clc
        rts
tf_no:  sec
        rts
