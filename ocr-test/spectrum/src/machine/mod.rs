//! The Spectrum: CPU, bus, the keyboard typist, the tape deck, and the run loop with its stop
//! conditions.

mod bus;
mod memory;
mod registers;
mod timing;

use std::collections::VecDeque;

use image::RgbImage;
use rustzx_z80::Z80;

pub use bus::EXIT_PORT;
pub use timing::Timing;

use bus::{Bus, EVENT_EXIT, EVENT_FRAME, EVENT_TRAP};
use memory::Memory;

use crate::charset::Charset;
use crate::formats::tap::{TapBlock, Tape};
use crate::formats::Snapshot;
use crate::keyboard::{Chord, TypeWhen, Typist};
use crate::printer::{PrinterKind, Printout, SerialOutput, ZxPrinter};
use crate::rom::{load_roms, RomError, RomSource};
use crate::serial::{SerialConfig, SerialHardware, SerialLink, SerialPeer, SerialStats};
use crate::{screen, Model};

/// ROM addresses shared by the Sinclair 48K ROM (ROM 1 of the 128K) and OpenSE BASIC.
const LD_BYTES: u16 = 0x0556;
const WAIT_KEY1: u16 = 0x15DE;
const FLAGX: u16 = 0x5C71;
/// The current channel's record; its input routine is the word at +2.
const CURCHL: u16 = 0x5C51;
/// The channel area; its first record is the keyboard's ("K").
const CHANS: u16 = 0x5C4F;
/// The 128 BASIC editor's key wait, in the 128K's ROM 0.
const EDITOR_128_WAIT: u16 = 0x25E3;
/// Frames the keyboard must be scanned in a row before the ROM counts as booted.
const BOOTED_AFTER_SCANNED_FRAMES: u32 = 10;
/// No ROM takes longer than this to reach its keyboard loop.
const BOOT_LIMIT_SECS: f64 = 10.0;

/// What the machine is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MachineConfig {
    pub model: Model,
    pub rom: RomSource,
    pub printer: PrinterKind,
    /// 128K only: choose 48 BASIC from the start-up menu, where LPRINT, LLIST and COPY drive
    /// the ZX Printer as on a 48K.
    pub basic48: bool,
}

/// When a run stops. The emulated-time budget always applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopWhen {
    pub budget_tstates: u64,
    pub breakpoints: Vec<u16>,
    /// Stop once the printer has printed and then stood still this long.
    pub printer_idle_tstates: Option<u64>,
    /// Stop when the BASIC program returns to the editor.
    pub program_end: bool,
}

