//! Frame mode end to end for every driver: the 6502 library in the emulated C64 (`retromesh-c64`), over the
//! driver's port, to a bridge built on the reference `LinkSession`.

mod common;

use common::bridge::{Fault, FrameBridge, Inbound, Reply};
use common::*;
use retromesh_c64_client::{entry, error, mem, Driver, MACHINE_ID};
use retromesh_link_frame::Method;

const K_DATA: u8 = 0x01;
const K_HELLO_REPLY: u8 = 0x11;

/// Seconds of emulated time one call may take: the KERNAL's 1200 baud is slow.
fn budget(driver: Driver) -> f64 {
    if driver == Driver::Kernal {
        60.0
    } else {
        20.0
    }
}

fn init(c64: &mut retromesh_c64::C64, driver: Driver) -> Call {
    call_ok(c64, "init", entry::INIT, 0, 0, 0, budget(driver))
}

/// HELLO with the first reply lost: the micro must say HELLO again. Fails if the machine id,
/// version or payload offered are wrong, or a lost reply is not retried.
fn hello(driver: Driver) {
    let mut bridge = FrameBridge::default();
    bridge.faults.to_micro.push((K_HELLO_REPLY, 0, Fault::Drop));
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
    let c = call_ok(
        &mut c64,
        "echo",
        entry::ECHO,
        247,
        ARGS as u8,
        (ARGS >> 8) as u8,
        budget(driver),
    );
    assert_eq!(c.xy(), 0);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 247);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 247), data);
    let b = bridge.borrow();
    assert_eq!(b.received.len(), 1, "exactly one ECHO reached the bridge");
    assert_eq!(&b.received[0].payload[3..], &data[..]);
    drop(b);
    let c = call(
        &mut c64,
        "echo 248",
        entry::ECHO,
        248,
        ARGS as u8,
        (ARGS >> 8) as u8,
        1.0,
    );
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
        get_ok(c64, target.as_bytes(), budget(driver) * 3.0)
    };
    let c = get(&mut c64, "weather/today");
    assert_eq!(c.xy(), 200);
    assert_eq!(peek_word(&c64, mem::V_STATUS), 200);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 600);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 600), weather);
    assert_eq!(c64.peek(mem::V_BODY_TRUNC), 0);
    let c = get(&mut c64, "big/one");
    assert_eq!(c.xy(), 200);
    assert_eq!(
        peek_word(&c64, mem::V_BODY_LEN),
        1024,
        "cut at the body buffer"
    );
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 1024), big[..1024]);
    assert_ne!(c64.peek(mem::V_BODY_TRUNC), 0, "and says so");
    let c = get(&mut c64, "nothing/here");
    assert_eq!(c.xy(), 404);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 15), b"NO SUCH SERVICE");
    let ops: Vec<u8> = bridge.borrow().received.iter().map(|r| r.op).collect();
    assert_eq!(ops, [0x01, 0x01, 0x01]);
    // A clean line needs no NAK and no resend, and no byte may be lost on the way in: the
    // SwiftLink and UP9600 drivers receive under NMI (from the 6551, from CIA2's SP) into a
    // ring, so bytes arriving while the 6502 is busy are not overrun.
    let overruns = match driver {
        Driver::SwiftLink => c64.acia().expect("a SwiftLink").overruns,
        Driver::Up9600 => c64.up9600_overruns(),
        Driver::Kernal | Driver::Parallel => 0,
    };
    assert_eq!(overruns, 0, "no receive overrun on a clean line");
    assert_eq!(c64.peek(mem::V_NAKS), 0, "no damaged frame on a clean line");
    assert_eq!(
        bridge.borrow().session.stats().retransmits,
        0,
        "no resend on a clean line"
    );
}

