; retromesh ZX client: constants and the memory map.
; Everything the library owns lies in 0E000h..0FF57h (the UDGs start at 0FF58h), so BASIC
; runs it after CLEAR 57343. Buffers and variables are not part of the binary: they sit
; above the code at fixed addresses, the same in every build.

; ---- drivers (pick one with pasmo --equ DRIVER=n) ----
DRV_IF1         EQU 1           ; Interface 1 RS-232, bit-banged
DRV_AY128       EQU 2           ; 128K RS-232 on AY port A, bit-banged
DRV_NEXT        EQU 3           ; Spectrum Next UART

        IF !DEFINED DRIVER
        .ERROR DRIVER is not set: assemble with pasmo --equ DRIVER=1 (if1), 2 (ay128) or 3 (next)
        ENDIF
        IF DRIVER < 1 || DRIVER > 3
        .ERROR DRIVER must be 1 (if1), 2 (ay128) or 3 (next)
        ENDIF

; ---- memory map ----
LOAD_ADDR       EQU 0E000h      ; jump table, then code, then demo code if any
CODE_LIMIT      EQU 0F500h      ; code must end below the first buffer
BODY_BUF        EQU 0F500h      ; 1024: RESULT / REQUEST / ECHOED / TIME_IS body
BODY_CAP        EQU 1024
REQ_PATH        EQU 0F900h      ; 128: length byte, then up to 127 bytes of the REQUEST path
REQ_CALLER      EQU 0F980h      ; 128: length byte, then up to 127 bytes of the caller
REQ_FIELD_CAP   EQU 127
INBOX           EQU 0FA00h      ; 256: last delivered DATA payload, not yet taken
TX_BUF          EQU 0FB00h      ; 256: DATA body being sent (kind, seq, len, payload)
TX_PAYLOAD      EQU TX_BUF+3
RX_BUF          EQU 0FC00h      ; 256, page aligned: frame body being received (L = count)
CRC_HI          EQU 0FD00h      ; 256, page aligned: CRC table, high bytes
CRC_LO          EQU 0FE00h      ; 256, must follow CRC_HI (INC H reaches it)
VARS            EQU 0FF00h      ; 88 bytes of variables up to 0FF57h
UDG_START       EQU 0FF58h

; ---- variables (uninitialised RAM: set before use) ----
V_TX_SEQ        EQU VARS+0      ; next DATA seq (keeps counting over resets)
V_OUT_SEQ       EQU VARS+1      ; seq of the DATA waiting for its ACK
V_AWAIT         EQU VARS+2      ; 1 = a DATA waits for its ACK
V_GOT_ACK       EQU VARS+3
V_GOT_NAK       EQU VARS+4
V_RX_HAVE       EQU VARS+5      ; 0 = next DATA accepted whatever its seq
V_RX_LAST       EQU VARS+6      ; seq of the last delivered DATA
V_INBOX_FULL    EQU VARS+7
V_INBOX_LEN     EQU VARS+8
V_HELLO_GOT     EQU VARS+9
V_HELLO_SEQ     EQU VARS+10
V_MAXPAY        EQU VARS+11     ; agreed max payload
V_LINK_UP       EQU VARS+12     ; 1 after a HELLO_REPLY
V_MSG_ID        EQU VARS+13     ; last id we numbered a message with
V_TRIES         EQU VARS+14
V_CUR_ID        EQU VARS+15     ; id of the message being sent / answered
V_STATUS        EQU VARS+16     ; word: status of the last RESULT
V_BODY_LEN      EQU VARS+18     ; word: bytes in BODY_BUF
V_BODY_TRUNC    EQU VARS+20     ; 1 = body cut (by the bridge or at BODY_CAP)
V_REQ_ID        EQU VARS+21     ; id of the last REQUEST (REPLY answers it)
V_REQ_METHOD    EQU VARS+22     ; 'G' or 'P'
V_FLAGS         EQU VARS+23     ; flags of the message being collected
V_UNIX          EQU VARS+24     ; 4 bytes, big-endian as sent: TIME_IS seconds
V_RX_N          EQU VARS+28     ; length of the body in RX_BUF
V_CTL_SKIP      EQU VARS+29     ; channel: parameter bytes of a control code still to drop
V_AY_SHADOW     EQU VARS+30     ; ay128: port A with TX at mark and CTS off
V_WANT_OP       EQU VARS+31
V_MATCH_ID      EQU VARS+32     ; id CONT messages must carry
V_ARG_PTR       EQU VARS+33     ; word: body still to send
V_ARG_LEN       EQU VARS+35     ; word
V_WAIT          EQU VARS+37     ; word: ms left of a wait
V_FOREVER       EQU VARS+39     ; 1 = wait_request waits until BREAK
V_MR_POS        EQU VARS+40     ; word: make_room insertion point
V_MR_N          EQU VARS+42     ; word: make_room size
V_HREPLY        EQU VARS+44     ; 3: HELLO_REPLY major, minor, agreed max payload
V_SMALL         EQU VARS+48     ; 16: ACK / NAK / HELLO frame being sent
VARS_END        EQU VARS+64

        IF VARS_END > UDG_START
        .ERROR variables run into the UDGs
        ENDIF

