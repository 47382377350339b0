//! [`CentronicsCapture`]: the receiver on pins.

use embedded_hal::digital::{InputPin, OutputPin};

use super::{CaptureEvent, CaptureStats, CentronicsConfig, CentronicsReceiver};
use crate::bus::{pin_err, BusRead, PinError, Signal};

/// A Centronics printer port that captures what a micro prints. Owns D0-D7 (read only),
/// /STROBE (input, low = strobe), BUSY (output, high = busy) and /ACK (output, low = ack).
/// On the C64 user port (geoCable wiring) /STROBE is PA2 and BUSY goes to /FLAG2.
#[derive(Debug)]
pub struct CentronicsCapture<D, Strobe, Busy, Ack> {
    data: D,
    strobe: Strobe,
    busy: Busy,
    ack: Ack,
    busy_high: bool,
    ack_low: bool,
    strobe_was_low: bool,
    receiver: CentronicsReceiver,
    pin_errors: u32,
    last_pin_error: Option<PinError>,
}

impl<D, Strobe, Busy, Ack> CentronicsCapture<D, Strobe, Busy, Ack>
where
    D: BusRead,
    Strobe: InputPin,
    Busy: OutputPin,
    Ack: OutputPin,
{
    /// Takes the pins; BUSY low and /ACK high (ready).
    pub fn new(
        data: D,
        strobe: Strobe,
        mut busy: Busy,
        mut ack: Ack,
        config: CentronicsConfig,
    ) -> Result<Self, PinError> {
        busy.set_low().map_err(pin_err(Signal::Busy))?;
        ack.set_high().map_err(pin_err(Signal::Ack))?;
        Ok(CentronicsCapture {
            data,
            strobe,
            busy,
            ack,
            busy_high: false,
            ack_low: false,
            strobe_was_low: false,
            receiver: CentronicsReceiver::new(config),
            pin_errors: 0,
            last_pin_error: None,
        })
    }

    /// Samples /STROBE (and the data on its falling edge), drives BUSY and /ACK, and returns
    /// what happened. A pin error is counted ([`pin_errors`](Self::pin_errors)) and yields
    /// `None`; use [`try_poll`](Self::try_poll) to see it.
    pub fn poll(&mut self, now_us: u64) -> Option<CaptureEvent> {
        match self.try_poll(now_us) {
            Ok(event) => event,
            Err(e) => {
                self.pin_errors = self.pin_errors.saturating_add(1);
                self.last_pin_error = Some(e);
                None
            }
        }
    }

    /// [`poll`](Self::poll), with pin errors returned.
    pub fn try_poll(&mut self, now_us: u64) -> Result<Option<CaptureEvent>, PinError> {
        let strobe_low = self.strobe.is_low().map_err(pin_err(Signal::Strobe))?;
        let data = if strobe_low && !self.strobe_was_low {
            self.data.read().map_err(pin_err(Signal::Bus))?
        } else {
            0
        };
        self.strobe_was_low = strobe_low;
        let event = self.receiver.sample(now_us, strobe_low, data);
        let (busy, ack_low) = (self.receiver.busy(), self.receiver.ack_low());
        // /ACK rises before BUSY falls: BUSY's fall is the C64's FLAG edge.
        if ack_low != self.ack_low {
            if ack_low {
                self.ack.set_low()
            } else {
                self.ack.set_high()
            }
            .map_err(pin_err(Signal::Ack))?;
            self.ack_low = ack_low;
        }
        if busy != self.busy_high {
            if busy {
                self.busy.set_high()
            } else {
                self.busy.set_low()
            }
            .map_err(pin_err(Signal::Busy))?;
            self.busy_high = busy;
        }
        Ok(event)
    }

    /// The counters.
    pub fn stats(&self) -> &CaptureStats {
        self.receiver.stats()
    }

    /// The state machine.
    pub fn receiver(&self) -> &CentronicsReceiver {
        &self.receiver
    }

    /// Pin errors met by [`poll`](Self::poll).
    pub fn pin_errors(&self) -> u32 {
        self.pin_errors
    }

    /// The last of them.
    pub fn last_pin_error(&self) -> Option<PinError> {
        self.last_pin_error
    }

    /// Gives the pins back.
    pub fn free(self) -> (D, Strobe, Busy, Ack) {
        (self.data, self.strobe, self.busy, self.ack)
    }
}