/// TIME, POST with a CONT, LOG. Fails if the big-endian seconds, the CONT split or the log
/// level/text are wrong.
fn time_post_log(driver: Driver) {
    let (mut c64, bridge, _) = wired(driver, FrameBridge::default());
    init(&mut c64, driver);
    call_ok(&mut c64, "time", entry::TIME, 0, 0, 0, budget(driver));
    assert_eq!(
        peek_bytes(&c64, mem::V_UNIX, 4),
        1_795_000_000u32.to_be_bytes()
    );
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 19), b"2026-11-18 07:46:40");
    let body = text_body(300);
    poke_bytes(&mut c64, ARGS + 0x100, &body);
    poke_bytes(&mut c64, mem::V_ARG_PTR, &(ARGS + 0x100).to_le_bytes());
    poke_bytes(&mut c64, mem::V_ARG_LEN, &300u16.to_le_bytes());
    poke_bytes(&mut c64, ARGS, b"notes/add");
    let c = call_ok(
        &mut c64,
        "post",
        entry::POST,
        9,
        ARGS as u8,
        (ARGS >> 8) as u8,
        budget(driver) * 2.0,
    );
    assert_eq!(c.xy(), 201);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 300);
    assert_eq!(
        peek_bytes(&c64, mem::BODY_BUF, 300),
        body,
        "the bridge echoes POST bodies"
    );
    c64.poke(mem::V_LOG_LEVEL, 1);
    poke_bytes(&mut c64, ARGS, b"disk full");
    call_ok(
        &mut c64,
        "log",
        entry::LOG,
        9,
        ARGS as u8,
        (ARGS >> 8) as u8,
        budget(driver),
    );
    // LOG is not answered, but its DATA frame was ACKed: the bridge has it
    let b = bridge.borrow();
    assert_eq!(b.posts, vec![(b"notes/add".to_vec(), body)]);
    assert_eq!(b.logs, vec![(1, b"disk full".to_vec())]);
    let ops: Vec<u8> = b.received.iter().map(|r| r.op).collect();
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
    call_ok(
        &mut c64,
        "wait_request",
        entry::WAIT_REQUEST,
        0,
        0,
        0,
        budget(driver) * 2.0,
    );
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 300);
    assert_eq!(c64.peek(mem::V_REQ_METHOD), b'P');
    assert_eq!(c64.peek(mem::REQ_PATH), 6);
    assert_eq!(peek_bytes(&c64, mem::REQ_PATH + 1, 6), b"/print");
    assert_eq!(c64.peek(mem::REQ_CALLER) as usize, caller.len());
    assert_eq!(peek_bytes(&c64, mem::REQ_CALLER + 1, caller.len()), caller);
    poke_bytes(&mut c64, mem::V_ARG_PTR, &mem::BODY_BUF.to_le_bytes());
    poke_bytes(&mut c64, mem::V_ARG_LEN, &300u16.to_le_bytes());
    call_ok(
        &mut c64,
        "reply",
        entry::REPLY,
        0,
        201,
        0,
        budget(driver) * 2.0,
    );
    let c = call_ok(
        &mut c64,
        "unlisten",
        entry::UNLISTEN,
        0,
        0,
        0,
        budget(driver),
    );
    assert_eq!(c.xy(), 200);
    assert_eq!(
        bridge.borrow().replies,
        vec![Reply {
            id: 1,
            status: 201,
            body
        }]
    );
}

