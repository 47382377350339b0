//! The retromesh C64 client library: 6502 code, assembled by ca65/ld65 at build time.
//!
//! Four builds of the same library, one per way to reach the bridge ([`Driver`]), each a
//! `.prg` loading at [`LOAD_ADDRESS`] ($C000, 49152) and starting with a jump table whose
//! addresses never move ([`entry`]), then the configuration block ([`config`]). Buffers and
//! variables live at $9000-$9CFF ([`mem`], read from `asm/defs.s`): BASIC needs
//! `POKE 55,0:POKE 56,144:CLR` first.
//!
//! - Frame mode (machine code): `SYS 49152` says HELLO; then GET / POST / LISTEN / REPLY /
//!   TIME / ECHO / LOG over SLIP frames with CRC-16 and stop-and-wait.
//! - Line mode (BASIC): `SYS 49155` hooks the KERNAL vectors so `OPEN 7,7`, `PRINT#7`,
//!   `GET#7` / `INPUT#7` and `CLOSE 7` talk to the bridge through the build's driver.

include!(concat!(env!("OUT_DIR"), "/symbols.rs"));

/// The memory map and variables, as `asm/defs.s` defines them (generated).
pub mod mem {
    include!(concat!(env!("OUT_DIR"), "/defs.rs"));
}

/// Where every build loads: the first two bytes of each .prg.
pub const LOAD_ADDRESS: u16 = 0xC000;
/// First byte past the room the code may use.
pub const CODE_LIMIT: u16 = 0xD000;
/// BASIC's top of memory while the library's buffers are in use (`POKE 56,144`).
pub const BASIC_TOP: u16 = 0x9000;
/// The PAL C64's clock, for turning cycles into time.
pub const PAL_CLOCK_HZ: u64 = 985_248;
/// The machine id the library sends in HELLO (`MachineId::C64`).
pub const MACHINE_ID: u8 = 0x20;

/// How the C64 reaches the bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Driver {
    /// The KERNAL's RS-232 on the user port (device 2), 1200 baud by default.
    Kernal,
    /// UP9600-style: the CIA shift registers, 9600 baud.
    Up9600,
    /// A SwiftLink cartridge: 6551 ACIA at $DE00.
    SwiftLink,
    /// The retromesh adapter on the user port, WiC64-style parallel.
    Parallel,
}

impl Driver {
    pub const ALL: [Driver; 4] = [
        Driver::Kernal,
        Driver::Up9600,
        Driver::SwiftLink,
        Driver::Parallel,
    ];

    /// The name used in file names and the README.
    pub const fn name(self) -> &'static str {
        match self {
            Driver::Kernal => "kernal",
            Driver::Up9600 => "up9600",
            Driver::SwiftLink => "swiftlink",
            Driver::Parallel => "parallel",
        }
    }

    /// The value of ca65's `-D DRIVER=n` for this build (also at [`config::DRIVER`]).
    pub const fn build_value(self) -> u8 {
        match self {
            Driver::Kernal => 1,
            Driver::Up9600 => 2,
            Driver::SwiftLink => 3,
            Driver::Parallel => 4,
        }
    }
}

/// The .prg for `driver`: two bytes of load address ($C000), then the library.
pub fn prg(driver: Driver) -> &'static [u8] {
    match driver {
        Driver::Kernal => include_bytes!(concat!(env!("OUT_DIR"), "/c64_kernal.prg")),
        Driver::Up9600 => include_bytes!(concat!(env!("OUT_DIR"), "/c64_up9600.prg")),
        Driver::SwiftLink => include_bytes!(concat!(env!("OUT_DIR"), "/c64_swiftlink.prg")),
        Driver::Parallel => include_bytes!(concat!(env!("OUT_DIR"), "/c64_parallel.prg")),
    }
}

/// The labels of the build for `driver`, as ld65 listed them.
pub fn symbols(driver: Driver) -> &'static [(&'static str, u16)] {
    match driver {
        Driver::Kernal => LIB_KERNAL,
        Driver::Up9600 => LIB_UP9600,
        Driver::SwiftLink => LIB_SWIFTLINK,
        Driver::Parallel => LIB_PARALLEL,
    }
}

/// One label of the build for `driver`.
pub fn symbol(driver: Driver, name: &str) -> Option<u16> {
    symbols(driver)
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
}

