//! rp2040-hal 0.10's UART implements embedded-io `Read`/`Write` but not `ReadReady`, which
//! `PacedUart` needs so it never blocks waiting for the micro. This adds it.

use rp2040_hal::uart::{Enabled, UartDevice, UartPeripheral, ValidUartPinout};

pub struct UartIo<D: UartDevice, P: ValidUartPinout<D>>(pub UartPeripheral<Enabled, D, P>);

impl<D: UartDevice, P: ValidUartPinout<D>> embedded_io::ErrorType for UartIo<D, P> {
    type Error = <UartPeripheral<Enabled, D, P> as embedded_io::ErrorType>::Error;
}

impl<D: UartDevice, P: ValidUartPinout<D>> embedded_io::Read for UartIo<D, P> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.0.read(buf)
    }
}

impl<D: UartDevice, P: ValidUartPinout<D>> embedded_io::ReadReady for UartIo<D, P> {
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        Ok(self.0.uart_is_readable())
    }
}

impl<D: UartDevice, P: ValidUartPinout<D>> embedded_io::Write for UartIo<D, P> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        embedded_io::Write::write(&mut self.0, buf)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        embedded_io::Write::flush(&mut self.0)
    }
}
