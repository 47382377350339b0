//! The C64: CPU, bus, trap table, the run loop with its ends, and the cycle clock.

mod boot;
pub(crate) mod bus;
mod cycles;
mod service;

use mos6502::cpu::{WaitState, CPU};
use mos6502::instruction::Nmos6502;
use mos6502::memory::Bus as _;
use mos6502::registers::{StackPointer, Status};

pub use boot::{BootError, READY_PC};

use crate::acia::Acia6551;
use crate::kernal::{self, KernalState};
use crate::prg::{self, Prg, PrgError};
use crate::roms::Roms;
use crate::serial::{SerialLine, SerialPeer, SerialPort};
use crate::userport::UserPortDevice;
use crate::{EXCHANGE_CYCLES, PAL_CLOCK_HZ};

use bus::C64Bus;
use cycles::{crosses, is_jam, rmw_indexing, Indexed};

/// What the machine is.
#[derive(Debug, Clone, Default)]
pub struct C64Config {
    /// User-supplied ROMs; `None` runs the trap KERNAL.
    pub roms: Option<Roms>,
    /// A SwiftLink 6551 at $DE00.
    pub swiftlink: bool,
}

/// Why a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// The cycle budget was used up.
    Budget,
    /// The code started by [`C64::sys`] returned (or, for [`C64::run_basic`], BASIC is back
    /// at READY).
    Returned,
    /// The CPU hit a halting opcode.
    Jammed { pc: u16, opcode: u8 },
    /// A peer or a trap asked to stop.
    Stopped(String),
}

/// Where `sys` makes RTS land: the IRQ vector's high byte, never executed otherwise.
const SENTINEL_PC: u16 = 0xFFFF;
/// How often (cycles) serial lines move bytes between peer exchanges.
const SERVICE_CYCLES: u64 = 16;

pub struct C64 {
    pub(crate) cpu: CPU<C64Bus, Nmos6502>,
    /// Addresses where the run loop stops to look: traps, the sentinel, READY.
    trap_bits: Box<[u64; 1024]>,
    pub(crate) kernal: KernalState,
    pub(crate) real_roms: bool,
    /// Lines in `SerialPort` order: Kernal, Up9600, SwiftLink.
    pub(crate) lines: [SerialLine; 3],
    sys_armed: bool,
    stop_at_ready: bool,
    next_service: u64,
    next_exchange: u64,
}

impl C64 {
    pub fn new(config: C64Config) -> C64 {
        let real_roms = config.roms.is_some();
        let bus = match config.roms {
            Some(roms) => C64Bus::new(
                roms.kernal.into_boxed_slice(),
                Some(roms.basic.into_boxed_slice()),
                roms.chargen.into_boxed_slice(),
            ),
            None => C64Bus::new(
                kernal::image::build().into_boxed_slice(),
                None,
                vec![0; 4096].into_boxed_slice(),
            ),
        };
        let mut cpu = CPU::new(bus, Nmos6502);
        if config.swiftlink {
            cpu.memory.acia = Some(Acia6551::new(PAL_CLOCK_HZ));
        }
        let up9600 = crate::serial::cycles_per_byte(PAL_CLOCK_HZ, 9600);
        let mut c64 = C64 {
            cpu,
            trap_bits: Box::new([0; 1024]),
            kernal: KernalState::default(),
            real_roms,
            lines: [
                SerialLine::new(crate::serial::cycles_per_byte(PAL_CLOCK_HZ, 1200)),
                SerialLine::new(up9600),
                SerialLine::new(crate::serial::cycles_per_byte(PAL_CLOCK_HZ, 38400)),
            ],
            sys_armed: false,
            stop_at_ready: false,
            next_service: 0,
            next_exchange: EXCHANGE_CYCLES,
        };
        for addr in kernal::trap_addresses(real_roms) {
            c64.set_trap_bit(addr);
        }
        c64.set_trap_bit(SENTINEL_PC);
        c64.set_trap_bit(READY_PC);
        if real_roms {
            c64.cpu.reset();
        } else {
            kernal::init_ram(&mut c64);
            c64.cpu.registers.stack_pointer = StackPointer(0xFF);
            c64.cpu.registers.status = Status::PS_UNUSED;
            c64.cpu.registers.program_counter = kernal::IDLE_PC;
        }
        c64
    }

    fn set_trap_bit(&mut self, addr: u16) {
        self.trap_bits[usize::from(addr >> 6)] |= 1 << (addr & 63);
    }

