//! The Z80's view of the machine: memory, ports and the clock.
//!
//! The clock lives here: the CPU reports every T-state it spends through the `wait_*` calls,
//! so a port access knows the exact T-state it happens at.

use rustzx_z80::Z80Bus;

use super::memory::Memory;
use super::timing::Timing;
use crate::keyboard::Matrix;
use crate::printer::{SerialPrinter, ZxPrinter};
use crate::serial::SerialLink;
use crate::Model;

/// Events the run loop looks at after each instruction.
pub(crate) const EVENT_FRAME: u8 = 1;
pub(crate) const EVENT_TRAP: u8 = 2;
pub(crate) const EVENT_EXIT: u8 = 4;

/// Writing a byte to this port ends the run with that byte as exit code (`OUT 57087,n`).
pub const EXIT_PORT: u16 = 0xDEFF;

/// The 128K ROM's default RS232 speed.
pub const SERIAL_BAUD: u32 = 9600;
const AY_PORT_A: u8 = 14;

/// One bit per address: where the run loop wants control before the instruction runs.
#[derive(Clone)]
pub(crate) struct TrapMap(Box<[u64; 1024]>);

impl TrapMap {
    pub fn new() -> Self {
        TrapMap(Box::new([0; 1024]))
    }
    pub fn set(&mut self, addr: u16) {
        self.0[(addr >> 6) as usize] |= 1 << (addr & 63);
    }
    pub fn clear(&mut self, addr: u16) {
        self.0[(addr >> 6) as usize] &= !(1 << (addr & 63));
    }
    #[inline(always)]
    pub fn contains(&self, addr: u16) -> bool {
        self.0[(addr >> 6) as usize] & (1 << (addr & 63)) != 0
    }
}

#[derive(Clone)]
pub(crate) struct Bus {
    pub model: Model,
    pub timing: Timing,
    pub mem: Memory,
    /// T-states since power on at the start of the current frame.
    pub frame_start: u64,
    /// T-states into the current frame.
    pub frame_t: u32,
    pub frames: u64,
    pub events: u8,
    pub matrix: Matrix,
    pub border: u8,
    pub printer: ZxPrinter,
    /// The 128K's RS232 text printer.
    pub serial: SerialPrinter,
    /// A serial port to a remote; on the AY it replaces the printer.
    pub link: Option<SerialLink>,
    pub exit_code: Option<u8>,
    pub keyboard_read: bool,
    pub traps: TrapMap,
    pub trap_pc: u16,
    ay_selected: u8,
    ay_regs: [u8; 16],
}

impl Bus {
    pub fn new(model: Model, mem: Memory, printer: ZxPrinter) -> Self {
        Bus {
            model,
            timing: Timing::of(model),
            mem,
            frame_start: 0,
            frame_t: 0,
            frames: 0,
            events: 0,
            matrix: Matrix::default(),
            border: 7,
            serial: SerialPrinter::new(SERIAL_BAUD, Timing::of(model).clock_hz),
            link: None,
            printer,
            exit_code: None,
            keyboard_read: false,
            traps: TrapMap::new(),
            trap_pc: 0,
            ay_selected: 0,
            ay_regs: [0; 16],
        }
    }

    /// T-states since power on.
    #[inline(always)]
    pub fn now(&self) -> u64 {
        self.frame_start + self.frame_t as u64
    }

    #[inline(always)]
    pub fn tick(&mut self, tstates: u32) {
        self.frame_t += tstates;
        if self.frame_t >= self.timing.frame_tstates {
            self.frame_t -= self.timing.frame_tstates;
            self.frame_start += self.timing.frame_tstates as u64;
            self.frames += 1;
            self.events |= EVENT_FRAME;
        }
    }

    /// What AY port A (register 14) holds: the 128K RS-232 lines the program last set.
    pub fn ay_port_a(&self) -> u8 {
        self.ay_regs[AY_PORT_A as usize]
    }

    /// Jumps the clock to the start of the next frame (a halted CPU has nothing to do until then).
    pub fn skip_to_next_frame(&mut self) -> u32 {
        let skipped = self.timing.frame_tstates - self.frame_t;
        self.tick(skipped);
        skipped
    }

