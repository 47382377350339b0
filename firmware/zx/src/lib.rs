//! The retromesh ZX Spectrum client library: Z80 code, assembled by pasmo at build time.
//!
//! Three builds of the same library, one per serial port ([`Driver`]), each loaded at
//! [`LOAD_ADDRESS`] (57344, after `CLEAR 57343`) and starting with a jump table whose
//! addresses never move ([`entry`]). Everything the library owns, buffers included, lies in
//! 0xE000..0xFF57 ([`mem`]); the UDGs above are left alone.
//!
//! - Line mode (BASIC): `RANDOMIZE USR 57347` installs a channel and attaches stream #4;
//!   then `PRINT #4;"GET weather/today"` and `INPUT #4; LINE a$` talk to the bridge.
//! - Frame mode (machine code): `CALL 57344` shakes hands (HELLO), then GET / POST / LISTEN /
//!   REPLY / TIME / ECHO / LOG over SLIP frames with CRC-16 and stop-and-wait.
//!
//! The demos: [`FETCH_BAS`], [`SERVE_BAS`] (line mode) and [`demo_frames`] (frame mode).

include!(concat!(env!("OUT_DIR"), "/symbols.rs"));

/// Where every build (and every frame-mode demo) loads.
pub const LOAD_ADDRESS: u16 = 0xE000;
/// The `CLEAR` BASIC needs before loading: RAMTOP just below the library.
pub const CLEAR_ADDRESS: u16 = LOAD_ADDRESS - 1;
/// First byte past the library's memory: the UDGs.
pub const UDG_START: u16 = 0xFF58;

/// The serial port a build drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Driver {
    /// ZX Interface 1 RS-232, bit-banged 8N2 at 9600 baud, 48K timing (any model).
    If1,
    /// The 128K's RS-232 on AY-3-8912 port A, bit-banged 8N2 at 9600 baud (128K only).
    Ay128,
    /// The Spectrum Next UART (speed from [`config::SPEED`], 115200 by default).
    Next,
}

impl Driver {
    pub const ALL: [Driver; 3] = [Driver::If1, Driver::Ay128, Driver::Next];

    /// The name used in file names and the README.
    pub const fn name(self) -> &'static str {
        match self {
            Driver::If1 => "if1",
            Driver::Ay128 => "ay128",
            Driver::Next => "next",
        }
    }

    /// The value of pasmo's `--equ DRIVER=n` for this build.
    pub const fn pasmo_value(self) -> u8 {
        match self {
            Driver::If1 => 1,
            Driver::Ay128 => 2,
            Driver::Next => 3,
        }
    }
}

/// The library binary for `driver`, to load at [`LOAD_ADDRESS`].
pub fn library(driver: Driver) -> &'static [u8] {
    match driver {
        Driver::If1 => include_bytes!(concat!(env!("OUT_DIR"), "/zx_if1.bin")),
        Driver::Ay128 => include_bytes!(concat!(env!("OUT_DIR"), "/zx_ay128.bin")),
        Driver::Next => include_bytes!(concat!(env!("OUT_DIR"), "/zx_next.bin")),
    }
}

/// The public symbols of the library build for `driver` (entry points, configuration,
/// buffers), as pasmo listed them.
pub fn symbols(driver: Driver) -> &'static [(&'static str, u16)] {
    match driver {
        Driver::If1 => LIB_IF1,
        Driver::Ay128 => LIB_AY128,
        Driver::Next => LIB_NEXT,
    }
}

/// One public symbol of the library build for `driver`.
pub fn symbol(driver: Driver, name: &str) -> Option<u16> {
    lookup(symbols(driver), name)
}

fn lookup(table: &[(&str, u16)], name: &str) -> Option<u16> {
    table.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// A frame-mode machine-code demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Demo {
    /// `demos/fetch_frames.asm`: GET weather/today, print `STATUS nnn` and the body.
    Fetch,
    /// `demos/serve_frames.asm`: LISTEN, print one request's path and body, REPLY
    /// `PRINTED n`, UNLISTEN.
    Serve,
}

/// Frame-mode demos load where the library does: they are the library plus their own code.
pub const DEMO_LOAD_ADDRESS: u16 = LOAD_ADDRESS;

