//! The adapter board's RP2040 GPIO numbers, one module per board variant.
//!
//! Checked against `hardware/pinmap.toml` by `cargo test -p retromesh-hardware` (every constant
//! must be in [`ALL`], and `ALL` must match the map both ways). Regenerate with
//! `cargo run -p retromesh-hardware --bin retromesh-pinmap -- consts > firmware/adapter/src/pins.rs`.
//! Plain `u8` constants: no dependencies, `no_std`.

/// `zx-if1-uart`: ZX Interface 1 RS-232 to the Pico's UART0.
pub mod zx_if1_uart {
    /// TXD: J1 pin 2, via U1:T1, uart0-tx, adapter output.
    pub const TXD: u8 = 0;
    /// RXD: J1 pin 3, via U1:R1, uart0-rx, adapter input.
    pub const RXD: u8 = 1;
    /// DTR: J1 pin 4, via U1:T2, uart0-rts, adapter output.
    pub const DTR: u8 = 3;
    /// CTS: J1 pin 5, via U1:R2, uart0-cts, adapter input.
    pub const CTS: u8 = 2;
}

/// `zx128-uart`: Spectrum 128/+2 RS232 to the Pico's UART0.
pub mod zx128_uart {
    /// TXD: J2 pin 2, via U1:T1, uart0-tx, adapter output.
    pub const TXD: u8 = 0;
    /// RXD: J2 pin 3, via U1:R1, uart0-rx, adapter input.
    pub const RXD: u8 = 1;
    /// DTR: J2 pin 4, via U1:T2, uart0-rts, adapter output.
    pub const DTR: u8 = 3;
    /// CTS: J2 pin 5, via U1:R2, uart0-cts, adapter input.
    pub const CTS: u8 = 2;
}

/// `c64-parallel`: C64 user port, WiC64-style parallel link.
pub mod c64_parallel {
    /// /PC2: J1 pin 8, via U3:2, adapter input. Active low.
    pub const PC2: u8 = 10;
    /// /FLAG2: J1 pin B, via U4:1, adapter output. Active low.
    pub const FLAG2: u8 = 11;
    /// PB0: J1 pin C, via U2:1, adapter input/output.
    pub const PB0: u8 = 2;
    /// PB1: J1 pin D, via U2:2, adapter input/output.
    pub const PB1: u8 = 3;
    /// PB2: J1 pin E, via U2:3, adapter input/output.
    pub const PB2: u8 = 4;
    /// PB3: J1 pin F, via U2:4, adapter input/output.
    pub const PB3: u8 = 5;
    /// PB4: J1 pin H, via U2:5, adapter input/output.
    pub const PB4: u8 = 6;
    /// PB5: J1 pin J, via U2:6, adapter input/output.
    pub const PB5: u8 = 7;
    /// PB6: J1 pin K, via U2:7, adapter input/output.
    pub const PB6: u8 = 8;
    /// PB7: J1 pin L, via U2:8, adapter input/output.
    pub const PB7: u8 = 9;
    /// PA2: J1 pin M, via U3:1, adapter input.
    pub const PA2: u8 = 12;
}

/// `c64-printer`: C64 user port, geoCable-style Centronics capture.
pub mod c64_printer {
    /// BUSY: J1 pin B, via U4:1, adapter output.
    pub const BUSY: u8 = 11;
    /// D0: J1 pin C, via U2:1, adapter input.
    pub const D0: u8 = 2;
    /// D1: J1 pin D, via U2:2, adapter input.
    pub const D1: u8 = 3;
    /// D2: J1 pin E, via U2:3, adapter input.
    pub const D2: u8 = 4;
    /// D3: J1 pin F, via U2:4, adapter input.
    pub const D3: u8 = 5;
    /// D4: J1 pin H, via U2:5, adapter input.
    pub const D4: u8 = 6;
    /// D5: J1 pin J, via U2:6, adapter input.
    pub const D5: u8 = 7;
    /// D6: J1 pin K, via U2:7, adapter input.
    pub const D6: u8 = 8;
    /// D7: J1 pin L, via U2:8, adapter input.
    pub const D7: u8 = 9;
    /// /STROBE: J1 pin M, via U3:1, adapter input. Active low.
    pub const STROBE: u8 = 12;
}

