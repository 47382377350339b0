//! The 8 data lines as one [`Bus`]: consecutive GPIOs switched through the SIO's set/clear
//! registers in a single write each, so all 8 lines change together.

use core::convert::Infallible;

use retromesh_adapter::{Bus, BusRead};
use rp2040_hal::pac;

/// GPIOs `first..first + 8`, already set up as SIO inputs with pull-ups by the HAL.
pub struct SioBus {
    shift: u8,
}

impl SioBus {
    pub fn new(first: u8) -> Self {
        SioBus { shift: first }
    }

    fn mask(&self) -> u32 {
        0xFF << self.shift
    }

    fn sio() -> &'static pac::sio::RegisterBlock {
        // SAFETY: only the set/clear/in registers are touched, which are atomic per write and
        // limited to this bus's 8 GPIOs; no other code drives these pins.
        unsafe { &*pac::SIO::ptr() }
    }
}

impl BusRead for SioBus {
    type Error = Infallible;
    fn read(&mut self) -> Result<u8, Infallible> {
        Ok((Self::sio().gpio_in().read().bits() >> self.shift) as u8)
    }
}

impl Bus for SioBus {
    fn write(&mut self, value: u8) -> Result<(), Infallible> {
        let bits = u32::from(value) << self.shift;
        let sio = Self::sio();
        sio.gpio_out_set().write(|w| unsafe { w.bits(bits) });
        sio.gpio_out_clr()
            .write(|w| unsafe { w.bits(!bits & self.mask()) });
        Ok(())
    }
    fn drive(&mut self) -> Result<(), Infallible> {
        Self::sio()
            .gpio_oe_set()
            .write(|w| unsafe { w.bits(self.mask()) });
        Ok(())
    }
    fn release(&mut self) -> Result<(), Infallible> {
        Self::sio()
            .gpio_oe_clr()
            .write(|w| unsafe { w.bits(self.mask()) });
        Ok(())
    }
}
