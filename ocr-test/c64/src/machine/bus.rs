//! The C64's address space as the 6502 sees it: RAM, ROMs banked by the 6510's port at
//! $00/$01 (LORAM, HIRAM, CHAREN; no cartridge), and I/O at $D000-$DFFF.

use mos6502::memory::Bus;

use crate::acia::Acia6551;
use crate::cia::Cia;
use crate::userport::UserPort;

/// What a 4K page reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    Ram,
    Basic,
    Kernal,
    Char,
    Io,
}

/// Cycles per PAL raster line, and lines per frame.
const LINE_CYCLES: u64 = 63;
const FRAME_LINES: u64 = 312;

pub(crate) struct C64Bus {
    pub ram: Box<[u8; 0x10000]>,
    pub basic: Option<Box<[u8]>>,
    pub kernal: Box<[u8]>,
    pub chargen: Box<[u8]>,
    /// 6510 port: data direction ($00) and output ($01).
    pub port_ddr: u8,
    pub port_out: u8,
    pub map: [Region; 16],
    pub cia1: Cia,
    pub cia2: Cia,
    pub acia: Option<Acia6551>,
    /// VIC-II registers; only the raster counter moves (the KERNAL's CINT waits on it).
    vic: [u8; 64],
    /// Since when the raster-compare flag ($D019 bit 0) looks for the compare line: the
    /// KERNAL's CINT tells PAL from NTSC by whether line 311 ever comes.
    raster_watch_from: u64,
    color: Box<[u8; 1024]>,
    pub userport: UserPort,
    /// The cycle at the start of the current instruction.
    pub now: u64,
}

impl C64Bus {
    pub fn new(kernal: Box<[u8]>, basic: Option<Box<[u8]>>, chargen: Box<[u8]>) -> Self {
        let mut bus = C64Bus {
            ram: Box::new([0; 0x10000]),
            basic,
            kernal,
            chargen,
            port_ddr: 0x2F,
            port_out: 0x37,
            map: [Region::Ram; 16],
            cia1: Cia::new(),
            cia2: Cia::new(),
            acia: None,
            vic: [0; 64],
            raster_watch_from: 0,
            color: Box::new([0; 1024]),
            userport: UserPort::default(),
            now: 0,
        };
        bus.remap();
        bus
    }

    /// The 6510 port as read back: inputs float high on bits 0-2 and 4 (no cassette button).
    pub fn port_value(&self) -> u8 {
        (self.port_out & self.port_ddr) | (!self.port_ddr & 0x17)
    }

    fn remap(&mut self) {
        let lines = (self.port_out | !self.port_ddr) & 7;
        let (loram, hiram, charen) = (lines & 1 != 0, lines & 2 != 0, lines & 4 != 0);
        let mut map = [Region::Ram; 16];
        if loram && hiram && self.basic.is_some() {
            map[0xA] = Region::Basic;
            map[0xB] = Region::Basic;
        }
        if loram || hiram {
            map[0xD] = if charen { Region::Io } else { Region::Char };
        }
        if hiram {
            map[0xE] = Region::Kernal;
            map[0xF] = Region::Kernal;
        }
        self.map = map;
    }

    pub fn kernal_mapped(&self) -> bool {
        self.map[0xF] == Region::Kernal
    }

    /// A read without side effects (nothing is acknowledged or cleared).
    #[inline]
    pub fn peek(&self, addr: u16) -> u8 {
        let a = usize::from(addr);
        match self.map[a >> 12] {
            Region::Ram if a < 2 => self.cpu_port_read(a),
            Region::Ram => self.ram[a],
            Region::Basic => self.basic.as_ref().map_or(0, |b| b[a & 0x1FFF]),
            Region::Kernal => self.kernal[a & 0x1FFF],
            Region::Char => self.chargen[a & 0x0FFF],
            Region::Io => match a {
                0xDC00..=0xDCFF => self.cia1.peek(addr as u8),
                0xDD00..=0xDDFF => self.cia2.peek(addr as u8),
                0xDE00..=0xDEFF => self.acia.as_ref().map_or(0xFF, |c| c.peek(addr as u8)),
                _ => self.io_plain(a),
            },
        }
    }