impl StopWhen {
    pub fn budget_secs(model: Model, secs: f64) -> Self {
        StopWhen {
            budget_tstates: Timing::of(model).tstates_from_secs(secs),
            breakpoints: Vec::new(),
            printer_idle_tstates: None,
            program_end: true,
        }
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// BASIC returned to the editor; `report` is the report line, e.g. `0 OK, 30:1`.
    ProgramEnded {
        report: String,
    },
    /// The program wrote its exit code to [`EXIT_PORT`].
    ExitCode(u8),
    Breakpoint(u16),
    PrinterIdle,
    /// The caller's observer asked to stop (e.g. an end marker was printed).
    Observer(String),
    /// The emulated-time budget ran out.
    Budget,
    /// The program asked for another tape block and the tape had none left.
    TapeEnded,
    /// The ROM is waiting for INPUT and no keys are left to type.
    InputStarved,
}

impl StopReason {
    /// Whether this ending counts as the program running to completion.
    pub fn is_completion(&self) -> bool {
        match self {
            // Sinclair reports carry a code ("0 OK", "9 STOP statement"); OpenSE's do not ("OK").
            StopReason::ProgramEnded { report } => ["0 ", "9 ", "OK", "STOP"]
                .iter()
                .any(|ok| report.starts_with(ok)),
            StopReason::ExitCode(code) => *code == 0,
            StopReason::Breakpoint(_) | StopReason::PrinterIdle | StopReason::Observer(_) => true,
            StopReason::Budget | StopReason::TapeEnded | StopReason::InputStarved => false,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            StopReason::ProgramEnded { report } => {
                format!("program ended with report \"{report}\"")
            }
            StopReason::ExitCode(code) => {
                format!("program wrote exit code {code} to port {EXIT_PORT:#06x}")
            }
            StopReason::Breakpoint(pc) => format!("reached breakpoint {pc:#06x}"),
            StopReason::PrinterIdle => "printer went idle after printing".into(),
            StopReason::Observer(why) => why.clone(),
            StopReason::Budget => "emulated-time budget ran out".into(),
            StopReason::TapeEnded => {
                "the program asked for another tape block but the tape had ended".into()
            }
            StopReason::InputStarved => {
                "the program is waiting for INPUT and no keys are left to type: \
                add an input (--keys, [[inputs]]), or check that the last one was accepted"
                    .into()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub reason: StopReason,
    /// Emulated time this run took, in T-states and seconds.
    pub tstates: u64,
    pub secs: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MachineError {
    #[error(transparent)]
    Rom(#[from] RomError),
    #[error("the ROM did not reach its keyboard loop within {0} emulated seconds: is it a Spectrum ROM?")]
    NoBoot(f64),
    #[error(
        "snapshot is for a {snapshot:?} but the machine is a {machine:?}: pass --machine {hint}"
    )]
    ModelMismatch {
        snapshot: Model,
        machine: Model,
        hint: &'static str,
    },
    #[error(
        "the 128K RS-232 port (AY-3-8912 port A) is only on a 128K: use --machine 128k, \
        or another port (Interface 1 or Next UART)"
    )]
    SerialNeeds128K,
    #[error("serial port {hardware:?}: {problem}")]
    InvalidSerial {
        hardware: SerialHardware,
        problem: &'static str,
    },
}

/// The peer `run` uses: the exchange is compiled out, so this is never called.
struct NoPeer;

impl SerialPeer for NoPeer {
    fn exchange(&mut self, _: &[u8], _: &mut Vec<u8>, _: u64) -> Option<String> {
        None
    }
}

#[derive(Debug, Clone, Default)]
struct TapeDeck {
    blocks: VecDeque<TapBlock>,
    loaded: usize,
}

/// A ZX Spectrum with no display: it runs as fast as the host allows and is deterministic.
pub struct Spectrum {
    cpu: Z80,
    bus: Bus,
    config: MachineConfig,
    typist: Typist,
    tape: Option<TapeDeck>,
    /// Program-end detection is armed once the program has been started.
    armed: bool,
    arm_after_tape: bool,
    input_wait_seen: bool,
    /// The 48 BASIC editor has waited for a key since this was last cleared.
    editor_waited: bool,
}

// The CPU is copied through its registers: rustzx-z80 keeps HALT and prefix state private.
// A halted CPU has PC on its HALT and halts again; clones are taken between instructions.
// An attached serial port is cloned with its state: bytes in flight and queued go with it.
impl Clone for Spectrum {
    fn clone(&self) -> Self {
        Spectrum {
            cpu: registers::load(&registers::save(&self.cpu)),
            bus: self.bus.clone(),
            config: self.config.clone(),
            typist: self.typist.clone(),
            tape: self.tape.clone(),
            armed: self.armed,
            arm_after_tape: self.arm_after_tape,
            input_wait_seen: self.input_wait_seen,
            editor_waited: self.editor_waited,
        }
    }
}

impl Spectrum {
    /// A machine at power-on.
    pub fn new(config: MachineConfig) -> Result<Self, MachineError> {
        let roms = load_roms(config.model, &config.rom)?;
        let mem = Memory::new(config.model, &roms);
        let mut bus = Bus::new(config.model, mem, ZxPrinter::new(config.printer));
        bus.traps.set(LD_BYTES);
        bus.traps.set(WAIT_KEY1);
        if config.model == Model::Spectrum128K {
            bus.traps.set(EDITOR_128_WAIT);
        }
        Ok(Spectrum {
            cpu: Z80::default(),
            bus,
            config,
            typist: Typist::default(),
            tape: None,
            armed: false,
            arm_after_tape: false,
            input_wait_seen: false,
            editor_waited: false,
        })
    }

    /// A machine that has booted to its editor (or, on the 128K, its menu).
    pub fn booted(config: MachineConfig) -> Result<Self, MachineError> {
        let mut machine = Spectrum::new(config)?;
        machine.boot()?;
        Ok(machine)
    }

