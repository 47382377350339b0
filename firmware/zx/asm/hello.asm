; HELLO handshake. HELLO (unsequenced; seq is echoed in the reply) carries machine id, client
; major, minor, the largest payload we take and the capabilities (CAP_SCREEN); HELLO_REPLY carries the bridge's major,
; minor and the agreed max payload. The micro resends HELLO every CFG_HELLO_MS until a reply
; with the same seq comes, CFG_HELLO_TRIES times in all.

; do_hello: resets the session and shakes hands. Carry set: link up. Carry clear: A =
; ERR_TIMEOUT / ERR_BREAK / ERR_PROTO.
do_hello:
        XOR A
        LD (V_LINK_UP),A
        LD (V_AWAIT),A
        CALL forget_rx
        LD A,(CFG_HELLO_TRIES)
        LD (V_TRIES),A
dh_send:
        LD HL,V_HELLO_SEQ
        INC (HL)
        LD A,(HL)
        LD HL,V_SMALL
        LD (HL),K_HELLO
        INC HL
        LD (HL),A               ; seq
        INC HL
        LD (HL),5               ; len
        INC HL
        LD A,(CFG_MACHINE)
        LD (HL),A
        INC HL
        LD (HL),VER_MAJOR
        INC HL
        LD (HL),VER_MINOR
        INC HL
        LD A,(CFG_MAXPAY)
        LD (HL),A
        INC HL
        LD (HL),CAP_SCREEN
        LD HL,V_SMALL
        LD B,8
        CALL frame_send
        XOR A
        LD (V_HELLO_GOT),A
        LD DE,(CFG_HELLO_MS)
dh_wait:
        CALL link_rx
        JR NC,dh_quiet
        LD A,(V_HELLO_GOT)
        OR A
        JR Z,dh_wait
        LD A,(V_HREPLY)
        CP VER_MAJOR
        JR NZ,dh_proto          ; a bridge speaking another major version
        LD A,(V_HREPLY+2)       ; agreed max payload
        CP 8
        JR C,dh_proto           ; too small for a message header and a target
        LD B,A
        LD A,(CFG_MAXPAY)
        CP B
        JR C,dh_max             ; ours is smaller
        LD A,B
dh_max:
        LD (V_MAXPAY),A
        CALL forget_rx          ; the bridge reset its side on our HELLO
        LD A,1
        LD (V_LINK_UP),A
        SCF
        RET
dh_quiet:
        CP ERR_BREAK
        JR Z,dh_fail
        LD HL,V_TRIES
        DEC (HL)
        JR NZ,dh_send
        LD A,ERR_TIMEOUT
dh_fail:
        OR A
        RET
dh_proto:
        LD A,ERR_PROTO
        OR A
        RET

; forget_rx: the next DATA is accepted whatever its seq; nothing waits in INBOX.
forget_rx:
        XOR A
        LD (V_RX_HAVE),A
        LD (V_INBOX_FULL),A
        RET