/// The jump table: `SYS` these (machine code: `JSR`). Each returns carry clear on success,
/// carry set with the error code in A (also at [`mem::V_ERR`]). Pointers go in X (low) and
/// Y (high), lengths in A.
pub mod entry {
    /// Port set up, CRC table built, HELLO answered.
    pub const INIT: u16 = 0xC000;
    /// Line mode: hook the KERNAL vectors for the device at [`super::config::DEVICE`].
    pub const OPEN: u16 = 0xC003;
    /// X/Y = target (`service/path`), A = its length. Out: X/Y = status, body in BODY_BUF.
    pub const GET: u16 = 0xC006;
    /// As GET; the body at V_ARG_PTR, V_ARG_LEN bytes.
    pub const POST: u16 = 0xC009;
    /// Out: X/Y = status (200).
    pub const LISTEN: u16 = 0xC00C;
    /// X/Y = ms to wait (0 = until RUN/STOP). Out: REQ_PATH, REQ_CALLER, body, V_REQ_*.
    pub const WAIT_REQUEST: u16 = 0xC00F;
    /// X/Y = status; the body at V_ARG_PTR, V_ARG_LEN bytes.
    pub const REPLY: u16 = 0xC012;
    /// Out: V_UNIX (4 bytes big-endian), `YYYY-MM-DD HH:MM:SS` in BODY_BUF.
    pub const TIME: u16 = 0xC015;
    /// X/Y = data, A = length (up to max payload - 3). Out: the echo in BODY_BUF.
    pub const ECHO: u16 = 0xC018;
    /// X/Y = text, A = length; level at V_LOG_LEVEL. Not answered.
    pub const LOG: u16 = 0xC01B;
    /// Out: X/Y = status.
    pub const UNLISTEN: u16 = 0xC01E;
    /// X/Y = payload, A = length: one DATA frame, ACKed.
    pub const SEND_DATA: u16 = 0xC021;
    /// X/Y = ms to wait. Out: X = length, payload at INBOX.
    pub const RECV_DATA: u16 = 0xC024;
    /// A = byte, raw on the line.
    pub const PUTBYTE: u16 = 0xC027;
    /// X/Y = ms to wait (0 = one ms). Out: A = byte.
    pub const GETBYTE: u16 = 0xC02A;
    /// Line mode: put the KERNAL vectors back.
    pub const CLOSE: u16 = 0xC02D;
}

/// The configuration block (POKE before init).
pub mod config {
    /// HELLO machine id [0x20].
    pub const MACHINE: u16 = 0xC030;
    /// Line-mode device number [7].
    pub const DEVICE: u16 = 0xC031;
    /// Sends of a DATA frame [10].
    pub const TRIES: u16 = 0xC032;
    /// HELLOs [10].
    pub const HELLO_TRIES: u16 = 0xC033;
    /// Max payload offered [250].
    pub const MAX_PAYLOAD: u16 = 0xC034;
    /// ACK timeout in ms, word [1500].
    pub const ACK_TIMEOUT: u16 = 0xC035;
    /// Answer timeout in ms, word [30000].
    pub const ANSWER_TIMEOUT: u16 = 0xC037;
    /// HELLO timeout in ms, word [1000].
    pub const HELLO_TIMEOUT: u16 = 0xC039;
    /// The build: 1 kernal, 2 up9600, 3 swiftlink, 4 parallel.
    pub const DRIVER: u16 = 0xC03B;
    /// Version major, minor.
    pub const VERSION: u16 = 0xC03C;
    /// Driver speed bytes: KERNAL RS-232 control and command [$08 $00 = 1200 8N1], UP9600
    /// CIA2 timer A [50 = 9600], SwiftLink ACIA control [$1F].
    pub const SPEED: u16 = 0xC03E;
}

/// Error codes (A with carry set, and [`mem::V_ERR`]).
pub mod error {
    pub const TIMEOUT: u8 = 1;
    pub const NO_ACK: u8 = 2;
    pub const BREAK: u8 = 3;
    pub const PROTO: u8 = 4;
    pub const TOO_LONG: u8 = 5;
    pub const NO_LINK: u8 = 6;
    /// The port stopped answering (parallel: the adapter gave no strobe).
    pub const PORT: u8 = 7;
    /// The adapter refused a request.
    pub const ADAPTER: u8 = 8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_build_loads_at_c000_and_fits_below_d000() {
        for d in Driver::ALL {
            let p = prg(d);
            assert_eq!(u16::from_le_bytes([p[0], p[1]]), LOAD_ADDRESS, "{d:?}");
            assert!(
                LOAD_ADDRESS as usize + p.len() - 2 <= CODE_LIMIT as usize,
                "{d:?}"
            );
            assert_eq!(
                p[2 + (config::DRIVER - LOAD_ADDRESS) as usize],
                d.build_value()
            );
            assert_eq!(p[2 + (config::MACHINE - LOAD_ADDRESS) as usize], MACHINE_ID);
        }
    }

    #[test]
    fn jump_table_points_at_the_entries() {
        for d in Driver::ALL {
            let p = &prg(d)[2..];
            for (addr, name) in [
                (entry::INIT, "e_init"),
                (entry::CLOSE, "e_close"),
                (entry::GET, "e_get"),
            ] {
                let i = (addr - LOAD_ADDRESS) as usize;
                assert_eq!(p[i], 0x4C, "JMP at {addr:#06X}");
                let target = u16::from_le_bytes([p[i + 1], p[i + 2]]);
                assert_eq!(Some(target), symbol(d, name), "{d:?} {name}");
            }
            assert_eq!(symbol(d, "CFG_SPEED"), Some(config::SPEED));
            assert_eq!(symbol(d, "CFG_ANSWER"), Some(config::ANSWER_TIMEOUT));
        }
    }

    #[test]
    fn buffers_sit_below_the_code_and_above_basic() {
        const { assert!(mem::BUF_END <= LOAD_ADDRESS) };
        assert_eq!(mem::BODY_BUF, BASIC_TOP);
        assert_eq!(mem::V_ERR, mem::VARS + 38);
    }
}
