//! Frame mode end to end for every driver: the 6502 library in the emulated C64 (`retromesh-c64`), over the
//! driver's port, to a bridge built on the reference `LinkSession`.

mod common;

use common::bridge::{Fault, FrameBridge, Inbound};
use common::*;
use retromesh_c64_client::{entry, error, mem, Driver, MACHINE_ID};
use retromesh_link_frame::Method;

const K_DATA: u8 = 0x01;
const K_HELLO_REPLY: u8 = 0x11;

/// Seconds of emulated time one call may take: the KERNAL's 1200 baud is slow.
fn budget(driver: Driver) -> f64 {
    if driver == Driver::Kernal { 60.0 } else { 20.0 }
}

fn init(c64: &mut retromesh_c64::C64, driver: Driver) -> Call {
    call_ok(c64, "init", entry::INIT, 0, 0, 0, budget(driver))
}

/// HELLO with the first reply lost: the micro must say HELLO again. Fails if the machine id,
/// version or payload offered are wrong, or a lost reply is not retried.
fn hello(driver: Driver) {
    let mut bridge = FrameBridge::default();
    bridge.to_micro_faults.push((K_HELLO_REPLY, 0, Fault::Drop));
    let (mut c64, bridge, _) = wired(driver, bridge);
    init(&mut c64, driver);
    let b = bridge.borrow();
    assert_eq!(b.hellos, vec![vec![MACHINE_ID, 1, 0, 250]; 2]);
    assert_eq!(c64.peek(mem::V_LINK_UP), 1);
    assert_eq!(c64.peek(mem::V_MAXPAY), 250);
    assert_eq!(c64.peek(mem::V_ERR), 0);
}

/// ECHO of the most one frame carries, full of bytes SLIP escapes; one more is refused.
/// Fails if escaping, the CRC or the body buffer is wrong anywhere in 247 bytes.
fn echo(driver: Driver) {
    let data = awkward_bytes(247);
    let (mut c64, bridge, _) = wired(driver, FrameBridge::default());
    init(&mut c64, driver);
    poke_bytes(&mut c64, ARGS, &data);
    let c = call_ok(&mut c64, "echo", entry::ECHO, 247, ARGS as u8, (ARGS >> 8) as u8, budget(driver));
    assert_eq!(c.xy(), 0);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 247);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 247), data);
    let b = bridge.borrow();
    assert_eq!(b.received.len(), 1, "exactly one ECHO reached the bridge");
    assert_eq!(&b.received[0].2[3..], &data[..]);
    drop(b);
    let c = call(&mut c64, "echo 248", entry::ECHO, 248, ARGS as u8, (ARGS >> 8) as u8, 1.0);
    assert!(!c.ok);
    assert_eq!(c.a, error::TOO_LONG);
    assert_eq!(c64.peek(mem::V_ERR), error::TOO_LONG);
}

/// GET with a 3-frame answer, one cut at the 1 KB buffer, and a 404.
fn get(driver: Driver) {
    let weather = text_body(600);
    let big = text_body(1100);
    let bridge = FrameBridge::default()
        .answer("weather/today", 200, &weather)
        .answer("big/one", 200, &big);
    let (mut c64, bridge, _) = wired(driver, bridge);
    init(&mut c64, driver);
    let get = |c64: &mut retromesh_c64::C64, target: &str| {
        poke_bytes(c64, ARGS, target.as_bytes());
        call_ok(c64, target, entry::GET, target.len() as u8, ARGS as u8, (ARGS >> 8) as u8, budget(driver) * 3.0)
    };
    let c = get(&mut c64, "weather/today");
    assert_eq!(c.xy(), 200);
    assert_eq!(peek_word(&c64, mem::V_STATUS), 200);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 600);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 600), weather);
    assert_eq!(c64.peek(mem::V_BODY_TRUNC), 0);
    let c = get(&mut c64, "big/one");
    assert_eq!(c.xy(), 200);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 1024, "cut at the body buffer");
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 1024), big[..1024]);
    assert_ne!(c64.peek(mem::V_BODY_TRUNC), 0, "and says so");
    let c = get(&mut c64, "nothing/here");
    assert_eq!(c.xy(), 404);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 15), b"NO SUCH SERVICE");
    let ops: Vec<u8> = bridge.borrow().received.iter().map(|r| r.0).collect();
    assert_eq!(ops, [0x01, 0x01, 0x01]);
    // A clean line needs no NAK and no resend. Not yet true of the polled SwiftLink and
    // UP9600 drivers on `retromesh-c64`: bytes arriving while the 6502 is busy between polls
    // overrun the 6551 / CIA1 SDR (no RTS/CTS in the model) and the frame layer repairs them
    // (README, "Not verified / not done"). Those two are held to the bodies above.
    if matches!(driver, Driver::Parallel | Driver::Kernal) {
        assert_eq!(c64.peek(mem::V_NAKS), 0, "no damaged frame on a clean line");
        assert_eq!(bridge.borrow().session.stats().retransmits, 0, "no resend on a clean line");
    }
}