/// The demo binary (library included) for `driver`, to load at [`DEMO_LOAD_ADDRESS`] and
/// start at [`demo_entry`]. It prints on the ZX Printer through the 48K ROM and ends with
/// `OUT (0xDEFF),A`: 0 = success, 100 + error code otherwise.
pub fn demo_frames(driver: Driver, demo: Demo) -> &'static [u8] {
    match (demo, driver) {
        (Demo::Fetch, Driver::If1) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/fetch_frames_if1.bin"))
        }
        (Demo::Fetch, Driver::Ay128) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/fetch_frames_ay128.bin"))
        }
        (Demo::Fetch, Driver::Next) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/fetch_frames_next.bin"))
        }
        (Demo::Serve, Driver::If1) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/serve_frames_if1.bin"))
        }
        (Demo::Serve, Driver::Ay128) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/serve_frames_ay128.bin"))
        }
        (Demo::Serve, Driver::Next) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/serve_frames_next.bin"))
        }
    }
}

/// Where the demo for `driver` starts (`RANDOMIZE USR` this).
pub fn demo_entry(driver: Driver, demo: Demo) -> u16 {
    let table = match (demo, driver) {
        (Demo::Fetch, Driver::If1) => FETCH_IF1,
        (Demo::Fetch, Driver::Ay128) => FETCH_AY128,
        (Demo::Fetch, Driver::Next) => FETCH_NEXT,
        (Demo::Serve, Driver::If1) => SERVE_IF1,
        (Demo::Serve, Driver::Ay128) => SERVE_AY128,
        (Demo::Serve, Driver::Next) => SERVE_NEXT,
    };
    lookup(table, "demo_start").expect("the demos declare demo_start PUBLIC")
}

/// Line-mode demo: GET weather/today and LPRINT the answer (zmakebas syntax).
pub const FETCH_BAS: &str = include_str!("../demos/fetch.bas");
/// Line-mode demo: LISTEN, LPRINT one request's path and body, REPLY PRINTED n.
pub const SERVE_BAS: &str = include_str!("../demos/serve.bas");

/// The jump table. Every entry returns with interrupts enabled; carry set on success.
/// On failure carry is clear and A = BC = an [`error`] code, so `USR` shows it.
pub mod entry {
    /// Set up the port, build the CRC table, HELLO. Out: BC = 0 or an error.
    pub const INIT: u16 = 0xE000;
    /// Install the line-mode channel (once) and attach stream #4. Out: BC = 0.
    pub const OPEN_CHANNEL: u16 = 0xE003;
    /// DE = target, A = its length. Out: BC = status, HL = body, DE = body length.
    pub const GET: u16 = 0xE006;
    /// DE = target, A = its length, HL = body, BC = body length. Out: as GET.
    pub const POST: u16 = 0xE009;
    /// Out: BC = status (200).
    pub const LISTEN: u16 = 0xE00C;
    /// DE = ms to wait (0 = until BREAK). Out: BC = 0, HL = body, DE = body length; the
    /// path and caller at [`super::mem::REQ_PATH`] / [`super::mem::REQ_CALLER`].
    pub const WAIT_REQUEST: u16 = 0xE00F;
    /// DE = status, HL = body, BC = length: answers the last request.
    pub const REPLY: u16 = 0xE012;
    /// Out: BC = 0; seconds at [`super::mem::V_UNIX`], text in the body buffer.
    pub const TIME: u16 = 0xE015;
    /// HL = data, BC = length (one frame). Out: the echo in the body buffer.
    pub const ECHO: u16 = 0xE018;
    /// A = level (0 error .. 4 trace), HL = text, BC = length. Not answered.
    pub const LOG: u16 = 0xE01B;
    /// Out: BC = status.
    pub const UNLISTEN: u16 = 0xE01E;
    /// HL = payload, BC = length: one DATA frame, waits for its ACK.
    pub const SEND_DATA: u16 = 0xE021;
    /// DE = ms to wait. Out: HL = payload, BC = length.
    pub const RECV_DATA: u16 = 0xE024;
    /// A = byte: raw, no framing.
    pub const PUTBYTE: u16 = 0xE027;
    /// DE = ms to wait (0 = a short poll). Out: carry set, A = byte.
    pub const GETBYTE: u16 = 0xE02A;
}