/// Faults both ways in one run: a DATA lost each way, one corrupted each way (NAK), garbage
/// before frames. Every message arrives exactly once and bodies are byte-exact; fails if a
/// damaged frame is taken, a NAK is not answered, or a duplicate is delivered twice.
fn faults(driver: Driver) {
    let weather = text_body(600);
    let mut bridge = FrameBridge::default().answer("weather/today", 200, &weather);
    bridge.faults.to_micro = vec![
        (K_DATA, 0, Fault::Corrupt(10)),
        (K_DATA, 1, Fault::Drop),
        (
            K_DATA,
            2,
            Fault::Noise(&[0x55, 0xDB, 0x01, 0xC0, 0x07, 0xC0]),
        ),
    ];
    bridge.faults.from_micro = vec![(K_DATA, 0, Fault::Corrupt(5)), (K_DATA, 1, Fault::Drop)];
    let (mut c64, bridge, _) = wired(driver, bridge);
    init(&mut c64, driver);
    let data = awkward_bytes(200);
    poke_bytes(&mut c64, ARGS + 0x100, &data);
    call_ok(
        &mut c64,
        "echo",
        entry::ECHO,
        200,
        0x00,
        ((ARGS + 0x100) >> 8) as u8,
        budget(driver) * 4.0,
    );
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 200), data);
    let c = get_ok(&mut c64, b"weather/today", budget(driver) * 6.0);
    assert_eq!(c.xy(), 200);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 600), weather);
    let b = bridge.borrow();
    assert_eq!(b.faults_done.len(), 5, "every planned fault happened");
    let ops: Vec<u8> = b.received.iter().map(|r| r.op).collect();
    assert_eq!(ops, [0x06, 0x01], "one ECHO, one GET: no duplicates");
    assert!(c64.peek(mem::V_NAKS) >= 1, "the corrupted frame was NAKed");
    assert!(
        c64.peek(mem::V_RETX) >= 2,
        "the micro sent again after a NAK and a loss"
    );
    assert!(
        b.session.stats().naks_sent >= 1,
        "the bridge NAKed the damaged DATA"
    );
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
        Driver::SwiftLink => {
            c64.attach_serial(retromesh_c64::SerialPort::SwiftLink, Box::new(Silent))
        }
        Driver::Parallel => unreachable!("the parallel tests have their own"),
    }
    let c = call(&mut c64, "init", entry::INIT, 0, 0, 0, 20.0);
    assert!(!c.ok);
    assert_eq!(c.a, error::TIMEOUT);
    assert!(
        (1.5..6.0).contains(&c.secs()),
        "3 HELLOs of ~1 s each took {:.2} s",
        c.secs()
    );
    let c = call(&mut c64, "get", entry::GET, 1, 0, 0x40, 1.0);
    assert_eq!(c.a, error::NO_LINK, "no frame-mode call before a HELLO");
}

/// The vector a serial driver's receive interrupt comes through: $0318 (NMI) for the
/// SwiftLink's 6551 and for UP9600's CIA2 SP (the real UP9600 wiring).
fn rx_vector(driver: Driver) -> u16 {
    match driver {
        Driver::SwiftLink | Driver::Up9600 => 0x0318,
        _ => unreachable!("only the SwiftLink and UP9600 drivers receive under interrupt"),
    }
}

/// GET of a 600-byte answer (3 DATA frames) that must come in whole on the first try.
fn clean_get(
    c64: &mut retromesh_c64::C64,
    bridge: &std::cell::RefCell<FrameBridge>,
    driver: Driver,
    body: &[u8],
) {
    let sends = bridge.borrow().received.len();
    let c = get_ok(c64, b"weather/today", budget(driver) * 3.0);
    assert_eq!(c.xy(), 200);
    assert_eq!(peek_bytes(c64, mem::BODY_BUF, body.len()), body);
    assert_eq!(bridge.borrow().received.len(), sends + 1, "one GET");
    assert_eq!(c64.peek(mem::V_NAKS), 0, "no damaged frame on a clean line");
    assert_eq!(
        bridge.borrow().session.stats().retransmits,
        0,
        "no resend on a clean line"
    );
}

/// The receive interrupt's handler is in its vector from init until close (SYS 49197), which
/// puts the vector back as found (and the 6551's receive IRQ off); the next call hooks it
/// again and still loses nothing. Fails if close leaves the library's handler in the vector,
/// or receiving after a close falls back to overrunning polls.
fn rx_vector_until_close(driver: Driver) {
    let weather = text_body(600);
    let (mut c64, bridge, _) = wired(
        driver,
        FrameBridge::default().answer("weather/today", 200, &weather),
    );
    let vector = rx_vector(driver);
    let found = peek_word(&c64, vector);
    init(&mut c64, driver);
    let ours = peek_word(&c64, vector);
    assert!(
        (0xC000..0xD000).contains(&ours),
        "init hooks ${vector:04X}: ${ours:04X}"
    );
    if driver == Driver::SwiftLink {
        assert_eq!(
            c64.peek(0xDE02) & 0x03,
            0x01,
            "6551: DTR on, receive IRQ on"
        );
    }
    clean_get(&mut c64, &bridge, driver, &weather);
    call_ok(&mut c64, "close", entry::CLOSE, 0, 0, 0, 1.0);
    assert_eq!(
        peek_word(&c64, vector),
        found,
        "close puts ${vector:04X} back"
    );
    if driver == Driver::SwiftLink {
        assert_eq!(
            c64.peek(0xDE02) & 0x03,
            0x03,
            "6551: receive IRQ off after close"
        );
    }
    clean_get(&mut c64, &bridge, driver, &weather);
    assert_eq!(
        peek_word(&c64, vector),
        ours,
        "hooked again by the next call"
    );
    let overruns = match driver {
        Driver::SwiftLink => c64.acia().expect("a SwiftLink").overruns,
        _ => c64.up9600_overruns(),
    };
    assert_eq!(overruns, 0, "no receive overrun");
}

