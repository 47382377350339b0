//! Test support: the project's emulated C64 (`retromesh-c64`) with the client loaded, the
//! bridge ends, the real adapter logic on its user port, and a way to call the library's
//! entries and read the results.

#![allow(dead_code)]

pub mod adapter_link;
pub mod asm;
pub mod bridge;
pub mod real_bridge;

use std::cell::RefCell;
use std::rc::Rc;

use retromesh_c64::{
    C64Config, RunEnd, SerialPeer, SerialPort, UserPortDevice, UserPortIn, UserPortOut, C64,
};
use retromesh_c64_client::PAL_CLOCK_HZ;
use retromesh_c64_client::{prg, Driver, LOAD_ADDRESS};
#[allow(unused_imports)] // not every test binary sends these bodies
pub use retromesh_link_testkit::{awkward_bytes, text_body};

/// A peer or device the test keeps a handle on while the machine owns it.
pub struct Shared<T>(pub Rc<RefCell<T>>);

impl<T> Shared<T> {
    pub fn new(t: T) -> (Self, Rc<RefCell<T>>) {
        let rc = Rc::new(RefCell::new(t));
        (Shared(rc.clone()), rc)
    }
}

impl<T: SerialPeer> SerialPeer for Shared<T> {
    fn exchange(&mut self, from: &[u8], to: &mut Vec<u8>, now: u64) -> Option<String> {
        self.0.borrow_mut().exchange(from, to, now)
    }
}

impl<T: UserPortDevice> UserPortDevice for Shared<T> {
    fn step(&mut self, now: u64, out: &UserPortOut) -> UserPortIn {
        self.0.borrow_mut().step(now, out)
    }
}

/// What an entry returned.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub a: u8,
    pub x: u8,
    pub y: u8,
    pub ok: bool,
    pub cycles: u64,
}

impl Call {
    /// X/Y as a word: the RESULT status for GET/POST/LISTEN.
    pub fn xy(&self) -> u16 {
        u16::from_le_bytes([self.x, self.y])
    }
    pub fn secs(&self) -> f64 {
        self.cycles as f64 / PAL_CLOCK_HZ as f64
    }
}

/// A C64 with the library for `driver` loaded.
pub fn c64_with(driver: Driver) -> C64 {
    let mut c64 = C64::new(C64Config {
        roms: None,
        swiftlink: driver == Driver::SwiftLink,
    });
    let loaded = c64.load_prg(prg(driver)).expect("the library loads");
    assert_eq!(loaded.load, LOAD_ADDRESS);
    c64
}

/// Calls `addr` with A/X/Y and runs until it returns; panics naming `what` if it does not
/// within `secs` emulated seconds.
pub fn call(c64: &mut C64, what: &str, addr: u16, a: u8, x: u8, y: u8, secs: f64) -> Call {
    c64.set_registers(a, x, y);
    c64.sys(addr);
    let start = c64.cycles();
    match c64.run((secs * PAL_CLOCK_HZ as f64) as u64) {
        RunEnd::Returned => {}
        other => panic!(
            "{what}: {other:?} after {:.2} s",
            (c64.cycles() - start) as f64 / PAL_CLOCK_HZ as f64
        ),
    }
    let (a, x, y, p, _, _) = c64.registers();
    Call {
        a,
        x,
        y,
        ok: p & 1 == 0,
        cycles: c64.cycles() - start,
    }
}

/// `call` that must succeed.
pub fn call_ok(c64: &mut C64, what: &str, addr: u16, a: u8, x: u8, y: u8, secs: f64) -> Call {
    let c = call(c64, what, addr, a, x, y, secs);
    assert!(c.ok, "{what} failed with error {}", c.a);
    c
}

pub fn peek_word(c64: &C64, addr: u16) -> u16 {
    u16::from_le_bytes([c64.peek(addr), c64.peek(addr + 1)])
}

pub fn peek_bytes(c64: &C64, addr: u16, len: usize) -> Vec<u8> {
    (0..len).map(|i| c64.peek(addr + i as u16)).collect()
}

pub fn poke_bytes(c64: &mut C64, addr: u16, bytes: &[u8]) {
    for (i, &b) in bytes.iter().enumerate() {
        c64.poke(addr + i as u16, b);
    }
}

/// Where tests put arguments (free RAM under BASIC's area).
pub const ARGS: u16 = 0x4000;

/// Calls the client's GET with `target` placed at [`ARGS`], as a BASIC caller hands it over.
pub fn get_ok(c64: &mut C64, target: &[u8], secs: f64) -> Call {
    poke_bytes(c64, ARGS, target);
    call_ok(
        c64,
        "get",
        retromesh_c64_client::entry::GET,
        target.len() as u8,
        ARGS as u8,
        (ARGS >> 8) as u8,
        secs,
    )
}

/// A C64 with `driver`'s library, wired to `peer` the way that driver reaches the bridge:
/// the KERNAL's RS-232, the CIA shift registers, a SwiftLink, or the parallel adapter.
pub type AdapterHandle = Option<Rc<RefCell<adapter_link::AdapterLink>>>;

pub fn wire(driver: Driver, peer: Box<dyn SerialPeer>) -> (C64, AdapterHandle) {
    let mut c64 = c64_with(driver);
    let port = match driver {
        Driver::Kernal => SerialPort::Kernal,
        Driver::Up9600 => SerialPort::Up9600,
        Driver::SwiftLink => SerialPort::SwiftLink,
        Driver::Parallel => {
            let (dev, a) = Shared::new(adapter_link::AdapterLink::new(peer));
            c64.attach_user_port(Box::new(dev));
            return (c64, Some(a));
        }
    };
    c64.attach_serial(port, peer);
    (c64, None)
}

/// [`wire`] to a frame-mode bridge the test keeps a handle on.
pub fn wired(
    driver: Driver,
    bridge: bridge::FrameBridge,
) -> (C64, Rc<RefCell<bridge::FrameBridge>>, AdapterHandle) {
    let (peer, handle) = Shared::new(bridge);
    let (c64, adapter) = wire(driver, Box::new(peer));
    (c64, handle, adapter)
}