/// Configuration bytes in the binary, right after the jump table: POKE before init / open.
pub mod config {
    /// HELLO machine id (0x10 48K, 0x11 128K, 0x12 Next).
    pub const MACHINE: u16 = 0xE02D;
    /// The stream open attaches (default 4).
    pub const STREAM: u16 = 0xE02E;
    /// Next UART speed index (0 = 115200 ... 4 = 9600 ... 6 = 2400).
    pub const SPEED: u16 = 0xE02F;
    /// Sends of one DATA frame before giving up (default 10).
    pub const TRIES: u16 = 0xE030;
    /// HELLOs before giving up (default 10).
    pub const HELLO_TRIES: u16 = 0xE031;
    /// Largest payload offered in HELLO (default 250).
    pub const MAX_PAYLOAD: u16 = 0xE032;
    /// Word: ms to wait for an ACK before sending again (default 1500).
    pub const RTO_MS: u16 = 0xE033;
    /// Word: ms to wait for an answer (default 30000).
    pub const ANSWER_MS: u16 = 0xE035;
    /// Word: ms to wait for HELLO_REPLY before resending HELLO (default 1000).
    pub const HELLO_MS: u16 = 0xE037;
    /// 1 once the port has been set up.
    pub const READY: u16 = 0xE039;
    /// Which build: 1 if1, 2 ay128, 3 next.
    pub const DRIVER: u16 = 0xE03A;
    /// Client version: major, minor.
    pub const VERSION: u16 = 0xE03B;
}

/// Buffers and variables above the code (not in the binary).
pub mod mem {
    /// Code (and demo code) must end below this.
    pub const CODE_LIMIT: u16 = 0xF500;
    /// Answer / request body, [`BODY_CAP`] bytes.
    pub const BODY_BUF: u16 = 0xF500;
    pub const BODY_CAP: u16 = 1024;
    /// Request path: length byte, then up to 127 bytes.
    pub const REQ_PATH: u16 = 0xF900;
    /// Request caller: length byte, then up to 127 bytes.
    pub const REQ_CALLER: u16 = 0xF980;
    /// The last delivered DATA payload.
    pub const INBOX: u16 = 0xFA00;
    pub const TX_BUF: u16 = 0xFB00;
    pub const RX_BUF: u16 = 0xFC00;
    pub const CRC_HI: u16 = 0xFD00;
    pub const CRC_LO: u16 = 0xFE00;
    /// Variables, up to 0xFF3F.
    pub const VARS: u16 = 0xFF00;
    /// Agreed max payload (after init).
    pub const V_MAXPAY: u16 = 0xFF0B;
    /// 1 after a successful HELLO.
    pub const V_LINK_UP: u16 = 0xFF0C;
    /// Word: status of the last RESULT.
    pub const V_STATUS: u16 = 0xFF10;
    /// Word: bytes in the body buffer.
    pub const V_BODY_LEN: u16 = 0xFF12;
    /// Non-zero if the body was cut (by the bridge or at [`BODY_CAP`]).
    pub const V_BODY_TRUNC: u16 = 0xFF14;
    /// Id of the last REQUEST.
    pub const V_REQ_ID: u16 = 0xFF15;
    /// `G` or `P`.
    pub const V_REQ_METHOD: u16 = 0xFF16;
    /// TIME_IS seconds, 4 bytes big-endian.
    pub const V_UNIX: u16 = 0xFF18;
}

/// Error codes (A and BC on failure).
pub mod error {
    pub const TIMEOUT: u8 = 1;
    pub const NO_ACK: u8 = 2;
    pub const BREAK: u8 = 3;
    pub const PROTOCOL: u8 = 4;
    pub const TOO_LONG: u8 = 5;
    pub const NO_LINK: u8 = 6;
    pub const NO_ROOM: u8 = 7;

