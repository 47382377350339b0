; Line mode: a BASIC channel ("W") on stream CFG_STREAM (default #4) that passes text lines
; to and from the bridge with no framing. PRINT #4 sends; INPUT #4 and INKEY$#4 read.
;
; The 48K ROM's OPEN # knows only K, S and P, so open_chan builds the channel record itself
; (output address, input address, letter) at the end of the CHANS table, as Interface 1 and
; Spectranet do, and points the stream at it. A second call finds the record and only
; re-attaches the stream. The letter is W, not N: N is Interface 1's network channel.

CHAN_LETTER     EQU 'W'

chan_sig:
        DEFW chan_out, chan_in
        DEFB CHAN_LETTER

; open_chan: carry set (the stream is attached) or carry clear with A = ERR_NOROOM.
open_chan:
        CALL drv_init_once
        XOR A
        LD (V_CTL_SKIP),A
        LD HL,(SV_CHANS)
oc_scan:
        PUSH HL
        LD DE,5
        ADD HL,DE
        LD DE,(SV_PROG)
        OR A
        SBC HL,DE               ; a record must end before the 80h at PROG-1
        POP HL
        JR NC,oc_new
        PUSH HL
        LD DE,chan_sig
        LD B,5
oc_cmp:
        LD A,(DE)
        CP (HL)
        JR NZ,oc_diff
        INC HL
        INC DE
        DJNZ oc_cmp
        POP HL
        JR oc_found
oc_diff:
        POP HL
        INC HL
        JR oc_scan
oc_new:
        LD HL,(SV_PROG)
        DEC HL                  ; the 80h that ends the channel table
        LD BC,5
        CALL make_room
        JR NC,oc_full
        PUSH HL
        EX DE,HL
        LD HL,chan_sig
        LD BC,5
        LDIR
        POP HL
oc_found:
        LD DE,(SV_CHANS)
        OR A
        SBC HL,DE
        INC HL                  ; stream data = offset in CHANS + 1
        EX DE,HL
        LD A,(CFG_STREAM)
        ADD A,3                 ; the table starts at stream -3
        ADD A,A
        LD L,A
        LD H,0
        LD BC,SV_STRMS
        ADD HL,BC
        LD (HL),E
        INC HL
        LD (HL),D
        SCF
        RET
oc_full:
        LD A,ERR_NOROOM
        OR A
        RET

; make_room: opens BC bytes at HL, moving HL..STKEND-1 up and adjusting those of the 14
; pointers VARS..STKEND that lie above HL, as the ROM's MAKE-ROOM (1655h) does. Done here
; because on a 128K another ROM may be paged in. Carry set: HL unchanged; carry clear: no
; room (STKEND + BC + 80 would reach the stack).
make_room:
        LD (V_MR_POS),HL
        LD (V_MR_N),BC
        LD HL,(SV_STKEND)
        ADD HL,BC
        JR C,mr_full
        LD DE,80
        ADD HL,DE
        JR C,mr_full
        EX DE,HL
        LD HL,0
        ADD HL,SP
        OR A
        SBC HL,DE
        JR C,mr_full
        LD HL,(SV_STKEND)
        LD DE,(V_MR_POS)
        OR A
        SBC HL,DE
        PUSH HL                 ; bytes to move
        LD HL,(SV_STKEND)
        DEC HL
        PUSH HL                 ; the last of them
        LD HL,SV_VARS
        LD B,14
mr_ptr:
        LD E,(HL)
        INC HL
        LD D,(HL)
        PUSH HL
        LD HL,(V_MR_POS)
        OR A
        SBC HL,DE               ; carry: the pointer lies above the insertion point
        JR NC,mr_keep
        LD HL,(V_MR_N)
        ADD HL,DE
        EX DE,HL
        POP HL
        LD (HL),D
        DEC HL
        LD (HL),E
        INC HL
        JR mr_step
mr_keep:
        POP HL
mr_step:
        INC HL
        DJNZ mr_ptr
        POP HL
        LD BC,(V_MR_N)
        PUSH HL
        ADD HL,BC
        EX DE,HL                ; DE = where the last byte goes
        POP HL
        POP BC
        LDDR
        LD HL,(V_MR_POS)
        SCF
        RET
mr_full:
        OR A
        RET

; chan_out: the ROM prints A on the stream. Printable ASCII (20h-7Fh) and CR go to the
; bridge unchanged. Everything else is dropped on purpose: the comma control (06h), INK..OVER
; (10h-15h, with their parameter byte) and AT / TAB (16h, 17h, with two), tokens and
; graphics (80h-FFh: the ROM does not expand tokens for a channel of ours).
chan_out:
        LD B,A
        LD A,(V_CTL_SKIP)
        OR A
        JR Z,co_look
        DEC A
        LD (V_CTL_SKIP),A
        RET
co_look:
        LD A,B
        CP 0Dh
        JR Z,co_send
        CP 20h
        JR NC,co_print
        CP 10h
        RET C
        CP 18h
        RET NC
        CP 16h
        LD A,1
        JR C,co_skip
        INC A
co_skip:
        LD (V_CTL_SKIP),A
        RET
co_print:
        CP 80h
        RET NC
co_send:
        CALL drv_putbyte
        EI
        RET

; chan_in: the ROM's input convention. Carry set: A = a character (20h-FFh or CR). Carry
; clear and zero set: nothing yet (INPUT asks again, INKEY$ gives ""). Each call is a short
; poll (~4 bit times with CTS up, then the race window), so no byte the bridge started is
; lost. LF and other controls are skipped. BREAK while nothing comes: error D.
chan_in:
        LD DE,0
        CALL drv_getbyte
        JR C,ci_got
        CALL break_check
        JR C,ci_break
        EI
        XOR A
        RET
ci_got:
        EI
        CP 0Dh
        JR Z,ci_char
        CP 20h
        JR C,ci_none
ci_char:
        SCF
        RET
ci_none:
        XOR A
        RET
ci_break:
        EI
        RST 08h
        DEFB 0Ch                ; D BREAK - CONT repeats