    /// Runs from power-on until the ROM has scanned the keyboard for a few frames in a row.
    pub fn boot(&mut self) -> Result<(), MachineError> {
        let limit = self.timing().tstates_from_secs(BOOT_LIMIT_SECS);
        let mut scanned = 0;
        while scanned < BOOTED_AFTER_SCANNED_FRAMES {
            self.step_frame_raw();
            scanned = if std::mem::take(&mut self.bus.keyboard_read) {
                scanned + 1
            } else {
                0
            };
            if self.bus.now() > limit {
                return Err(MachineError::NoBoot(BOOT_LIMIT_SECS));
            }
        }
        if self.config.model == Model::Spectrum128K && self.config.basic48 {
            self.choose_48_basic()?;
        }
        Ok(())
    }

    /// Moves the 128K's menu bar down to "48 BASIC", selects it, and runs until its editor waits.
    fn choose_48_basic(&mut self) -> Result<(), MachineError> {
        let keys = crate::keyboard::parse_key_text("{DOWN}{DOWN}{DOWN}{ENTER}")
            .expect("menu keys are typeable");
        self.typist.queue(keys, TypeWhen::AfterFrames(0));
        let limit = self.bus.now() + self.timing().tstates_from_secs(BOOT_LIMIT_SECS);
        let frame = StopWhen {
            budget_tstates: self.timing().frame_tstates as u64,
            breakpoints: Vec::new(),
            printer_idle_tstates: None,
            program_end: false,
        };
        loop {
            self.editor_waited = false;
            self.run(&frame, &mut |_| None);
            if self.typist.is_idle() && self.editor_waited && self.bus.mem.basic_rom_paged() {
                return Ok(());
            }
            if self.bus.now() > limit {
                return Err(MachineError::NoBoot(BOOT_LIMIT_SECS));
            }
        }
    }

    /// Runs one frame with no stop conditions and no typist (used while booting).
    fn step_frame_raw(&mut self) {
        loop {
            self.cpu.emulate(&mut self.bus);
            if self.cpu.is_halted() {
                self.bus.skip_to_next_frame();
            }
            if self.bus.events & EVENT_FRAME != 0 {
                self.bus.events = 0;
                return;
            }
            self.bus.events &= EVENT_FRAME;
        }
    }

    pub fn config(&self) -> &MachineConfig {
        &self.config
    }

    pub fn model(&self) -> Model {
        self.config.model
    }

    pub fn timing(&self) -> Timing {
        self.bus.timing
    }

    /// T-states since power on.
    pub fn now(&self) -> u64 {
        self.bus.now()
    }

    pub fn frames(&self) -> u64 {
        self.bus.frames
    }

    pub fn peek(&self, addr: u16) -> u8 {
        self.bus.mem.read(addr)
    }

    pub fn poke(&mut self, addr: u16, value: u8) {
        self.bus.mem.write(addr, value)
    }

    pub fn pc(&self) -> u16 {
        self.cpu.regs.get_pc()
    }

    /// The font, UDGs and block graphics the program is printing with right now.
    pub fn charset(&self) -> Charset {
        Charset::from_memory(|addr| self.bus.mem.read_basic_view(addr))
    }

    pub fn printout(&self) -> &Printout {
        self.bus.printer.printout()
    }

    pub fn printer(&self) -> &ZxPrinter {
        &self.bus.printer
    }

    /// What the RS232 printer received: 128 BASIC's LPRINT and LLIST as text, the 128K's
    /// COPY as graphics.
    pub fn serial_output(&mut self) -> SerialOutput {
        self.bus.serial.poll(self.bus.now());
        self.bus.serial.output()
    }

    /// Plugs in a serial port to a remote, replacing any port attached before. On the 128K's
    /// AY port the link takes port A from the RS-232 printer.
    pub fn attach_serial(&mut self, config: SerialConfig) -> Result<(), MachineError> {
        let problem = |problem| MachineError::InvalidSerial {
            hardware: config.hardware,
            problem,
        };
        if config.hardware == SerialHardware::Ay128 && self.config.model != Model::Spectrum128K {
            return Err(MachineError::SerialNeeds128K);
        }
        let clock_hz = self.timing().clock_hz;
        if config.baud == 0 || config.baud as u64 > clock_hz / 4 {
            return Err(problem(
                "the speed must be between 1 baud and a quarter of the clock",
            ));
        }
        if config.stop_bits == 0 {
            return Err(problem("the remote needs at least one stop bit"));
        }
        self.bus.link = Some(SerialLink::new(&config, clock_hz, self.bus.ay_port_a()));
        Ok(())
    }

