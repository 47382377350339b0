; retromesh C64 client: constants and the memory map.
; Code and the configuration block sit at $C000-$CFFF (4 KB, free RAM on every C64).
; Buffers and variables sit at $9000-$9CFF, under BASIC's top: BASIC needs
; POKE 55,0:POKE 56,144:CLR first (top of BASIC memory = $9000). They are not part of the .prg.

.ifndef DRIVER
  .error "DRIVER is not set: assemble with ca65 -D DRIVER=1 (kernal), 2 (up9600), 3 (swiftlink) or 4 (parallel)"
.endif

DRV_KERNAL      = 1
DRV_UP9600      = 2
DRV_SWIFTLINK   = 3
DRV_PARALLEL    = 4

; ---- memory map ----
LOAD_ADDR       = $C000
CODE_END        = $D000
BODY_BUF        = $9000         ; 1024: RESULT / REQUEST / ECHOED / TIME_IS body
BODY_CAP        = 1024
REQ_PATH        = $9400         ; 128: length byte + up to 127 bytes
REQ_CALLER      = $9480         ; 128: length byte + up to 127 bytes
REQ_FIELD_CAP   = 127
INBOX           = $9500         ; 256: last delivered DATA payload
TX_BUF          = $9600         ; 256: DATA body being sent (kind, seq, len, payload)
TX_PAYLOAD      = TX_BUF+3
RX_BUF          = $9700         ; 256: frame body being received
CRC_HI          = $9800         ; 256: CRC table high bytes (built by init)
CRC_LO          = $9900         ; 256: low bytes
VARS            = $9A00         ; 256: variables
OUTQ            = $9B00         ; 256: parallel driver: bytes for the adapter
INQ             = $9C00         ; 256: parallel driver: ring of bytes from the adapter
BUF_END         = $9D00

; zero page: the two pointers the KERNAL leaves free
ZP_PTR          = $FB
ZP_PTR2         = $FD

; ---- variables ----
V_TX_SEQ        = VARS+0
V_OUT_SEQ       = VARS+1
V_AWAIT         = VARS+2
V_GOT_ACK       = VARS+3
V_GOT_NAK       = VARS+4
V_RX_HAVE       = VARS+5
V_RX_LAST       = VARS+6
V_INBOX_FULL    = VARS+7
V_INBOX_LEN     = VARS+8
V_HELLO_GOT     = VARS+9
V_HELLO_SEQ     = VARS+10
V_MAXPAY        = VARS+11
V_LINK_UP       = VARS+12
V_MSG_ID        = VARS+13
V_TRIES         = VARS+14
V_CUR_ID        = VARS+15
V_STATUS        = VARS+16       ; word, little-endian: status of the last RESULT
V_BODY_LEN      = VARS+18       ; word: bytes in BODY_BUF
V_BODY_TRUNC    = VARS+20       ; 1 = body cut (by the bridge or at BODY_CAP)
V_REQ_ID        = VARS+21
V_REQ_METHOD    = VARS+22       ; 'G' or 'P'
V_FLAGS         = VARS+23
V_UNIX          = VARS+24       ; 4 bytes big-endian: TIME_IS seconds
V_RX_N          = VARS+28
V_WANT_OP       = VARS+29
V_MATCH_ID      = VARS+30
V_ARG_PTR       = VARS+31       ; word: POST / REPLY body (set by the caller)
V_ARG_LEN       = VARS+33       ; word: its length
V_WAIT          = VARS+35       ; word: ms left of a wait
V_FOREVER       = VARS+37
V_ERR           = VARS+38       ; error of the last call (0 = ok)
V_HREPLY        = VARS+39       ; 3: HELLO_REPLY major, minor, agreed max payload
V_LOG_LEVEL     = VARS+42       ; LOG level (0 error .. 4 trace), default 2
V_PORT_READY    = VARS+43       ; 1 after drv_init
V_PORT_FAIL     = VARS+44       ; consecutive port failures (parallel: adapter silent)
V_CRCH          = VARS+45
V_CRCL          = VARS+46
V_CNT           = VARS+47
V_SESC          = VARS+48
V_SBAD          = VARS+49
V_WSAVE         = VARS+50       ; word
V_TGT_PTR       = VARS+52       ; word
V_TGT_LEN       = VARS+54
V_HEAD_N        = VARS+55
V_ROOM          = VARS+56
V_N             = VARS+57
V_PLEN          = VARS+58
V_FLEN          = VARS+59
V_FEND          = VARS+60
V_FCOPY         = VARS+61
V_FSRC          = VARS+62
V_WREQ          = VARS+63       ; word
V_SAVE_X        = VARS+65
V_SAVE_Y        = VARS+66
V_RETX          = VARS+67       ; DATA frames sent again (NAK or timeout), wraps
V_NAKS          = VARS+68       ; NAKs we sent, wraps
V_CH_OPEN       = VARS+69       ; line mode: our device is open
V_CH_LA         = VARS+70       ; its logical file number
V_CH_IN         = VARS+71       ; 1 = our file is the current input
V_CH_OUT        = VARS+72       ; 1 = our file is the current output
V_HOOKED        = VARS+73       ; 1 = KERNAL vectors point at us
V_OQN           = VARS+74       ; parallel: bytes in OUTQ
V_IQH           = VARS+75       ; parallel: INQ head (next to read)
V_IQT           = VARS+76       ; parallel: INQ tail (next to write)
V_PSTAT         = VARS+77
V_PLEN_LO       = VARS+78
V_PLEN_HI       = VARS+79
V_PDROP         = VARS+80       ; parallel: bytes dropped (INQ full), wraps
V_EXCH          = VARS+81       ; word: parallel exchanges done
V_SAVE_A        = VARS+83
V_PFAILS        = VARS+84       ; parallel: failed exchanges, wraps
V_SMALL         = VARS+96       ; 16: ACK / NAK / HELLO frame being sent
KV              = VARS+112      ; 16: the KERNAL vectors as found (8 words, $031A order below)
VARS_END        = VARS+128