    fn cpu_port_read(&self, a: usize) -> u8 {
        if a == 0 {
            self.port_ddr
        } else {
            self.port_value()
        }
    }

    /// VIC, SID, colour RAM and I/O2: reads that change nothing.
    fn io_plain(&self, a: usize) -> u8 {
        match a {
            0xD000..=0xD3FF => {
                let raster = (self.now / LINE_CYCLES) % FRAME_LINES;
                match a & 0x3F {
                    0x11 => (self.vic[0x11] & 0x7F) | (((raster >> 8) as u8) << 7),
                    0x12 => raster as u8,
                    0x19 => self.vic[0x19] & 0x0E | 0x70 | u8::from(self.raster_hit()),
                    0x2F..=0x3F => 0xFF,
                    r => self.vic[r],
                }
            }
            0xD400..=0xD7FF => 0,
            0xD800..=0xDBFF => self.color[a & 0x3FF] | 0xF0,
            _ => 0xFF,
        }
    }

    /// Whether the raster reached the compare line since `raster_watch_from`.
    fn raster_hit(&self) -> bool {
        let compare = (u64::from(self.vic[0x11] & 0x80) << 1) | u64::from(self.vic[0x12]);
        if compare >= FRAME_LINES {
            return false;
        }
        let frame = LINE_CYCLES * FRAME_LINES;
        let from = self.raster_watch_from;
        let mut line_start = (from / frame * FRAME_LINES + compare) * LINE_CYCLES;
        if line_start + LINE_CYCLES <= from {
            line_start += frame;
        }
        line_start <= self.now
    }

    fn io_read(&mut self, addr: u16) -> u8 {
        match addr {
            0xDC00..=0xDCFF => self.cia1.read(addr as u8),
            0xDD00..=0xDDFF => {
                if addr & 0x0F == 1 {
                    self.userport.pc2_pending = true;
                }
                self.cia2.read(addr as u8)
            }
            0xDE00..=0xDEFF => match self.acia.as_mut() {
                Some(acia) => {
                    acia.clock(self.now);
                    acia.read(addr as u8)
                }
                None => 0xFF,
            },
            _ => self.io_plain(usize::from(addr)),
        }
    }

    fn io_write(&mut self, addr: u16, v: u8) {
        match addr {
            0xD000..=0xD3FF => {
                let reg = usize::from(addr & 0x3F);
                match reg {
                    0x11 | 0x12 => self.raster_watch_from = self.now,
                    // Writing 1 acknowledges.
                    0x19 if v & 1 != 0 => self.raster_watch_from = self.now + 1,
                    _ => {}
                }
                if reg != 0x19 {
                    self.vic[reg] = v;
                }
            }
            0xD800..=0xDBFF => self.color[usize::from(addr & 0x3FF)] = v & 0x0F,
            0xDC00..=0xDCFF => self.cia1.write(addr as u8, v),
            0xDD00..=0xDDFF => {
                if addr & 0x0F == 1 {
                    self.userport.pc2_pending = true;
                }
                self.cia2.write(addr as u8, v)
            }
            0xDE00..=0xDEFF => {
                if let Some(acia) = self.acia.as_mut() {
                    acia.write(addr as u8, v, self.now);
                }
            }
            _ => {}
        }
    }
}

impl Bus for C64Bus {
    #[inline]
    fn get_byte(&mut self, addr: u16) -> u8 {
        let a = usize::from(addr);
        match self.map[a >> 12] {
            Region::Ram if a >= 2 => self.ram[a],
            Region::Io => self.io_read(addr),
            _ => self.peek(addr),
        }
    }

    #[inline]
    fn set_byte(&mut self, addr: u16, v: u8) {
        let a = usize::from(addr);
        match self.map[a >> 12] {
            Region::Io => self.io_write(addr, v),
            _ if a < 2 => {
                // The VIC sees RAM under the port, so it is written too.
                self.ram[a] = v;
                if a == 0 {
                    self.port_ddr = v;
                } else {
                    self.port_out = v;
                }
                self.remap();
            }
            _ => self.ram[a] = v,
        }
    }

    fn irq_pending(&mut self) -> bool {
        self.cia1.irq()
    }

    fn nmi_pending(&mut self) -> bool {
        self.cia2.irq() || self.acia.as_ref().is_some_and(Acia6551::irq)
    }
}
