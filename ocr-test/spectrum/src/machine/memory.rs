//! 48K and 128K memory maps. ROM slots first, then eight 16K RAM pages, in one buffer.

use crate::Model;

const PAGE: usize = 0x4000;
const ROM_SLOTS: usize = 2;

#[derive(Clone)]
pub struct Memory {
    data: Vec<u8>,
    /// Offset into `data` of each 16K slot of the Z80's address space.
    map: [usize; 4],
    model: Model,
    port_7ffd: u8,
}

impl Memory {
    /// `roms` holds one image (48K) or two (128K: ROM 0 editor, ROM 1 48 BASIC).
    pub fn new(model: Model, roms: &[[u8; PAGE]]) -> Self {
        let mut data = vec![0u8; (ROM_SLOTS + 8) * PAGE];
        for (slot, rom) in roms.iter().enumerate().take(ROM_SLOTS) {
            data[slot * PAGE..(slot + 1) * PAGE].copy_from_slice(rom);
        }
        let mut memory = Memory {
            data,
            map: [0; 4],
            model,
            port_7ffd: 0,
        };
        memory.remap();
        memory
    }

    fn ram_offset(page: usize) -> usize {
        (ROM_SLOTS + page) * PAGE
    }

    fn remap(&mut self) {
        let (rom, top) = match self.model {
            Model::Spectrum48K => (0, 0),
            Model::Spectrum128K => (
                ((self.port_7ffd >> 4) & 1) as usize,
                (self.port_7ffd & 7) as usize,
            ),
        };
        self.map = [
            rom * PAGE,
            Self::ram_offset(5),
            Self::ram_offset(2),
            Self::ram_offset(top),
        ];
    }

    #[inline(always)]
    fn offset(&self, addr: u16) -> usize {
        // `map` has four entries and `addr >> 14` is 0..=3.
        self.map[(addr >> 14) as usize & 3] + (addr as usize & (PAGE - 1))
    }

    #[inline(always)]
    pub fn read(&self, addr: u16) -> u8 {
        let offset = self.offset(addr);
        debug_assert!(offset < self.data.len());
        // SAFETY: every map entry is the start of a 16K page inside `data` (see `remap`), and
        // the offset within the page is masked to 16K. This is the emulator's hottest path.
        unsafe { *self.data.get_unchecked(offset) }
    }

    #[inline(always)]
    pub fn write(&mut self, addr: u16, value: u8) {
        if addr >= 0x4000 {
            let offset = self.offset(addr);
            debug_assert!(offset < self.data.len());
            // SAFETY: as in `read`.
            unsafe { *self.data.get_unchecked_mut(offset) = value };
        }
    }

    /// Writes to port 0x7FFD on a 128K; ignored once bit 5 has locked paging.
    pub fn write_7ffd(&mut self, value: u8) {
        if self.model == Model::Spectrum128K && self.port_7ffd & 0x20 == 0 {
            self.port_7ffd = value;
            self.remap();
        }
    }

    pub fn port_7ffd(&self) -> u8 {
        self.port_7ffd
    }

    /// Whether the ROM holding 48 BASIC (where LD-BYTES and the editor live) is paged in.
    pub fn basic_rom_paged(&self) -> bool {
        match self.model {
            Model::Spectrum48K => true,
            Model::Spectrum128K => self.port_7ffd & 0x10 != 0,
        }
    }

    /// Reads memory as a BASIC program sees it. While the 128K's editor ROM is paged in, that
    /// is ROM 1 (where the font lives) and RAM page 0 at 0xC000 (where the UDGs are), not the
    /// editor's own page 7.
    pub fn read_basic_view(&self, addr: u16) -> u8 {
        if self.model == Model::Spectrum128K && !self.basic_rom_paged() {
            match addr {
                0x0000..=0x3FFF => return self.data[PAGE + addr as usize],
                0xC000..=0xFFFF => {
                    return self.data[Self::ram_offset(0) + (addr as usize - 0xC000)]
                }
                _ => {}
            }
        }
        self.read(addr)
    }

    pub fn ram_page(&self, page: usize) -> &[u8] {
        let start = Self::ram_offset(page);
        &self.data[start..start + PAGE]
    }

    pub fn ram_page_mut(&mut self, page: usize) -> &mut [u8] {
        let start = Self::ram_offset(page);
        &mut self.data[start..start + PAGE]
    }

    /// The 6912 bytes the ULA is showing (page 7 when the 128K shadow screen is selected).
    pub fn screen(&self) -> &[u8] {
        let page = if self.model == Model::Spectrum128K && self.port_7ffd & 0x08 != 0 {
            7
        } else {
            5
        };
        &self.ram_page(page)[..6912]
    }

    pub fn set_7ffd_unlocked(&mut self, value: u8) {
        self.port_7ffd = 0;
        self.write_7ffd(value);
    }
}
