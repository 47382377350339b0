//! The user port as CIA2 sees it: port B with its DDR, PA2, /PC2 and /FLAG2.

/// What the C64 drives on the user port, given to the device after every instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserPortOut {
    /// CIA2 port B output register ($DD01).
    pub pb: u8,
    /// CIA2 DDR B ($DD03): 1 = the C64 drives that pin.
    pub pb_ddr: u8,
    /// CIA2 PA2 level (bit 2 of $DD00 where DDR A bit 2 is set; else high).
    pub pa2: bool,
    /// /PC2: true for the instruction after a CPU read or write of $DD01.
    pub pc2_low: bool,
}

/// What the device drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserPortIn {
    /// Pins the device drives (0xFF = released, pulled up).
    pub pb: u8,
    pub flag2_low: bool,
}

impl Default for UserPortIn {
    fn default() -> Self {
        UserPortIn {
            pb: 0xFF,
            flag2_low: false,
        }
    }
}

pub trait UserPortDevice {
    /// Called after every CPU instruction. A high→low edge of `flag2_low` sets CIA2 ICR bit 4
    /// (FLAG), which an IRQ/NMI-free driver polls by reading $DD0D (reading clears it).
    /// Port B read value = (pb & pb_ddr) | (device.pb & !pb_ddr).
    fn step(&mut self, now_cycles: u64, out: &UserPortOut) -> UserPortIn;
}

/// The port's state between the CIA and the device.
#[derive(Default)]
pub(crate) struct UserPort {
    pub device: Option<Box<dyn UserPortDevice>>,
    /// Set by a CPU access to $DD01; shown to the device once as `pc2_low`.
    pub pc2_pending: bool,
    pub input: UserPortIn,
}

impl UserPort {
    /// Steps the device; returns true on a /FLAG2 high→low edge.
    #[inline]
    pub fn step(&mut self, now: u64, pb: u8, pb_ddr: u8, pa2: bool) -> bool {
        let Some(device) = self.device.as_mut() else {
            self.pc2_pending = false;
            return false;
        };
        let out = UserPortOut {
            pb,
            pb_ddr,
            pa2,
            pc2_low: std::mem::take(&mut self.pc2_pending),
        };
        let before = self.input.flag2_low;
        self.input = device.step(now, &out);
        !before && self.input.flag2_low
    }
}
