//! MOS 6551 ACIA as on a SwiftLink cartridge ($DE00-$DE03, mirrored through $DEFF). The
//! SwiftLink's 3.6864 MHz crystal doubles the 6551's standard rates, so control code 15 is
//! 38400 baud. Bytes move whole: a write to the data register is on the wire for one byte
//! time at the set baud; a byte from the peer sets RDRF when its stop bit ends.

use crate::serial::cycles_per_byte;

pub const STATUS_OVERRUN: u8 = 0x04;
pub const STATUS_RDRF: u8 = 0x08;
pub const STATUS_TDRE: u8 = 0x10;
pub const STATUS_IRQ: u8 = 0x80;

/// Command bit 0: DTR on, receiver and transmitter enabled.
const CMD_DTR: u8 = 0x01;
/// Command bit 1: receive interrupts disabled.
const CMD_RX_IRQ_OFF: u8 = 0x02;

/// SwiftLink baud for control register bits 0-3 (code 0, the external clock, is taken as 38400).
pub const SWIFTLINK_BAUD: [u32; 16] = [
    38400, 100, 150, 220, 269, 300, 600, 1200, 2400, 3600, 4800, 7200, 9600, 14400, 19200, 38400,
];

#[derive(Debug, Clone)]
pub struct Acia6551 {
    clock_hz: u64,
    rx_data: u8,
    status: u8,
    command: u8,
    control: u8,
    /// The byte written last and when its transmission ends.
    tx: Option<(u8, u64)>,
    /// A byte written while another was on the wire (the transmit data register).
    tx_holding: Option<u8>,
    /// Bytes fully sent, for the peer.
    pub sent: Vec<u8>,
    pub overruns: u64,
}

impl Acia6551 {
    pub fn new(clock_hz: u64) -> Self {
        Acia6551 {
            clock_hz,
            rx_data: 0,
            status: STATUS_TDRE,
            command: 0,
            control: 0,
            tx: None,
            tx_holding: None,
            sent: Vec::new(),
            overruns: 0,
        }
    }

    pub fn baud(&self) -> u32 {
        SWIFTLINK_BAUD[usize::from(self.control & 0x0F)]
    }

    pub fn cycles_per_byte(&self) -> u64 {
        cycles_per_byte(self.clock_hz, self.baud())
    }

    /// Whether the receiver is on (DTR); while off, bytes wait on the line.
    pub fn receiver_ready(&self) -> bool {
        self.command & CMD_DTR != 0
    }

    /// Finishes transmissions due by `now`.
    #[inline]
    pub fn clock(&mut self, now: u64) {
        while let Some((b, done)) = self.tx {
            if done > now {
                break;
            }
            self.sent.push(b);
            self.tx = self
                .tx_holding
                .take()
                .map(|next| (next, done + self.cycles_per_byte()));
        }
        if self.tx_holding.is_none() {
            self.status |= STATUS_TDRE;
        }
    }

    /// A byte whose stop bit has ended.
    pub fn receive(&mut self, byte: u8) {
        if self.status & STATUS_RDRF != 0 {
            self.status |= STATUS_OVERRUN;
            self.overruns += 1;
            return;
        }
        self.rx_data = byte;
        self.status |= STATUS_RDRF;
    }

    /// The IRQ output (wired to NMI on a SwiftLink).
    pub fn irq(&self) -> bool {
        self.command & (CMD_DTR | CMD_RX_IRQ_OFF) == CMD_DTR && self.status & STATUS_RDRF != 0
    }

    pub fn peek(&self, reg: u8) -> u8 {
        match reg & 3 {
            0 => self.rx_data,
            1 => self.status | if self.irq() { STATUS_IRQ } else { 0 },
            2 => self.command,
            _ => self.control,
        }
    }

    /// A CPU read: reading data clears RDRF and overrun.
    pub fn read(&mut self, reg: u8) -> u8 {
        let v = self.peek(reg);
        if reg & 3 == 0 {
            self.status &= !(STATUS_RDRF | STATUS_OVERRUN);
        }
        v
    }

    pub fn write(&mut self, reg: u8, v: u8, now: u64) {
        match reg & 3 {
            0 => self.transmit(v, now),
            // Programmed reset.
            1 => {
                self.command &= 0xE0;
                self.status &= !STATUS_OVERRUN;
            }
            2 => self.command = v,
            _ => self.control = v,
        }
    }

    fn transmit(&mut self, v: u8, now: u64) {
        self.clock(now);
        if self.tx.is_none() {
            self.tx = Some((v, now + self.cycles_per_byte()));
        } else {
            // Overwrites an unsent holding byte, as the real register would.
            self.tx_holding = Some(v);
            self.status &= !STATUS_TDRE;
        }
    }
}