    /// Queues bytes for the micro; they go on the wire from now, as the port allows. Dropped
    /// (with a warning) when no serial port is attached.
    pub fn serial_send(&mut self, bytes: &[u8]) {
        let now = self.bus.now();
        match &mut self.bus.link {
            Some(link) => link.send(bytes, now),
            None if bytes.is_empty() => {}
            None => tracing::warn!(len = bytes.len(), "no serial port attached: bytes dropped"),
        }
    }

    /// Bytes the micro has sent, fully decoded, since the last take (or exchange).
    pub fn serial_take(&mut self) -> Vec<u8> {
        let now = self.bus.now();
        self.bus.link.as_mut().map_or_else(Vec::new, |link| {
            link.sync(now);
            link.take()
        })
    }

    /// Counters of the attached serial port up to now; zero when none is attached.
    pub fn serial_stats(&self) -> SerialStats {
        self.synced_link()
            .map_or_else(SerialStats::default, |l| l.stats())
    }

    /// Bytes queued for the micro whose frames have not started yet.
    pub fn serial_pending(&self) -> usize {
        self.synced_link().map_or(0, |l| l.pending())
    }

    /// The link brought up to now without changing the machine (lines are evaluated lazily).
    fn synced_link(&self) -> Option<SerialLink> {
        let mut link = self.bus.link.clone()?;
        link.sync(self.bus.now());
        Some(link)
    }

    /// Hands the micro's bytes to `peer` and queues its answer.
    fn exchange(&mut self, peer: &mut dyn SerialPeer) -> Option<String> {
        peer.observe(self);
        let now = self.bus.now();
        let from_micro = self.serial_take();
        let mut to_micro = Vec::new();
        let stop = peer.exchange(&from_micro, &mut to_micro, now);
        self.serial_send(&to_micro);
        stop
    }

    /// The screen as a person would see it, with a border.
    pub fn screenshot(&self) -> RgbImage {
        screen::render(
            self.bus.mem.screen(),
            self.bus.border,
            (self.bus.frames / 16) % 2 == 1,
        )
    }

    /// Text of one screen line (0..=23) read with the current charset; unknown cells are `?`.
    pub fn screen_line(&self, row: usize) -> String {
        let charset = self.charset();
        let screen = self.bus.mem.screen();
        let mut text = String::new();
        for column in 0..32 {
            let cell: [u8; 8] = std::array::from_fn(|line| {
                screen[((row & 0x18) << 8) | (line << 8) | ((row & 7) << 5) | column]
            });
            text.push_str(
                &charset
                    .match_cell(&cell)
                    .map_or("?".into(), |g| g.to_text()),
            );
        }
        text.trim_end().to_string()
    }

    /// Queues keystrokes.
    pub fn type_keys(&mut self, chords: Vec<Chord>, when: TypeWhen) {
        self.typist.queue(chords, when);
    }

    /// Inserts a tape and starts loading it as a person would (`LOAD ""`, or the 128K's Tape
    /// Loader); the ROM's loader is served blocks at once rather than at tape speed.
    pub fn load_tape(&mut self, tape: Tape) {
        self.tape = Some(TapeDeck {
            blocks: tape.blocks.into(),
            loaded: 0,
        });
        self.arm_after_tape = true;
        let (keys, when) = match (self.config.model, &self.config.rom) {
            // OpenSE's editor takes keywords spelt out; Sinclair's takes J as LOAD.
            (Model::Spectrum48K, RomSource::OpenSe) => ("load \"\"\n", TypeWhen::RomWaitsForInput),
            (Model::Spectrum48K, _) => ("j\"\"\n", TypeWhen::RomWaitsForInput),
            (Model::Spectrum128K, _) if self.config.basic48 => {
                ("j\"\"\n", TypeWhen::RomWaitsForInput)
            }
            (Model::Spectrum128K, _) => ("\n", TypeWhen::AfterFrames(0)),
        };
        let chords = crate::keyboard::parse_key_text(keys).expect("loader keys are typeable");
        self.typist.queue(chords, when);
    }