/// TIME, POST with a CONT, LOG. Fails if the big-endian seconds, the CONT split or the log
/// level/text are wrong.
fn time_post_log(driver: Driver) {
    let (mut c64, bridge, _) = wired(driver, FrameBridge::default());
    init(&mut c64, driver);
    call_ok(&mut c64, "time", entry::TIME, 0, 0, 0, budget(driver));
    assert_eq!(peek_bytes(&c64, mem::V_UNIX, 4), 1_795_000_000u32.to_be_bytes());
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 19), b"2026-11-18 07:46:40");
    let body = text_body(300);
    poke_bytes(&mut c64, ARGS + 0x100, &body);
    poke_bytes(&mut c64, mem::V_ARG_PTR, &(ARGS + 0x100).to_le_bytes());
    poke_bytes(&mut c64, mem::V_ARG_LEN, &300u16.to_le_bytes());
    poke_bytes(&mut c64, ARGS, b"notes/add");
    let c = call_ok(&mut c64, "post", entry::POST, 9, ARGS as u8, (ARGS >> 8) as u8, budget(driver) * 2.0);
    assert_eq!(c.xy(), 201);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 300);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 300), body, "the bridge echoes POST bodies");
    c64.poke(mem::V_LOG_LEVEL, 1);
    poke_bytes(&mut c64, ARGS, b"disk full");
    call_ok(&mut c64, "log", entry::LOG, 9, ARGS as u8, (ARGS >> 8) as u8, budget(driver));
    // LOG is not answered, but its DATA frame was ACKed: the bridge has it
    let b = bridge.borrow();
    assert_eq!(b.posts, vec![(b"notes/add".to_vec(), body)]);
    assert_eq!(b.logs, vec![(1, b"disk full".to_vec())]);
    let ops: Vec<u8> = b.received.iter().map(|r| r.0).collect();
    assert_eq!(ops, [0x05, 0x02, 0x0F, 0x07], "TIME, POST, its CONT, LOG");
}

/// LISTEN, a REQUEST in two frames, a REPLY in two frames, UNLISTEN.
fn listen_request_reply(driver: Driver) {
    let body = text_body(300);
    let caller = b"spiffe://retromesh.local/ns/default/sa/printer-client".to_vec();
    let mut bridge = FrameBridge::default();
    bridge.requests.push_back(Inbound {
        method: Method::Post,
        caller: caller.clone(),
        path: b"/print".to_vec(),
        body: body.clone(),
    });
    let (mut c64, bridge, _) = wired(driver, bridge);
    init(&mut c64, driver);
    let c = call_ok(&mut c64, "listen", entry::LISTEN, 0, 0, 0, budget(driver));
    assert_eq!(c.xy(), 200);
    call_ok(&mut c64, "wait_request", entry::WAIT_REQUEST, 0, 0, 0, budget(driver) * 2.0);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 300);
    assert_eq!(c64.peek(mem::V_REQ_METHOD), b'P');
    assert_eq!(c64.peek(mem::REQ_PATH), 6);
    assert_eq!(peek_bytes(&c64, mem::REQ_PATH + 1, 6), b"/print");
    assert_eq!(c64.peek(mem::REQ_CALLER) as usize, caller.len());
    assert_eq!(peek_bytes(&c64, mem::REQ_CALLER + 1, caller.len()), caller);
    poke_bytes(&mut c64, mem::V_ARG_PTR, &mem::BODY_BUF.to_le_bytes());
    poke_bytes(&mut c64, mem::V_ARG_LEN, &300u16.to_le_bytes());
    call_ok(&mut c64, "reply", entry::REPLY, 0, 201, 0, budget(driver) * 2.0);
    let c = call_ok(&mut c64, "unlisten", entry::UNLISTEN, 0, 0, 0, budget(driver));
    assert_eq!(c.xy(), 200);
    assert_eq!(bridge.borrow().replies, vec![(1, 201, body)]);
}