/// `c64-rs232-kernal`: C64 user port, KERNAL RS-232 (device 2), TTL levels.
pub mod c64_rs232_kernal {
    /// RXD: J1 pin B + C, via U4:1, uart0-tx, adapter output.
    pub const RXD: u8 = 0;
    /// RTS: J1 pin D, via U3:2, uart0-cts, adapter input.
    pub const RTS: u8 = 2;
    /// DTR: J1 pin E, via U3:3, adapter input.
    pub const DTR: u8 = 4;
    /// DCD: J1 pin H, via U4:4, adapter output.
    pub const DCD: u8 = 6;
    /// CTS: J1 pin K, via U4:2, uart0-rts, adapter output.
    pub const CTS: u8 = 3;
    /// DSR: J1 pin L, via U4:3, adapter output.
    pub const DSR: u8 = 5;
    /// TXD: J1 pin M, via U3:1, uart0-rx, adapter input.
    pub const TXD: u8 = 1;
}

/// `c64-rs232-up9600`: C64 user port, UP9600 (CIA shift registers), TTL levels.
pub mod c64_rs232_up9600 {
    /// TXD: J1 pin 5 + M, via U3:1, uart0-rx, adapter input.
    pub const TXD: u8 = 1;
    /// RXD: J1 pin 7 + B + C, via U4:1, uart0-tx, adapter output.
    pub const RXD: u8 = 0;
    /// RTS: J1 pin D, via U3:2, uart0-cts, adapter input.
    pub const RTS: u8 = 2;
    /// DTR: J1 pin E, via U3:3, adapter input.
    pub const DTR: u8 = 4;
    /// DCD: J1 pin H, via U4:4, adapter output.
    pub const DCD: u8 = 6;
    /// CTS: J1 pin K, via U4:2, uart0-rts, adapter output.
    pub const CTS: u8 = 3;
}

/// `zx-plus3-printer`: Spectrum +2A/+3 printer port, Centronics capture.
pub mod zx_plus3_printer {
    /// /STROBE: J1 pin 1, via U3:1, adapter input. Active low.
    pub const STROBE: u8 = 12;
    /// D0: J1 pin 2, via U2:1, adapter input.
    pub const D0: u8 = 2;
    /// D1: J1 pin 3, via U2:2, adapter input.
    pub const D1: u8 = 3;
    /// D2: J1 pin 4, via U2:3, adapter input.
    pub const D2: u8 = 4;
    /// D3: J1 pin 5, via U2:4, adapter input.
    pub const D3: u8 = 5;
    /// D4: J1 pin 6, via U2:5, adapter input.
    pub const D4: u8 = 6;
    /// D5: J1 pin 7, via U2:6, adapter input.
    pub const D5: u8 = 7;
    /// D6: J1 pin 8, via U2:7, adapter input.
    pub const D6: u8 = 8;
    /// D7: J1 pin 9, via U2:8, adapter input.
    pub const D7: u8 = 9;
    /// /ACK: J1 pin 10, via U4:1, adapter output. Active low.
    pub const ACK: u8 = 13;
    /// BUSY: J1 pin 11, via U4:2, adapter output.
    pub const BUSY: u8 = 11;
    /// SELECT: J1 pin 13, via U4:3, adapter output.
    pub const SELECT: u8 = 14;
    /// /INIT: J1 pin 31, via U3:2, adapter input. Active low.
    pub const INIT: u8 = 15;
    /// /ERROR: J1 pin 32, via U4:4, adapter output. Active low.
    pub const ERROR: u8 = 16;
}