; the KERNAL's RAM vectors we hook for line mode, and their saved copies
IOPEN           = $031A
ICLOSE          = $031C
ICHKIN          = $031E
ICKOUT          = $0320
ICLRCH          = $0322
IBASIN          = $0324
IBSOUT          = $0326
IGETIN          = $032A
KV_OPEN         = KV+0
KV_CLOSE        = KV+2
KV_CHKIN        = KV+4
KV_CKOUT        = KV+6
KV_CLRCH        = KV+8
KV_BASIN        = KV+10
KV_BSOUT        = KV+12
KV_GETIN        = KV+14

; KERNAL zero page / jump table (the library calls SETLFS/SETNAM/READST by address)
K_LA            = $B8
K_FA            = $BA
K_STATUS        = $90
SETLFS          = $FFBA
SETNAM          = $FFBD
READST          = $FFB7

; ---- the wire protocol ----
SLIP_END        = $C0
SLIP_ESC        = $DB
SLIP_ESC_END    = $DC
SLIP_ESC_ESC    = $DD

K_DATA          = $01
K_ACK           = $02
K_NAK           = $03
K_HELLO         = $10
K_HELLO_REPLY   = $11

OP_GET          = $01
OP_POST         = $02
OP_LISTEN       = $03
OP_REPLY        = $04
OP_TIME         = $05
OP_ECHO         = $06
OP_LOG          = $07
OP_UNLISTEN     = $08
OP_CONT         = $0F
OP_RESULT       = $81
OP_REQUEST      = $82
OP_TIME_IS      = $85
OP_ECHOED       = $86

FLAG_MORE       = $01
FLAG_TRUNCATED  = $02

VER_MAJOR       = 1
VER_MINOR       = 0
MAX_PAYLOAD     = 250
MACHINE_C64     = $20

; ---- error codes (A with carry set; also V_ERR) ----
ERR_TIMEOUT     = 1             ; nothing (or no answer) came in time
ERR_NOACK       = 2             ; DATA never acknowledged: the link is down
ERR_BREAK       = 3             ; RUN/STOP pressed while waiting
ERR_PROTO       = 4             ; HELLO_REPLY unusable
ERR_TOOLONG     = 5             ; argument does not fit a frame
ERR_NOLINK      = 6             ; frame-mode call before a successful init
ERR_PORT        = 7             ; the port stopped answering (parallel: adapter silent)
ERR_ADAPTER     = 8             ; the adapter refused a request (status 1)

; ---- timing ----
INTRA_MS        = 15
PORT_FAIL_LIMIT = 3             ; failed port exchanges in a row before ERR_PORT            ; gap allowed between bytes inside a frame

; more variables (driver and channel scratch)
V_DSX           = VARS+85       ; drivers keep X / Y / A here
V_DSY           = VARS+86
V_DSA           = VARS+87
V_CHX           = VARS+88       ; channel keeps X / Y here
V_CHY           = VARS+89
V_SAVED_P       = VARS+90       ; caller's status register (its I flag comes back on return)
V_TO_LO         = VARS+91       ; parallel: per-byte wait counters
V_TO_HI         = VARS+92
V_IQC           = VARS+93       ; word: parallel: bytes in INQ (0..256)