/// Faults both ways in one run: a DATA lost each way, one corrupted each way (NAK), garbage
/// before frames. Every message arrives exactly once and bodies are byte-exact; fails if a
/// damaged frame is taken, a NAK is not answered, or a duplicate is delivered twice.
fn faults(driver: Driver) {
    let weather = text_body(600);
    let mut bridge = FrameBridge::default().answer("weather/today", 200, &weather);
    bridge.to_micro_faults = vec![
        (K_DATA, 0, Fault::Corrupt(10)),
        (K_DATA, 1, Fault::Drop),
        (K_DATA, 2, Fault::Noise(&[0x55, 0xDB, 0x01, 0xC0, 0x07, 0xC0])),
    ];
    bridge.from_micro_faults = vec![(K_DATA, 0, Fault::Corrupt(5)), (K_DATA, 1, Fault::Drop)];
    let (mut c64, bridge, _) = wired(driver, bridge);
    init(&mut c64, driver);
    let data = awkward_bytes(200);
    poke_bytes(&mut c64, ARGS + 0x100, &data);
    call_ok(&mut c64, "echo", entry::ECHO, 200, 0x00, ((ARGS + 0x100) >> 8) as u8, budget(driver) * 4.0);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 200), data);
    poke_bytes(&mut c64, ARGS, b"weather/today");
    let c = call_ok(&mut c64, "get", entry::GET, 13, ARGS as u8, (ARGS >> 8) as u8, budget(driver) * 6.0);
    assert_eq!(c.xy(), 200);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 600), weather);
    let b = bridge.borrow();
    assert_eq!(b.faults_done, 5, "every planned fault happened");
    let ops: Vec<u8> = b.received.iter().map(|r| r.0).collect();
    assert_eq!(ops, [0x06, 0x01], "one ECHO, one GET: no duplicates");
    assert!(c64.peek(mem::V_NAKS) >= 1, "the corrupted frame was NAKed");
    assert!(c64.peek(mem::V_RETX) >= 2, "the micro sent again after a NAK and a loss");
    assert!(b.session.stats().naks_sent >= 1, "the bridge NAKed the damaged DATA");
}

/// No bridge at all: init gives up with error 1 (timeout) after its HELLOs.
fn no_bridge(driver: Driver) {
    struct Silent;
    impl retromesh_c64::SerialPeer for Silent {
        fn exchange(&mut self, _: &[u8], _: &mut Vec<u8>, _: u64) -> Option<String> {
            None
        }
    }
    let mut c64 = c64_with(driver);
    c64.poke(retromesh_c64_client::config::HELLO_TRIES, 3);
    match driver {
        Driver::Kernal => c64.attach_serial(retromesh_c64::SerialPort::Kernal, Box::new(Silent)),
        Driver::Up9600 => c64.attach_serial(retromesh_c64::SerialPort::Up9600, Box::new(Silent)),
        Driver::SwiftLink => c64.attach_serial(retromesh_c64::SerialPort::SwiftLink, Box::new(Silent)),
        Driver::Parallel => unreachable!("the parallel tests have their own"),
    }
    let c = call(&mut c64, "init", entry::INIT, 0, 0, 0, 20.0);
    assert!(!c.ok);
    assert_eq!(c.a, error::TIMEOUT);
    assert!((1.5..6.0).contains(&c.secs()), "3 HELLOs of ~1 s each took {:.2} s", c.secs());
    let c = call(&mut c64, "get", entry::GET, 1, 0, 0x40, 1.0);
    assert_eq!(c.a, error::NO_LINK, "no frame-mode call before a HELLO");
}

macro_rules! for_drivers {
    ($($name:ident => $driver:expr),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[test] fn hello_resent_after_lost_reply() { hello($driver) }
            #[test] fn echo_247_awkward_bytes() { echo($driver) }
            #[test] fn get_multi_frame_truncated_404() { get($driver) }
            #[test] fn time_post_with_cont_log() { time_post_log($driver) }
            #[test] fn listen_request_reply_unlisten() { listen_request_reply($driver) }
            #[test] fn corrupted_lost_and_noisy_frames_recovered() { faults($driver) }
        }
    )*};
}

for_drivers! {
    swiftlink => Driver::SwiftLink,
    kernal => Driver::Kernal,
    up9600 => Driver::Up9600,
    parallel => Driver::Parallel,
}

#[test]
fn swiftlink_init_times_out_without_bridge() {
    no_bridge(Driver::SwiftLink)
}

#[test]
fn kernal_init_times_out_without_bridge() {
    no_bridge(Driver::Kernal)
}

#[test]
fn up9600_init_times_out_without_bridge() {
    no_bridge(Driver::Up9600)
}
