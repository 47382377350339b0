//! MOS 6526 CIA: ports A/B with DDRs, timers A/B, the interrupt control register and the
//! serial data register at byte level. TOD is kept as plain registers (nothing here uses it).

/// ICR bits.
pub const ICR_TA: u8 = 0x01;
pub const ICR_TB: u8 = 0x02;
pub const ICR_SP: u8 = 0x08;
pub const ICR_FLAG: u8 = 0x10;

const CR_START: u8 = 0x01;
const CR_ONESHOT: u8 = 0x08;
const CR_LOAD: u8 = 0x10;
/// CRA bit 6: serial port is output.
const CRA_SPMODE_OUT: u8 = 0x40;
/// CRB bits 5-6 = 10: timer B counts timer A underflows.
const CRB_COUNT_TA: u8 = 0x40;

/// Timer A underflows per SDR byte: the CNT line toggles on each, one bit every two.
const UNDERFLOWS_PER_BYTE: u32 = 16;

#[derive(Debug, Clone, Copy, Default)]
struct Timer {
    counter: u16,
    latch: u16,
    control: u8,
}

impl Timer {
    #[inline]
    fn running(&self) -> bool {
        self.control & CR_START != 0
    }

    /// Counts `n` clocks; returns the underflows.
    #[inline]
    fn count(&mut self, n: u64) -> u64 {
        if n <= u64::from(self.counter) {
            self.counter -= n as u16;
            return 0;
        }
        let left = n - u64::from(self.counter) - 1;
        if self.control & CR_ONESHOT != 0 {
            self.counter = self.latch;
            self.control &= !CR_START;
            return 1;
        }
        let period = u64::from(self.latch) + 1;
        self.counter = self.latch - (left % period) as u16;
        1 + left / period
    }
}

/// One 6526.
#[derive(Debug, Clone, Default)]
pub struct Cia {
    pub pra: u8,
    pub prb: u8,
    pub ddra: u8,
    pub ddrb: u8,
    /// What the outside world drives on the ports (1 = released, pulled up).
    pub port_a_in: u8,
    pub port_b_in: u8,
    ta: Timer,
    tb: Timer,
    tod: [u8; 4],
    sdr: u8,
    icr_data: u8,
    icr_mask: u8,
    /// Output mode: the byte shifting out and the timer A underflows it still needs.
    shifting: Option<(u8, u32)>,
    /// A byte written while another shifts (the 6526 buffers one).
    sdr_queued: Option<u8>,
    /// Bytes fully shifted out, for the serial line to take.
    pub shifted_out: Vec<u8>,
    /// Received bytes that overwrote an unread one.
    pub sdr_overruns: u64,
}

impl Cia {
    pub fn new() -> Self {
        Cia {
            port_a_in: 0xFF,
            port_b_in: 0xFF,
            ta: Timer {
                counter: 0xFFFF,
                latch: 0xFFFF,
                control: 0,
            },
            tb: Timer {
                counter: 0xFFFF,
                latch: 0xFFFF,
                control: 0,
            },
            ..Cia::default()
        }
    }

    /// Port A as seen on the pins.
    #[inline]
    pub fn port_a(&self) -> u8 {
        (self.pra & self.ddra) | (self.port_a_in & !self.ddra)
    }

    #[inline]
    pub fn port_b(&self) -> u8 {
        (self.prb & self.ddrb) | (self.port_b_in & !self.ddrb)
    }

    /// The /IRQ output (CIA1 → IRQ, CIA2 → NMI on a C64).
    #[inline]
    pub fn irq(&self) -> bool {
        self.icr_data & self.icr_mask != 0
    }

    #[inline]
    pub fn interrupt(&mut self, bits: u8) {
        self.icr_data |= bits;
    }

    /// Whether the timers or the shift register need clocking.
    #[inline]
    pub fn busy(&self) -> bool {
        self.ta.running() || self.tb.running()
    }

    /// Advances `n` φ2 clocks.
    #[inline]
    pub fn clock(&mut self, n: u64) {
        let mut ta_underflows = 0;
        if self.ta.running() {
            ta_underflows = self.ta.count(n);
            if ta_underflows > 0 {
                self.icr_data |= ICR_TA;
                self.shift(ta_underflows);
            }
        }
        if self.tb.running() {
            let clocks = if self.tb.control & 0x60 == CRB_COUNT_TA {
                ta_underflows
            } else if self.tb.control & 0x60 == 0 {
                n
            } else {
                0 // CNT input: nothing drives CNT here
            };
            if clocks > 0 && self.tb.count(clocks) > 0 {
                self.icr_data |= ICR_TB;
            }
        }
    }

