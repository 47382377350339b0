//! retromesh adapter on a Raspberry Pi Pico: wires the board's GPIOs (retromesh_adapter::pins,
//! checked against hardware/pinmap.toml) and USB to the library's drivers. No logic here.
//!
//! USB: one composite device with two CDC-ACM ports. Port 0 is the link channel (the micro's
//! bytes, untouched); port 1 is the capture channel (printer jobs as SLIP frames, see
//! retromesh_adapter::host). The mode is a cargo feature matching the board's jumpers.

#![no_std]
#![no_main]

#[cfg(any(feature = "c64-parallel", feature = "c64-printer"))]
mod sio_bus;
#[cfg(feature = "zx-uart")]
mod uart_io;

use panic_halt as _;
use rp2040_hal as hal;

use hal::pac;
use retromesh_adapter::pins;
use retromesh_adapter::ring::Ring;
use usb_device::class_prelude::UsbBusAllocator;
use usb_device::prelude::*;
use usbd_serial::SerialPort;

#[link_section = ".boot2"]
#[used]
pub static BOOT2_FIRMWARE: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

const XTAL_FREQ_HZ: u32 = 12_000_000;

#[cfg(not(any(feature = "c64-parallel", feature = "c64-printer", feature = "zx-uart")))]
compile_error!("pick a mode: --features c64-parallel, c64-printer or zx-uart");
#[cfg(any(
    all(feature = "c64-parallel", feature = "c64-printer"),
    all(feature = "c64-parallel", feature = "zx-uart"),
    all(feature = "c64-printer", feature = "zx-uart"),
))]
compile_error!("one mode at a time: use --no-default-features --features <mode>");

// The HAL names pins by field (gpio10, ...); these fail the build if the pin map moves a pin.
const _: () = assert!(pins::c64_parallel::PB0 == 2 && pins::c64_parallel::PB7 == 9);
const _: () = assert!(pins::c64_parallel::PC2 == 10);
const _: () = assert!(pins::c64_parallel::FLAG2 == 11);
const _: () = assert!(pins::c64_parallel::PA2 == 12);
const _: () = assert!(pins::c64_printer::D0 == 2 && pins::c64_printer::STROBE == 12);
const _: () = assert!(pins::c64_printer::BUSY == 11);
const _: () = assert!(pins::zx_if1_uart::TXD == 0 && pins::zx_if1_uart::RXD == 1);
const _: () = assert!(pins::zx_if1_uart::CTS == 2 && pins::zx_if1_uart::DTR == 3);

