//! [`ParallelLink`]: the parallel protocol on real (or virtual) pins.

use embedded_hal::digital::{InputPin, OutputPin};

use super::{Action, Direction, ParallelConfig, ParallelProtocol, ParallelStats, Phase};
use crate::bus::{pin_err, Bus, PinError, Signal};
use crate::ring::Ring;

/// The adapter's side of the C64 user-port parallel link. Owns the data bus, /PC2 (input, low
/// = strobe), PA2 (input, high = C64 to adapter), /FLAG2 (output, low = strobe) and the
/// 74LVC245's DIR (output, high = C64 to adapter).
///
/// [`poll`](Self::poll) samples /PC2 for falling edges, so call it at least once per /PC2
/// pulse (about 1 µs on a real C64: a tight loop on the RP2040, or one call per emulated
/// instruction).
#[derive(Debug)]
pub struct ParallelLink<B, Pc2, Pa2, Flag2, Dir, const Q: usize = 1024> {
    bus: B,
    pc2: Pc2,
    pa2: Pa2,
    flag2: Flag2,
    dir: Dir,
    driving: bool,
    pc2_was_low: bool,
    protocol: ParallelProtocol<Q>,
}

impl<B, Pc2, Pa2, Flag2, Dir, const Q: usize> ParallelLink<B, Pc2, Pa2, Flag2, Dir, Q>
where
    B: Bus,
    Pc2: InputPin,
    Pa2: InputPin,
    Flag2: OutputPin,
    Dir: OutputPin,
{
    /// Takes the pins and puts them in the idle state: bus released, DIR toward the adapter,
    /// /FLAG2 high.
    pub fn new(
        mut bus: B,
        pc2: Pc2,
        pa2: Pa2,
        mut flag2: Flag2,
        mut dir: Dir,
        config: ParallelConfig,
    ) -> Result<Self, PinError> {
        bus.release().map_err(pin_err(Signal::Bus))?;
        dir.set_high().map_err(pin_err(Signal::Dir))?;
        flag2.set_high().map_err(pin_err(Signal::Flag2))?;
        Ok(ParallelLink {
            bus,
            pc2,
            pa2,
            flag2,
            dir,
            driving: false,
            pc2_was_low: false,
            protocol: ParallelProtocol::new(config),
        })
    }

    /// Samples the inputs, runs the protocol and drives the outputs.
    pub fn poll(&mut self, now_us: u64) -> Result<(), PinError> {
        let pc2_low = self.pc2.is_low().map_err(pin_err(Signal::Pc2))?;
        let strobe = pc2_low && !self.pc2_was_low;
        self.pc2_was_low = pc2_low;
        let pa2_high = self.pa2.is_high().map_err(pin_err(Signal::Pa2))?;
        // If both changed since the last poll, the contract's order decides: PA2 rises before
        // an 'R', while the last byte of a request or an ack comes before PA2 moves.
        if self.protocol.phase() == Phase::Idle {
            self.pa2_changed(now_us, pa2_high)?;
            self.strobed(now_us, strobe)?;
        } else {
            self.strobed(now_us, strobe)?;
            self.pa2_changed(now_us, pa2_high)?;
        }
        let actions = self.protocol.poll(now_us);
        self.apply(actions.as_slice())
    }

    fn strobed(&mut self, now_us: u64, strobe: bool) -> Result<(), PinError> {
        if strobe {
            let value = self.bus.read().map_err(pin_err(Signal::Bus))?;
            let actions = self.protocol.on_strobe(now_us, value);
            self.apply(actions.as_slice())?;
        }
        Ok(())
    }

    fn pa2_changed(&mut self, now_us: u64, high: bool) -> Result<(), PinError> {
        let actions = self.protocol.on_pa2(now_us, high);
        self.apply(actions.as_slice())
    }

    fn apply(&mut self, actions: &[Action]) -> Result<(), PinError> {
        for &action in actions {
            match action {
                Action::SetDir(Direction::ToAdapter) => {
                    self.dir.set_high().map_err(pin_err(Signal::Dir))?
                }
                Action::SetDir(Direction::ToC64) => {
                    self.dir.set_low().map_err(pin_err(Signal::Dir))?
                }
                Action::Flag2Low => self.flag2.set_low().map_err(pin_err(Signal::Flag2))?,
                Action::Flag2High => self.flag2.set_high().map_err(pin_err(Signal::Flag2))?,
                Action::Drive(value) => {
                    self.bus.write(value).map_err(pin_err(Signal::Bus))?;
                    if !self.driving {
                        self.bus.drive().map_err(pin_err(Signal::Bus))?;
                        self.driving = true;
                    }
                }
                Action::Release => {
                    self.driving = false;
                    self.bus.release().map_err(pin_err(Signal::Bus))?;
                }
            }
        }
        Ok(())
    }

    /// The protocol state (phase, counters).
    pub fn protocol(&self) -> &ParallelProtocol<Q> {
        &self.protocol
    }

    /// The counters.
    pub fn stats(&self) -> &ParallelStats {
        self.protocol.stats()
    }

    /// Bytes from the C64 waiting for the host.
    pub fn to_host(&mut self) -> &mut Ring<Q> {
        self.protocol.to_host()
    }

    /// Bytes from the host waiting for the C64.
    pub fn to_micro(&mut self) -> &mut Ring<Q> {
        self.protocol.to_micro()
    }

    /// Gives the pins back.
    pub fn free(self) -> (B, Pc2, Pa2, Flag2, Dir) {
        (self.bus, self.pc2, self.pa2, self.flag2, self.dir)
    }
}