    /// What a code means.
    pub fn describe(code: u8) -> &'static str {
        match code {
            0 => "ok",
            TIMEOUT => "no answer in time: is the bridge running, on this port and speed?",
            NO_ACK => "a frame was never acknowledged: the link is down",
            BREAK => "BREAK pressed",
            PROTOCOL => "the bridge's HELLO_REPLY is unusable (another major version?)",
            TOO_LONG => "argument too long for one frame",
            NO_LINK => "call init (USR 57344) first: no HELLO yet",
            NO_ROOM => "no memory left for the channel",
            _ => "unknown error code",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_addresses_match_the_assembled_symbols() {
        let documented: &[(&str, u16)] = &[
            ("lib_init", entry::INIT),
            ("lib_open", entry::OPEN_CHANNEL),
            ("lib_get", entry::GET),
            ("lib_post", entry::POST),
            ("lib_listen", entry::LISTEN),
            ("lib_wait_request", entry::WAIT_REQUEST),
            ("lib_reply", entry::REPLY),
            ("lib_time", entry::TIME),
            ("lib_echo", entry::ECHO),
            ("lib_log", entry::LOG),
            ("lib_unlisten", entry::UNLISTEN),
            ("lib_send_data", entry::SEND_DATA),
            ("lib_recv_data", entry::RECV_DATA),
            ("lib_putbyte", entry::PUTBYTE),
            ("lib_getbyte", entry::GETBYTE),
            ("CFG_MACHINE", config::MACHINE),
            ("CFG_STREAM", config::STREAM),
            ("CFG_SPEED", config::SPEED),
            ("CFG_TRIES", config::TRIES),
            ("CFG_HELLO_TRIES", config::HELLO_TRIES),
            ("CFG_MAXPAY", config::MAX_PAYLOAD),
            ("CFG_RTO", config::RTO_MS),
            ("CFG_ANSWER", config::ANSWER_MS),
            ("CFG_HELLO_MS", config::HELLO_MS),
            ("ST_READY", config::READY),
            ("CFG_DRIVER", config::DRIVER),
            ("CFG_VERSION", config::VERSION),
            ("CODE_LIMIT", mem::CODE_LIMIT),
            ("BODY_BUF", mem::BODY_BUF),
            ("BODY_CAP", mem::BODY_CAP),
            ("REQ_PATH", mem::REQ_PATH),
            ("REQ_CALLER", mem::REQ_CALLER),
            ("INBOX", mem::INBOX),
            ("TX_BUF", mem::TX_BUF),
            ("RX_BUF", mem::RX_BUF),
            ("CRC_HI", mem::CRC_HI),
            ("CRC_LO", mem::CRC_LO),
            ("VARS", mem::VARS),
            ("V_MAXPAY", mem::V_MAXPAY),
            ("V_LINK_UP", mem::V_LINK_UP),
            ("V_STATUS", mem::V_STATUS),
            ("V_BODY_LEN", mem::V_BODY_LEN),
            ("V_BODY_TRUNC", mem::V_BODY_TRUNC),
            ("V_REQ_ID", mem::V_REQ_ID),
            ("V_REQ_METHOD", mem::V_REQ_METHOD),
            ("V_UNIX", mem::V_UNIX),
        ];
        for driver in Driver::ALL {
            for &(name, value) in documented {
                assert_eq!(
                    symbol(driver, name),
                    Some(value),
                    "{name} in the {} build",
                    driver.name()
                );
            }
        }
    }

    #[test]
    fn every_build_fits_below_its_buffers_and_starts_with_the_jump_table() {
        for driver in Driver::ALL {
            let lib = library(driver);
            let end = LOAD_ADDRESS as usize + lib.len();
            assert!(
                end <= mem::CODE_LIMIT as usize,
                "{}: ends at {end:#x}",
                driver.name()
            );
            assert_eq!(Some(end as u16), symbol(driver, "lib_code_end"));
            for slot in 0..15 {
                assert_eq!(
                    lib[slot * 3],
                    0xC3,
                    "{}: slot {slot} is a JP",
                    driver.name()
                );
            }
            assert_eq!(
                lib[(config::DRIVER - LOAD_ADDRESS) as usize],
                driver.pasmo_value()
            );
            for demo in [Demo::Fetch, Demo::Serve] {
                let code = demo_frames(driver, demo);
                assert_eq!(&code[..lib.len()], lib, "the demo starts with the library");
                let entry = demo_entry(driver, demo);
                assert!(entry >= LOAD_ADDRESS + lib.len() as u16);
                assert!((DEMO_LOAD_ADDRESS as usize + code.len()) <= mem::CODE_LIMIT as usize);
            }
        }
    }

    #[test]
    fn the_basic_demos_open_the_channel_at_the_documented_address() {
        for source in [FETCH_BAS, SERVE_BAS] {
            assert!(source.contains("CLEAR 57343"));
            assert!(source.contains(&format!("USR {}", entry::OPEN_CHANNEL)));
        }
    }
}