    #[inline]
    fn trap_bit(&self, addr: u16) -> bool {
        self.trap_bits[usize::from(addr >> 6)] & (1 << (addr & 63)) != 0
    }

    /// 2-byte little-endian load address + data; errors for < 3 bytes, running past $FFFF,
    /// or loading over I/O ($D000-$DFFF) — PrgError names which. Bytes go to RAM (also
    /// under ROM), as KERNAL LOAD does.
    pub fn load_prg(&mut self, prg: &[u8]) -> Result<Prg, PrgError> {
        let (load, data) = prg::parse(prg)?;
        let start = usize::from(load);
        self.cpu.memory.ram[start..start + data.len()].copy_from_slice(data);
        Ok(Prg {
            load,
            end: (start + data.len()) as u16,
        })
    }

    /// Calls machine code at `addr` like BASIC's SYS: pushes a return sentinel; `run` ends
    /// with RunEnd::Returned when that RTS happens.
    pub fn sys(&mut self, addr: u16) {
        let [lo, hi] = (SENTINEL_PC - 1).to_le_bytes();
        self.push(hi);
        self.push(lo);
        self.cpu.registers.program_counter = addr;
        self.sys_armed = true;
    }

    pub(crate) fn push(&mut self, v: u8) {
        let sp = self.cpu.registers.stack_pointer.0;
        self.cpu.memory.ram[0x100 | usize::from(sp)] = v;
        self.cpu.registers.stack_pointer.0 = sp.wrapping_sub(1);
    }

    pub(crate) fn pull(&mut self) -> u8 {
        let sp = self.cpu.registers.stack_pointer.0.wrapping_add(1);
        self.cpu.registers.stack_pointer.0 = sp;
        self.cpu.memory.ram[0x100 | usize::from(sp)]
    }

    /// Does what RTS does, with its 6 cycles.
    pub(crate) fn rts(&mut self) {
        let lo = self.pull();
        let hi = self.pull();
        self.cpu.registers.program_counter = u16::from_le_bytes([lo, hi]).wrapping_add(1);
        self.cpu.cycles += 6;
    }

    /// Runs until `limit_cycles` more cycles have passed or another end. Attached peers are
    /// exchanged with every emulated millisecond (985 cycles).
    pub fn run(&mut self, limit_cycles: u64) -> RunEnd {
        let end = self.cpu.cycles.saturating_add(limit_cycles);
        loop {
            let now = self.cpu.cycles;
            if now >= self.next_service {
                if let Some(reason) = self.service(now) {
                    return RunEnd::Stopped(reason);
                }
                self.next_service = if self.serial_active() {
                    now + SERVICE_CYCLES
                } else {
                    self.next_exchange
                };
            }
            if now >= end {
                return RunEnd::Budget;
            }
            let pc = self.cpu.registers.program_counter;
            if self.trap_bit(pc) {
                if let Some(run_end) = self.at_marked(pc) {
                    return run_end;
                }
                if self.cpu.registers.program_counter != pc || self.cpu.cycles != now {
                    self.after_instruction(now);
                    continue;
                }
            }
            let opcode = self.cpu.memory.peek(pc);
            if is_jam(opcode) {
                return RunEnd::Jammed { pc, opcode };
            }
            let overcount = self.rmw_overcount(opcode, pc);
            self.cpu.memory.now = now;
            let executed = self.cpu.single_step();
            if self.cpu.wait_state() != WaitState::Running {
                return RunEnd::Jammed { pc, opcode };
            }
            if !executed {
                // mos6502 leaves out the unstable opcodes ($93 $9B $9C $9E $9F $AB).
                return RunEnd::Stopped(format!(
                    "unstable opcode ${opcode:02X} at ${pc:04X} is not emulated; avoid SHA/TAS/SHX/SHY/LXA"
                ));
            }
            self.cpu.cycles -= overcount;
            self.after_instruction(now);
        }
    }

    /// A marked address: the sys sentinel, READY, or a trap. Traps that handle the call move
    /// PC (or, while blocked, the clock).
    fn at_marked(&mut self, pc: u16) -> Option<RunEnd> {
        if pc == SENTINEL_PC && self.sys_armed {
            self.sys_armed = false;
            return Some(RunEnd::Returned);
        }
        if pc == READY_PC && self.stop_at_ready && self.real_roms {
            self.stop_at_ready = false;
            return Some(RunEnd::Returned);
        }
        if self.cpu.memory.kernal_mapped() && pc >= 0xE000 {
            return kernal::trap(self, pc);
        }
        None
    }

