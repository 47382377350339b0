; HELLO handshake. HELLO (unsequenced; its seq comes back in the reply) carries machine id,
; client major, minor and the largest payload we take; HELLO_REPLY carries the bridge's major,
; minor and the agreed max payload. HELLO goes again every CFG_HELLO_MS until a reply with the
; same seq comes, CFG_HELLO_TRIES times in all.

; do_hello: resets the session and shakes hands. Carry clear: link up. Carry set: A =
; ERR_TIMEOUT / ERR_BREAK / ERR_PROTO / ERR_PORT.
do_hello:
        lda #0
        sta V_LINK_UP
        sta V_AWAIT
        jsr forget_rx
        lda CFG_HELLO_TRIES
        sta V_TRIES
@send:  inc V_HELLO_SEQ
        lda #K_HELLO
        sta V_SMALL
        lda V_HELLO_SEQ
        sta V_SMALL+1
        lda #4
        sta V_SMALL+2
        lda CFG_MACHINE
        sta V_SMALL+3
        lda #VER_MAJOR
        sta V_SMALL+4
        lda #VER_MINOR
        sta V_SMALL+5
        lda CFG_MAXPAY
        sta V_SMALL+6
        lda #<V_SMALL
        sta ZP_PTR
        lda #>V_SMALL
        sta ZP_PTR+1
        ldx #7
        jsr frame_send
        lda #0
        sta V_HELLO_GOT
        lda CFG_HELLO_MS
        sta V_WAIT
        lda CFG_HELLO_MS+1
        sta V_WAIT+1
@wait:  jsr link_rx
        bcs @quiet
        lda V_HELLO_GOT
        beq @wait
        lda V_HREPLY
        cmp #VER_MAJOR
        bne @proto              ; a bridge speaking another major version
        lda V_HREPLY+2
        cmp #8
        bcc @proto              ; too small for a message header and a target
        cmp CFG_MAXPAY
        bcc @max
        lda CFG_MAXPAY          ; ours is smaller
@max:   sta V_MAXPAY
        jsr forget_rx           ; the bridge reset its side on our HELLO
        lda #1
        sta V_LINK_UP
        clc
        rts
@quiet: cmp #ERR_BREAK
        beq @fail
        dec V_TRIES
        bne @send
        lda #ERR_TIMEOUT
@fail:  sec
        rts
@proto: lda #ERR_PROTO
        sec
        rts

; forget_rx: the next DATA is accepted whatever its seq; nothing waits in INBOX.
forget_rx:
        lda #0
        sta V_RX_HAVE
        sta V_INBOX_FULL
        rts