    /// Replaces the machine state with a snapshot.
    pub fn load_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), MachineError> {
        if snapshot.model != self.config.model {
            let hint = match snapshot.model {
                Model::Spectrum48K => "48k",
                Model::Spectrum128K => "128k",
            };
            return Err(MachineError::ModelMismatch {
                snapshot: snapshot.model,
                machine: self.config.model,
                hint,
            });
        }
        for (page, data) in snapshot.ram_pages.iter().enumerate() {
            if let Some(data) = data {
                self.bus.mem.ram_page_mut(page).copy_from_slice(&data[..]);
            }
        }
        if let Some(value) = snapshot.port_7ffd {
            self.bus.mem.set_7ffd_unlocked(value);
        }
        self.bus.border = snapshot.border & 7;
        self.cpu = registers::load(&snapshot.regs);
        self.armed = true;
        Ok(())
    }

    /// The machine state as a snapshot (for `.z80` / `.sna` files).
    pub fn to_snapshot(&self) -> Snapshot {
        let pages: &[usize] = match self.config.model {
            Model::Spectrum48K => &[0, 2, 5],
            Model::Spectrum128K => &[0, 1, 2, 3, 4, 5, 6, 7],
        };
        let mut ram_pages: [Option<Box<[u8; 0x4000]>>; 8] = Default::default();
        for &page in pages {
            let data: [u8; 0x4000] = self
                .bus
                .mem
                .ram_page(page)
                .try_into()
                .expect("pages are 16K");
            ram_pages[page] = Some(Box::new(data));
        }
        Snapshot {
            model: self.config.model,
            regs: registers::save(&self.cpu),
            border: self.bus.border,
            port_7ffd: (self.config.model == Model::Spectrum128K).then(|| self.bus.mem.port_7ffd()),
            ram_pages,
        }
    }

    /// Runs until a stop condition. `observer` is called at frame ends after the printer has
    /// fed paper; returning `Some(why)` stops the run.
    pub fn run(
        &mut self,
        stop: &StopWhen,
        observer: &mut dyn FnMut(&Spectrum) -> Option<String>,
    ) -> RunOutcome {
        self.run_loop::<false>(stop, observer, &mut NoPeer, u32::MAX)
    }

    /// Like [`Spectrum::run`], and also calls `peer.exchange` with the serial port's traffic
    /// every `slice_tstates` (checked between instructions) and once more at the end. If the
    /// run ran out of budget and that last exchange asks to stop, its reason is reported.
    pub fn run_linked(
        &mut self,
        stop: &StopWhen,
        observer: &mut dyn FnMut(&Spectrum) -> Option<String>,
        peer: &mut dyn SerialPeer,
        slice_tstates: u32,
    ) -> RunOutcome {
        self.run_loop::<true>(stop, observer, peer, slice_tstates.max(1))
    }

    /// The run loop; `LINKED` is a constant so that `run` pays nothing for the peer.
    fn run_loop<const LINKED: bool>(
        &mut self,
        stop: &StopWhen,
        observer: &mut dyn FnMut(&Spectrum) -> Option<String>,
        peer: &mut dyn SerialPeer,
        slice_tstates: u32,
    ) -> RunOutcome {
        let start = self.bus.now();
        let mut next_exchange = start + slice_tstates as u64;
        let mut peer_stopped = false;
        let deadline = start + stop.budget_tstates;
        // Breakpoints last for this run only; the ROM traps stay.
        let added: Vec<u16> = stop
            .breakpoints
            .iter()
            .copied()
            .filter(|&pc| !self.bus.traps.contains(pc))
            .collect();
        for &pc in &added {
            self.bus.traps.set(pc);
        }
        let mut rows_seen = self.bus.printer.rows();
        let reason = loop {
            self.cpu.emulate(&mut self.bus);
            if self.cpu.is_halted() {
                self.bus.skip_to_next_frame();
            }
            if LINKED && self.bus.now() >= next_exchange {
                next_exchange = self.bus.now() + slice_tstates as u64;
                if let Some(why) = self.exchange(peer) {
                    peer_stopped = true;
                    break StopReason::Observer(why);
                }
            }
            let events = std::mem::take(&mut self.bus.events);
            if events == 0 {
                continue;
            }
            if events & EVENT_EXIT != 0 {
                if let Some(code) = self.bus.exit_code.take() {
                    break StopReason::ExitCode(code);
                }
            }
            if events & EVENT_TRAP != 0 {
                if let Some(reason) = self.on_trap(stop) {
                    break reason;
                }
            }
            if events & EVENT_FRAME != 0 {
                self.typist.on_frame(
                    &mut self.bus.matrix,
                    std::mem::take(&mut self.input_wait_seen),
                );
                if self.bus.now() >= deadline {
                    break StopReason::Budget;
                }
                if let Some(idle) = stop.printer_idle_tstates {
                    if self.bus.printer.idle_for(idle, self.bus.now()) {
                        break StopReason::PrinterIdle;
                    }
                }
                let rows = self.bus.printer.rows();
                if rows != rows_seen {
                    rows_seen = rows;
                    if let Some(why) = observer(self) {
                        break StopReason::Observer(why);
                    }
                }
            }
        };
        for &pc in &added {
            self.bus.traps.clear(pc);
        }
        let now = self.bus.now();
        if let Some(link) = &mut self.bus.link {
            link.sync(now);
        }
        let reason = match (LINKED && !peer_stopped).then(|| self.exchange(peer)) {
            Some(Some(why)) if reason == StopReason::Budget => StopReason::Observer(why),
            _ => reason,
        };
        let tstates = self.bus.now() - start;
        RunOutcome {
            reason,
            tstates,
            secs: self.timing().secs(tstates),
        }
    }