    fn read_port(&mut self, port: u16) -> u8 {
        if port & 1 == 0 {
            let high = (port >> 8) as u8;
            if high != 0xFF {
                self.keyboard_read = true;
            }
            // Bits 5 and 7 float high; no tape signal on EAR (bit 6).
            return 0xA0 | self.matrix.read(high);
        }
        let now = self.now();
        if let Some(link) = &mut self.link {
            // Before the ZX Printer, which also decodes the Next's ports (A2 low).
            if let Some(value) = link.read(port, now) {
                return value;
            }
        }
        if self.printer.decodes(port) {
            return self.printer.read(self.now());
        }
        if self.model == Model::Spectrum128K && port & 0xC002 == 0xC000 {
            let register = self.ay_selected & 15;
            if register == AY_PORT_A {
                if let Some(value) = self.link.as_mut().and_then(|l| l.read_ay_port_a(now)) {
                    return value;
                }
                return self.serial.port_a_inputs();
            }
            return self.ay_regs[register as usize];
        }
        0xFF
    }

    fn write_port(&mut self, port: u16, value: u8) {
        if port & 1 == 0 {
            self.border = value & 7;
        }
        let now = self.now();
        if let Some(link) = &mut self.link {
            if link.write(port, value, now) {
                return;
            }
        }
        if self.printer.decodes(port) {
            self.printer.write(value, now);
        }
        if port == EXIT_PORT {
            self.exit_code = Some(value);
            self.events |= EVENT_EXIT;
        }
        if self.model == Model::Spectrum128K {
            if port & 0x8002 == 0 {
                self.mem.write_7ffd(value);
            } else if port & 0xC002 == 0xC000 {
                self.ay_selected = value;
            } else if port & 0xC002 == 0x8000 {
                let register = self.ay_selected & 15;
                self.ay_regs[register as usize] = value;
                if register == AY_PORT_A
                    && !self
                        .link
                        .as_mut()
                        .is_some_and(|l| l.write_ay_port_a(value, now))
                {
                    self.serial.write_port_a(value, now);
                }
            }
        }
    }
}

impl Z80Bus for Bus {
    #[inline(always)]
    fn read_internal(&mut self, addr: u16) -> u8 {
        self.mem.read(addr)
    }

    #[inline(always)]
    fn write_internal(&mut self, addr: u16, data: u8) {
        self.mem.write(addr, data)
    }

    // No memory contention: timing is the uncontended Z80's, which is deterministic and close
    // enough for printers and serial ports (they run off their own clocks, sampled by T-state).
    #[inline(always)]
    fn wait_mreq(&mut self, _addr: u16, clk: usize) {
        self.tick(clk as u32);
    }

    #[inline(always)]
    fn wait_no_mreq(&mut self, _addr: u16, clk: usize) {
        self.tick(clk as u32);
    }

    #[inline(always)]
    fn wait_internal(&mut self, clk: usize) {
        self.tick(clk as u32);
    }

    #[inline(always)]
    fn wait_loop(&mut self, _addr: u16, clk: usize) {
        self.tick(clk as u32);
    }

    fn read_io(&mut self, port: u16) -> u8 {
        // The I/O cycle: the port is sampled at its third T-state.
        self.tick(3);
        let value = self.read_port(port);
        self.tick(1);
        value
    }

    fn write_io(&mut self, port: u16, data: u8) {
        self.tick(3);
        self.write_port(port, data);
        self.tick(1);
    }

    fn read_interrupt(&mut self) -> u8 {
        0xFF
    }

    fn reti(&mut self) {}

    fn halt(&mut self, _halted: bool) {}

    #[inline(always)]
    fn int_active(&self) -> bool {
        self.frame_t < self.timing.int_tstates
    }

    fn nmi_active(&self) -> bool {
        false
    }

    #[inline(always)]
    fn pc_callback(&mut self, addr: u16) {
        if self.traps.contains(addr) {
            self.trap_pc = addr;
            self.events |= EVENT_TRAP;
        }
    }
}