#[hal::entry]
fn main() -> ! {
    let mut pac = pac::Peripherals::take().unwrap();
    let mut watchdog = hal::Watchdog::new(pac.WATCHDOG);
    let clocks = hal::clocks::init_clocks_and_plls(
        XTAL_FREQ_HZ,
        pac.XOSC,
        pac.CLOCKS,
        pac.PLL_SYS,
        pac.PLL_USB,
        &mut pac.RESETS,
        &mut watchdog,
    )
    .ok()
    .unwrap();
    let timer = hal::Timer::new(pac.TIMER, &mut pac.RESETS, &clocks);
    let sio = hal::Sio::new(pac.SIO);
    let pins = hal::gpio::Pins::new(
        pac.IO_BANK0,
        pac.PADS_BANK0,
        sio.gpio_bank0,
        &mut pac.RESETS,
    );

    let usb_bus = UsbBusAllocator::new(hal::usb::UsbBus::new(
        pac.USBCTRL_REGS,
        pac.USBCTRL_DPRAM,
        clocks.usb_clock,
        true,
        &mut pac.RESETS,
    ));
    let mut link_port = SerialPort::new(&usb_bus);
    let mut capture_port = SerialPort::new(&usb_bus);
    let mut usb = UsbDeviceBuilder::new(&usb_bus, UsbVidPid(0x16c0, 0x27dd))
        .strings(&[StringDescriptors::default()
            .manufacturer("retromesh")
            .product("retromesh adapter")
            .serial_number("0001")])
        .unwrap()
        .composite_with_iads()
        .build();
    let now = || timer.get_counter().ticks();

    #[cfg(feature = "c64-parallel")]
    {
        use retromesh_adapter::parallel::{ParallelConfig, ParallelLink};
        // Data lines: pulled-up SIO inputs; sio_bus flips their output enables as a group.
        let _data = (
            pins.gpio2.into_pull_up_input(),
            pins.gpio3.into_pull_up_input(),
            pins.gpio4.into_pull_up_input(),
            pins.gpio5.into_pull_up_input(),
            pins.gpio6.into_pull_up_input(),
            pins.gpio7.into_pull_up_input(),
            pins.gpio8.into_pull_up_input(),
            pins.gpio9.into_pull_up_input(),
        );
        let mut link: ParallelLink<_, _, _, _, _> = ParallelLink::new(
            sio_bus::SioBus::new(pins::c64_parallel::PB0),
            pins.gpio10.into_pull_up_input(),
            pins.gpio12.into_pull_up_input(),
            pins.gpio11.into_push_pull_output(),
            // U2's DIR follows PA2 through JP1 1-2: no GPIO.
            retromesh_adapter::NoPin,
            ParallelConfig::default(),
        )
        .unwrap();
        loop {
            usb.poll(&mut [&mut link_port, &mut capture_port]);
            let mut buf = [0u8; 64];
            let room = link.to_micro().free().min(buf.len());
            if let Ok(n) = link_port.read(&mut buf[..room]) {
                link.to_micro().push_some(&buf[..n]);
            }
            write_from(&mut link_port, link.to_host());
            // A pin error cannot happen on SIO pins (Infallible); keep serving if it did.
            let _ = link.poll(now());
        }
    }

    #[cfg(feature = "c64-printer")]
    {
        use retromesh_adapter::centronics::{CentronicsCapture, CentronicsConfig};
        use retromesh_adapter::host::CaptureUplink;
        let _data = (
            pins.gpio2.into_pull_up_input(),
            pins.gpio3.into_pull_up_input(),
            pins.gpio4.into_pull_up_input(),
            pins.gpio5.into_pull_up_input(),
            pins.gpio6.into_pull_up_input(),
            pins.gpio7.into_pull_up_input(),
            pins.gpio8.into_pull_up_input(),
            pins.gpio9.into_pull_up_input(),
        );
        let mut capture = CentronicsCapture::new(
            sio_bus::SioBus::new(pins::c64_printer::D0),
            pins.gpio12.into_pull_up_input(),
            pins.gpio11.into_push_pull_output(),
            retromesh_adapter::NoPin, // /ACK is not wired on the geoCable layout
            CentronicsConfig::default(),
        )
        .unwrap();
        let mut uplink = CaptureUplink::<2048>::new(20_000);
        loop {
            usb.poll(&mut [&mut link_port, &mut capture_port]);
            let t = now();
            if let Some(event) = capture.poll(t) {
                uplink.push(t, event);
            }
            uplink.poll(t);
            write_from(&mut capture_port, uplink.wire());
        }
    }

    #[cfg(feature = "zx-uart")]
    {
        use embedded_hal::digital::OutputPin;
        use fugit::RateExtU32;
        use hal::uart::{DataBits, StopBits, UartConfig, UartPeripheral};
        use retromesh_adapter::uart::{PacedUart, PacingConfig};
        let uart = UartPeripheral::new(
            pac.UART0,
            (
                pins.gpio0.into_function::<hal::gpio::FunctionUart>(),
                pins.gpio1.into_function::<hal::gpio::FunctionUart>(),
            ),
            &mut pac.RESETS,
        )
        .enable(
            UartConfig::new(9600.Hz(), DataBits::Eight, None, StopBits::Two),
            hal::Clock::freq(&clocks.peripheral_clock),
        )
        .unwrap();
        // DTR asserted for good (the MAX3232 inverts: low = asserted).
        let mut dtr = pins.gpio3.into_push_pull_output();
        let _ = dtr.set_low();
        let mut paced: PacedUart<_, _> = PacedUart::new(
            uart_io::UartIo(uart),
            Some(pins.gpio2.into_pull_up_input()),
            PacingConfig::ZX_IF1,
        );
        loop {
            usb.poll(&mut [&mut link_port, &mut capture_port]);
            let mut buf = [0u8; 64];
            let room = paced.to_micro().free().min(buf.len());
            if let Ok(n) = link_port.read(&mut buf[..room]) {
                paced.to_micro().push_some(&buf[..n]);
            }
            write_from(&mut link_port, paced.to_host());
            let _ = paced.poll(now());
        }
    }
}

/// Writes what the port accepts from `queue` and drops only that.
fn write_from<B: usb_device::bus::UsbBus, const Q: usize>(
    port: &mut SerialPort<'_, B>,
    queue: &mut Ring<Q>,
) {
    let mut buf = [0u8; 64];
    let n = queue.peek_into(&mut buf);
    if n > 0 {
        if let Ok(written) = port.write(&buf[..n]) {
            queue.discard(written);
        }
    }
}