    fn shift(&mut self, underflows: u64) {
        let Some((byte, left)) = self.shifting.as_mut() else {
            return;
        };
        let step = underflows.min(u64::from(*left)) as u32;
        *left -= step;
        if *left == 0 {
            let byte = *byte;
            self.shifted_out.push(byte);
            self.icr_data |= ICR_SP;
            self.shifting = self
                .sdr_queued
                .take()
                .map(|next| (next, UNDERFLOWS_PER_BYTE));
        }
    }

    /// A byte shifted in from outside (input mode): lands in the SDR and sets ICR SP.
    pub fn receive_serial(&mut self, byte: u8) {
        if self.icr_data & ICR_SP != 0 && self.cra() & CRA_SPMODE_OUT == 0 {
            self.sdr_overruns += 1;
        }
        self.sdr = byte;
        self.icr_data |= ICR_SP;
    }

    /// Whether the SDR is in output mode.
    pub fn sdr_output(&self) -> bool {
        self.cra() & CRA_SPMODE_OUT != 0
    }

    /// A /FLAG falling edge.
    pub fn flag(&mut self) {
        self.icr_data |= ICR_FLAG;
    }

    fn cra(&self) -> u8 {
        self.ta.control
    }

    /// A CPU read: reading the ICR clears it.
    #[inline]
    pub fn read(&mut self, reg: u8) -> u8 {
        let v = self.peek(reg);
        if reg & 0x0F == 0x0D {
            self.icr_data = 0;
        }
        v
    }

    /// A read without side effects.
    pub fn peek(&self, reg: u8) -> u8 {
        match reg & 0x0F {
            0x0 => self.port_a(),
            0x1 => self.port_b(),
            0x2 => self.ddra,
            0x3 => self.ddrb,
            0x4 => self.ta.counter as u8,
            0x5 => (self.ta.counter >> 8) as u8,
            0x6 => self.tb.counter as u8,
            0x7 => (self.tb.counter >> 8) as u8,
            r @ 0x8..=0xB => self.tod[usize::from(r - 8)],
            0xC => self.sdr,
            0xD => {
                let irq = if self.irq() { 0x80 } else { 0 };
                self.icr_data | irq
            }
            0xE => self.ta.control & !CR_LOAD,
            _ => self.tb.control & !CR_LOAD,
        }
    }

    pub fn write(&mut self, reg: u8, v: u8) {
        match reg & 0x0F {
            0x0 => self.pra = v,
            0x1 => self.prb = v,
            0x2 => self.ddra = v,
            0x3 => self.ddrb = v,
            0x4 => self.ta.latch = (self.ta.latch & 0xFF00) | u16::from(v),
            0x5 => write_latch_hi(&mut self.ta, v),
            0x6 => self.tb.latch = (self.tb.latch & 0xFF00) | u16::from(v),
            0x7 => write_latch_hi(&mut self.tb, v),
            r @ 0x8..=0xB => self.tod[usize::from(r - 8)] = v,
            0xC => {
                self.sdr = v;
                if self.sdr_output() {
                    if self.shifting.is_none() {
                        self.shifting = Some((v, UNDERFLOWS_PER_BYTE));
                    } else {
                        self.sdr_queued = Some(v);
                    }
                }
            }
            0xD => {
                if v & 0x80 != 0 {
                    self.icr_mask |= v & 0x1F;
                } else {
                    self.icr_mask &= !(v & 0x1F);
                }
            }
            0xE => write_control(&mut self.ta, v),
            _ => write_control(&mut self.tb, v),
        }
    }
}

fn write_latch_hi(t: &mut Timer, v: u8) {
    t.latch = (t.latch & 0x00FF) | (u16::from(v) << 8);
    if !t.running() {
        t.counter = t.latch;
    }
}

fn write_control(t: &mut Timer, v: u8) {
    if v & CR_LOAD != 0 {
        t.counter = t.latch;
    }
    t.control = v & !CR_LOAD;
}