#[test]
fn swiftlink_nmi_vector_hooked_until_close() {
    rx_vector_until_close(Driver::SwiftLink)
}

#[test]
fn up9600_nmi_vector_hooked_until_close() {
    rx_vector_until_close(Driver::Up9600)
}

/// UP9600 with a running 60 Hz CIA1 timer A IRQ (the KERNAL's jiffy) and a handler in $0314
/// that counts ticks before going on to the KERNAL's. CIA1 timer A becomes the send clock, so
/// the driver moves the jiffy to CIA1 timer B (as the real UP9600 driver does); bytes come in
/// under CIA2's NMI and never compete with the IRQ. Every tick still reaches the handler at
/// its rate, and nothing is overrun. Fails if the driver loses the jiffy (or runs it at the
/// shift clock's rate), eats timer IRQs, touches $0314, or loses bytes.
#[test]
fn up9600_timer_irq_still_reaches_the_old_handler() {
    const TICKS: u16 = 0x03F0;
    const HANDLER: u16 = 0x0340;
    const PERIOD: u64 = 16_421; // PAL: 985248 / 60
    let weather = text_body(600);
    let (mut c64, bridge, _) = wired(
        Driver::Up9600,
        FrameBridge::default().answer("weather/today", 200, &weather),
    );
    // INC TICKS / BNE + / INC TICKS+1 / + JMP $EA31 (the KERNAL's IRQ handler)
    poke_bytes(
        &mut c64,
        HANDLER,
        &[
            0xEE, 0xF0, 0x03, 0xD0, 0x03, 0xEE, 0xF1, 0x03, 0x4C, 0x31, 0xEA,
        ],
    );
    poke_bytes(&mut c64, TICKS, &[0, 0]);
    poke_bytes(&mut c64, 0x0314, &HANDLER.to_le_bytes());
    let latch = (PERIOD - 1) as u16;
    c64.poke(0xDC04, latch as u8);
    c64.poke(0xDC05, (latch >> 8) as u8);
    c64.poke(0xDC0D, 0x81); // timer A interrupt on
    c64.poke(0xDC0E, 0x11); // force load, continuous, start
                            // init builds its tables with IRQs off (ticks merge there), so count from after it.
    init(&mut c64, Driver::Up9600);
    poke_bytes(&mut c64, TICKS, &[0, 0]);
    let start = c64.cycles();
    clean_get(&mut c64, &bridge, Driver::Up9600, &weather);
    clean_get(&mut c64, &bridge, Driver::Up9600, &weather);
    let elapsed = c64.cycles() - start;
    let ticks = u64::from(peek_word(&c64, TICKS));
    let expected = elapsed / PERIOD;
    assert!(expected >= 10, "long enough to count: {expected} ticks");
    assert!(
        ticks + 2 >= expected && ticks <= expected + 1,
        "{ticks} ticks reached the old handler in {elapsed} cycles ({expected} expected)"
    );
    assert_eq!(c64.up9600_overruns(), 0, "no receive overrun");
    assert_eq!(
        peek_word(&c64, 0x0314),
        HANDLER,
        "$0314 is not the driver's"
    );
    let nmi = peek_word(&c64, 0x0318);
    assert!(
        (0xC000..0xD000).contains(&nmi),
        "receive hooks $0318: ${nmi:04X}"
    );
    call_ok(&mut c64, "close", entry::CLOSE, 0, 0, 0, 1.0);
    assert_eq!(peek_word(&c64, 0x0314), HANDLER, "$0314 untouched by close");
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