; ---- Spectrum system variables ----
SV_STRMS        EQU 5C10h       ; stream table, stream -3 first, 2 bytes each
SV_VARS         EQU 5C4Bh       ; first of the 14 pointers MAKE-ROOM adjusts
SV_CHANS        EQU 5C4Fh
SV_PROG         EQU 5C53h
SV_STKEND       EQU 5C65h

; ---- the wire protocol ----
SLIP_END        EQU 0C0h
SLIP_ESC        EQU 0DBh
SLIP_ESC_END    EQU 0DCh
SLIP_ESC_ESC    EQU 0DDh

K_DATA          EQU 01h
K_ACK           EQU 02h
K_NAK           EQU 03h
K_HELLO         EQU 10h
K_HELLO_REPLY   EQU 11h

OP_GET          EQU 01h
OP_POST         EQU 02h
OP_LISTEN       EQU 03h
OP_REPLY        EQU 04h
OP_TIME         EQU 05h
OP_ECHO         EQU 06h
OP_LOG          EQU 07h
OP_UNLISTEN     EQU 08h
OP_CONT         EQU 0Fh
OP_RESULT       EQU 81h
OP_REQUEST      EQU 82h
OP_TIME_IS      EQU 85h
OP_ECHOED       EQU 86h
OP_SCREEN       EQU 89h
CAP_SCREEN      EQU 01h     ; HELLO capability: we answer SCREEN
SCREEN_ADDR     EQU 4000h   ; bitmap and attributes, as SCREEN$ saves them
SCREEN_LEN      EQU 6912

FLAG_MORE       EQU 01h
FLAG_TRUNCATED  EQU 02h

VER_MAJOR       EQU 1
VER_MINOR       EQU 1
MAX_PAYLOAD     EQU 250

; ---- error codes (A, and BC for USR) ----
ERR_OK          EQU 0
ERR_TIMEOUT     EQU 1           ; nothing (or no answer) came in time
ERR_NOACK       EQU 2           ; DATA never acknowledged: the link is down
ERR_BREAK       EQU 3           ; BREAK (CAPS SHIFT + SPACE) pressed while waiting
ERR_PROTO       EQU 4           ; HELLO_REPLY unusable (other major version, tiny payload)
ERR_TOOLONG     EQU 5           ; argument does not fit a frame
ERR_NOLINK      EQU 6           ; frame-mode call before a successful init (HELLO)
ERR_NOROOM      EQU 7           ; no memory left for the channel

; ---- timing (ms; the drivers count them for a 3.5 MHz Z80) ----
CHUNK_MS        EQU 20          ; BREAK is checked between waits this long
INTRA_MS        EQU 15          ; gap allowed between bytes inside a frame (< CHUNK_MS)