    fn on_trap(&mut self, stop: &StopWhen) -> Option<StopReason> {
        let pc = self.bus.trap_pc;
        if pc != self.cpu.regs.get_pc() {
            return None;
        }
        if stop.breakpoints.contains(&pc) {
            return Some(StopReason::Breakpoint(pc));
        }
        let basic_rom = self.bus.mem.basic_rom_paged();
        match pc {
            LD_BYTES if basic_rom => self.serve_tape_block(),
            WAIT_KEY1 if basic_rom => self.on_editor_wait(stop),
            EDITOR_128_WAIT if !basic_rom && self.config.model == Model::Spectrum128K => {
                self.on_editor_wait(stop)
            }
            _ => None,
        }
    }

    /// The ROM's editor waits for a key: either INPUT wants typing, or the program has ended.
    fn on_editor_wait(&mut self, stop: &StopWhen) -> Option<StopReason> {
        // INPUT #n from another channel (e.g. a serial stream) waits here too, but on that
        // channel's input routine, not on keys.
        if self.bus.mem.basic_rom_paged() && self.input_routine(CURCHL) != self.input_routine(CHANS)
        {
            return None;
        }
        let in_input = self.peek(FLAGX) & 0x20 != 0;
        if in_input && self.armed && self.typist.is_idle() {
            return Some(StopReason::InputStarved);
        }
        self.editor_waited = true;
        if in_input || !self.armed {
            self.input_wait_seen = true;
            return None;
        }
        if stop.program_end && self.typist.is_idle() {
            return Some(StopReason::ProgramEnded {
                report: self.screen_line(23),
            });
        }
        None
    }

    /// The input routine of the channel record the system variable at `var` points to.
    fn input_routine(&self, var: u16) -> u16 {
        let chan = u16::from_le_bytes([self.peek(var), self.peek(var + 1)]);
        u16::from_le_bytes([
            self.peek(chan.wrapping_add(2)),
            self.peek(chan.wrapping_add(3)),
        ])
    }

    /// Serves LD-BYTES from the tape: A = flag, IX = address, DE = length, carry = LOAD.
    fn serve_tape_block(&mut self) -> Option<StopReason> {
        let deck = self.tape.as_mut()?;
        let Some(block) = deck.blocks.pop_front() else {
            return Some(StopReason::TapeEnded);
        };
        deck.loaded += 1;
        self.typist.release(&mut self.bus.matrix);
        let regs = &mut self.cpu.regs;
        let wanted = regs.get_de() as usize;
        let load = regs.get_flags() & 1 != 0;
        let mut ok = block.flag == regs.get_acc();
        if ok {
            let count = wanted.min(block.data.len());
            let mut addr = regs.get_ix();
            if load {
                for &byte in &block.data[..count] {
                    self.bus.mem.write(addr, byte);
                    addr = addr.wrapping_add(1);
                }
            }
            regs.set_ix(regs.get_ix().wrapping_add(count as u16));
            regs.set_de((wanted - count) as u16);
            ok = block.data.len() == wanted;
        }
        let flags = regs.get_flags();
        regs.set_flags(if ok { flags | 1 } else { flags & !1 });
        // LD-BYTES leaves through SA/LD-RET, which enables interrupts.
        regs.set_iff1(true);
        regs.set_iff2(true);
        self.cpu.pop_pc_from_stack(&mut self.bus);
        if self.arm_after_tape {
            self.armed = true;
        }
        None
    }
}