    fn rmw_overcount(&mut self, opcode: u8, pc: u16) -> u64 {
        let bus = &self.cpu.memory;
        let word = |a: u16| u16::from_le_bytes([bus.peek(a), bus.peek(a.wrapping_add(1))]);
        let r = &self.cpu.registers;
        let crossed = match rmw_indexing(opcode) {
            Indexed::No => return 0,
            Indexed::AbsX => crosses(word(pc.wrapping_add(1)), r.index_x),
            Indexed::AbsY => crosses(word(pc.wrapping_add(1)), r.index_y),
            Indexed::IndY => {
                let zp = bus.peek(pc.wrapping_add(1));
                let base = u16::from_le_bytes([
                    bus.peek(u16::from(zp)),
                    bus.peek(u16::from(zp.wrapping_add(1))),
                ]);
                crosses(base, r.index_y)
            }
        };
        u64::from(crossed)
    }

    /// Whether any serial path needs servicing between exchanges.
    fn serial_active(&self) -> bool {
        self.cpu.memory.acia.is_some()
            || self.lines.iter().any(|l| l.peer.is_some())
            || self.cpu.memory.cia1.sdr_output()
    }

    /// Clocks the CIAs and steps the user-port device.
    #[inline]
    fn after_instruction(&mut self, before: u64) {
        let elapsed = self.cpu.cycles - before;
        let bus = &mut self.cpu.memory;
        if bus.cia1.busy() {
            bus.cia1.clock(elapsed);
        }
        if bus.cia2.busy() {
            bus.cia2.clock(elapsed);
        }
        if bus.userport.device.is_some() {
            let pa2 = bus.cia2.ddra & 4 == 0 || bus.cia2.pra & 4 != 0;
            let (pb, ddr) = (bus.cia2.prb, bus.cia2.ddrb);
            if bus.userport.step(self.cpu.cycles, pb, ddr, pa2) {
                bus.cia2.flag();
            }
            bus.cia2.port_b_in = bus.userport.input.pb;
        } else {
            bus.userport.pc2_pending = false;
        }
    }

    pub fn cycles(&self) -> u64 {
        self.cpu.cycles
    }

    /// Reads as the CPU would with the current banking, without side effects.
    pub fn peek(&self, addr: u16) -> u8 {
        self.cpu.memory.peek(addr)
    }

    /// Writes as the CPU would (RAM under ROM; I/O registers at $D000-$DFFF when mapped).
    pub fn poke(&mut self, addr: u16, v: u8) {
        self.cpu.memory.now = self.cpu.cycles;
        self.cpu.memory.set_byte(addr, v);
    }

    pub fn set_registers(&mut self, a: u8, x: u8, y: u8) {
        let r = &mut self.cpu.registers;
        (r.accumulator, r.index_x, r.index_y) = (a, x, y);
    }

    /// (A, X, Y, P, PC, SP).
    pub fn registers(&self) -> (u8, u8, u8, u8, u16, u8) {
        let r = &self.cpu.registers;
        (
            r.accumulator,
            r.index_x,
            r.index_y,
            r.status.bits(),
            r.program_counter,
            r.stack_pointer.0,
        )
    }

    /// Sets PC (for tests and loaders that jump rather than call).
    pub fn set_pc(&mut self, pc: u16) {
        self.cpu.registers.program_counter = pc;
    }

    pub fn attach_user_port(&mut self, device: Box<dyn UserPortDevice>) {
        self.cpu.memory.userport.device = Some(device);
    }

    /// `SerialPort::SwiftLink` needs `C64Config::swiftlink`; without it the peer never hears
    /// anything.
    pub fn attach_serial(&mut self, port: SerialPort, peer: Box<dyn SerialPeer>) {
        self.lines[port as usize].peer = Some(peer);
    }

    /// Bytes sent to IEC device 4 through the KERNAL (trap).
    pub fn printer_output(&self) -> &[u8] {
        &self.kernal.printer
    }

    /// PETSCII bytes the trap KERNAL printed to the screen (device 3).
    pub fn screen_output(&self) -> &[u8] {
        &self.kernal.screen
    }

    /// The 6551 on a SwiftLink, when configured.
    pub fn acia(&self) -> Option<&Acia6551> {
        self.cpu.memory.acia.as_ref()
    }

    /// Received bytes that overwrote an unread byte in CIA2's SDR (UP9600 overruns).
    pub fn up9600_overruns(&self) -> u64 {
        self.cpu.memory.cia2.sdr_overruns
    }
}