/// Every constant above as (variant, signal, GPIO), for the pin-map test.
pub const ALL: &[(&str, &str, u8)] = &[
    ("zx-if1-uart", "TXD", zx_if1_uart::TXD),
    ("zx-if1-uart", "RXD", zx_if1_uart::RXD),
    ("zx-if1-uart", "DTR", zx_if1_uart::DTR),
    ("zx-if1-uart", "CTS", zx_if1_uart::CTS),
    ("zx128-uart", "TXD", zx128_uart::TXD),
    ("zx128-uart", "RXD", zx128_uart::RXD),
    ("zx128-uart", "DTR", zx128_uart::DTR),
    ("zx128-uart", "CTS", zx128_uart::CTS),
    ("c64-parallel", "/PC2", c64_parallel::PC2),
    ("c64-parallel", "/FLAG2", c64_parallel::FLAG2),
    ("c64-parallel", "PB0", c64_parallel::PB0),
    ("c64-parallel", "PB1", c64_parallel::PB1),
    ("c64-parallel", "PB2", c64_parallel::PB2),
    ("c64-parallel", "PB3", c64_parallel::PB3),
    ("c64-parallel", "PB4", c64_parallel::PB4),
    ("c64-parallel", "PB5", c64_parallel::PB5),
    ("c64-parallel", "PB6", c64_parallel::PB6),
    ("c64-parallel", "PB7", c64_parallel::PB7),
    ("c64-parallel", "PA2", c64_parallel::PA2),
    ("c64-printer", "BUSY", c64_printer::BUSY),
    ("c64-printer", "D0", c64_printer::D0),
    ("c64-printer", "D1", c64_printer::D1),
    ("c64-printer", "D2", c64_printer::D2),
    ("c64-printer", "D3", c64_printer::D3),
    ("c64-printer", "D4", c64_printer::D4),
    ("c64-printer", "D5", c64_printer::D5),
    ("c64-printer", "D6", c64_printer::D6),
    ("c64-printer", "D7", c64_printer::D7),
    ("c64-printer", "/STROBE", c64_printer::STROBE),
    ("c64-rs232-kernal", "RXD", c64_rs232_kernal::RXD),
    ("c64-rs232-kernal", "RTS", c64_rs232_kernal::RTS),
    ("c64-rs232-kernal", "DTR", c64_rs232_kernal::DTR),
    ("c64-rs232-kernal", "DCD", c64_rs232_kernal::DCD),
    ("c64-rs232-kernal", "CTS", c64_rs232_kernal::CTS),
    ("c64-rs232-kernal", "DSR", c64_rs232_kernal::DSR),
    ("c64-rs232-kernal", "TXD", c64_rs232_kernal::TXD),
    ("c64-rs232-up9600", "TXD", c64_rs232_up9600::TXD),
    ("c64-rs232-up9600", "RXD", c64_rs232_up9600::RXD),
    ("c64-rs232-up9600", "RTS", c64_rs232_up9600::RTS),
    ("c64-rs232-up9600", "DTR", c64_rs232_up9600::DTR),
    ("c64-rs232-up9600", "DCD", c64_rs232_up9600::DCD),
    ("c64-rs232-up9600", "CTS", c64_rs232_up9600::CTS),
    ("zx-plus3-printer", "/STROBE", zx_plus3_printer::STROBE),
    ("zx-plus3-printer", "D0", zx_plus3_printer::D0),
    ("zx-plus3-printer", "D1", zx_plus3_printer::D1),
    ("zx-plus3-printer", "D2", zx_plus3_printer::D2),
    ("zx-plus3-printer", "D3", zx_plus3_printer::D3),
    ("zx-plus3-printer", "D4", zx_plus3_printer::D4),
    ("zx-plus3-printer", "D5", zx_plus3_printer::D5),
    ("zx-plus3-printer", "D6", zx_plus3_printer::D6),
    ("zx-plus3-printer", "D7", zx_plus3_printer::D7),
    ("zx-plus3-printer", "/ACK", zx_plus3_printer::ACK),
    ("zx-plus3-printer", "BUSY", zx_plus3_printer::BUSY),
    ("zx-plus3-printer", "SELECT", zx_plus3_printer::SELECT),
    ("zx-plus3-printer", "/INIT", zx_plus3_printer::INIT),
    ("zx-plus3-printer", "/ERROR", zx_plus3_printer::ERROR),
];
