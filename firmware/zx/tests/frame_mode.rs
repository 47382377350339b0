//! Frame mode end to end: the Z80 library in the emulated Spectrum, talking over the
//! emulated serial port to a bridge built on the reference `LinkSession`. Each driver on its
//! machine: if1 on a 48K, ay128 on a 128K, next on a 48K with the Next UART modelled.

mod common;

use common::*;
use retromesh_link_frame::Method;
use retromesh_spectrum::Model;
use retromesh_zx_client::{config, entry, error, mem, Driver};

const K_DATA: u8 = 0x01;
const K_ACK: u8 = 0x02;
const K_HELLO_REPLY: u8 = 0x11;
const R: u16 = STUB_RESULTS;
/// Where stubs copy a first body before a second call overwrites the buffer.
const SAVED: u16 = 0x8000;

fn model(driver: Driver) -> Model {
    setup(driver).0
}

fn machine_id(driver: Driver) -> u8 {
    match driver {
        Driver::If1 => 0x10,
        Driver::Ay128 => 0x11,
        Driver::Next => 0x12,
    }
}

fn hello(driver: Driver) {
    let mut stub = Stub::default();
    stub.call_ok(entry::INIT).store_bc(R).exit_ok();
    let mut bridge = FrameBridge::new(model(driver));
    // The first HELLO_REPLY is lost: the micro must say HELLO again.
    bridge.faults.to_micro.push((K_HELLO_REPLY, 0, Fault::Drop));
    let (m, outcome) = run_stub(driver, &stub, &[], &mut bridge, 20.0);
    assert_eq!(exit_code(&outcome, "hello"), 0, "{:?}", bridge.hellos);
    let hello = vec![machine_id(driver), 1, 1, 250, 0x01]; // CAP_SCREEN
    assert_eq!(bridge.hellos, vec![hello.clone(), hello]);
    assert_eq!(peek_word(&m, R), 0, "BC = 0");
    assert_eq!(m.peek(mem::V_LINK_UP), 1);
    assert_eq!(m.peek(mem::V_MAXPAY), 250);
    assert_eq!(bridge.faults_done.len(), 1);
}

fn echo(driver: Driver) {
    let data = awkward_bytes(247); // the most one frame carries after op, id, flags
    let mut stub = Stub::default();
    stub.call_ok(entry::INIT)
        .ld_hl(STUB_DATA)
        .ld_bc(data.len() as u16)
        .call_ok(entry::ECHO)
        .store_bc(R)
        .store_de(R + 2)
        .ld_hl(STUB_DATA)
        .ld_bc(data.len() as u16 + 1)
        .call(entry::ECHO) // one byte too many: refused
        .store_a(R + 4)
        .exit_ok();
    let mut bridge = FrameBridge::new(model(driver));
    let (m, outcome) = run_stub(driver, &stub, &data, &mut bridge, 20.0);
    assert_eq!(exit_code(&outcome, "echo"), 0);
    assert_eq!(
        bridge.received.len(),
        1,
        "exactly one ECHO reached the bridge"
    );
    assert_eq!(bridge.received[0].op, 0x06);
    assert_eq!(&bridge.received[0].payload[3..], &data[..]);
    assert_eq!(peek_word(&m, R), 0);
    assert_eq!(peek_word(&m, R + 2), data.len() as u16);
    assert_eq!(peek_word(&m, mem::V_BODY_LEN), data.len() as u16);
    assert_eq!(peek_bytes(&m, mem::BODY_BUF, data.len()), data);
    assert_eq!(m.peek(R + 4), error::TOO_LONG);
}

fn get_multi_frame(driver: Driver) {
    let weather = text_body(600); // 245 + 247 + 108: a RESULT and two CONTs
    let big = text_body(1100); // more than the 1 KB body buffer
    let mut stub = Stub::default();
    stub.call_ok(entry::INIT)
        .ld_de(STUB_DATA)
        .ld_a(13)
        .call_ok(entry::GET)
        .store_bc(R)
        .store_de(R + 2)
        .ld_hl(mem::BODY_BUF)
        .ld_de(SAVED)
        .ld_bc(weather.len() as u16)
        .ldir()
        .ld_de(STUB_DATA + 16)
        .ld_a(7)
        .call_ok(entry::GET)
        .store_bc(R + 4)
        .store_de(R + 6)
        .load_a(mem::V_BODY_TRUNC)
        .store_a(R + 8)
        .ld_hl(mem::BODY_BUF)
        .ld_de(SAVED + 0x300)
        .ld_bc(1024)
        .ldir()
        .ld_de(STUB_DATA + 32)
        .ld_a(12)
        .call_ok(entry::GET)
        .store_bc(R + 10)
        .exit_ok();
    let mut data = vec![0u8; 48];
    data[..13].copy_from_slice(b"weather/today");
    data[16..23].copy_from_slice(b"big/one");
    data[32..44].copy_from_slice(b"nothing/here");
    let mut bridge = FrameBridge::new(model(driver))
        .answer("weather/today", 200, &weather)
        .answer("big/one", 200, &big);
    let (m, outcome) = run_stub(driver, &stub, &data, &mut bridge, 40.0);
    assert_eq!(exit_code(&outcome, "get"), 0);
    assert_eq!(peek_word(&m, R), 200);
    assert_eq!(peek_word(&m, R + 2), 600);
    assert_eq!(peek_bytes(&m, SAVED, 600), weather);
    assert_eq!(peek_word(&m, R + 4), 200);
    assert_eq!(peek_word(&m, R + 6), 1024, "cut at the body buffer");
    assert_eq!(peek_bytes(&m, SAVED + 0x300, 1024), big[..1024]);
    assert_ne!(m.peek(R + 8), 0, "and says so");
    assert_eq!(peek_word(&m, R + 10), 404);
    assert_eq!(peek_bytes(&m, mem::BODY_BUF, 15), b"NO SUCH SERVICE");
    let ops: Vec<u8> = bridge.received.iter().map(|r| r.op).collect();
    assert_eq!(ops, [0x01, 0x01, 0x01]);
}

fn listen_request_reply(driver: Driver) {
    let body = text_body(300); // REQUEST and REPLY both need a CONT
    let caller = b"spiffe://retromesh.local/ns/default/sa/printer-client".to_vec();
    let mut stub = Stub::default();
    stub.call_ok(entry::INIT)
        .call_ok(entry::LISTEN)
        .store_bc(R)
        .ld_de(0)
        .call_ok(entry::WAIT_REQUEST)
        .store_de(R + 2)
        .ld_de(201)
        .ld_hl(mem::BODY_BUF)
        .load_bc(mem::V_BODY_LEN)
        .call_ok(entry::REPLY)
        .call_ok(entry::UNLISTEN)
        .store_bc(R + 4)
        .exit_ok();
    let mut bridge = FrameBridge::new(model(driver));
    bridge.requests.push_back(Inbound {
        method: Method::Post,
        caller: caller.clone(),
        path: b"/print".to_vec(),
        body: body.clone(),
    });
    let (m, outcome) = run_stub(driver, &stub, &[], &mut bridge, 40.0);
    assert_eq!(exit_code(&outcome, "listen"), 0);
    assert_eq!(peek_word(&m, R), 200, "LISTEN answered 200");
    assert_eq!(peek_word(&m, R + 2), 300);
    assert_eq!(m.peek(mem::V_REQ_METHOD), b'P');
    assert_eq!(m.peek(mem::REQ_PATH), 6);
    assert_eq!(peek_bytes(&m, mem::REQ_PATH + 1, 6), b"/print");
    assert_eq!(m.peek(mem::REQ_CALLER) as usize, caller.len());
    assert_eq!(peek_bytes(&m, mem::REQ_CALLER + 1, caller.len()), caller);
    assert_eq!(
        bridge.replies,
        vec![Reply {
            id: 1,
            status: 201,
            body
        }]
    );
    assert_eq!(peek_word(&m, R + 4), 200, "UNLISTEN answered 200");
}

/// A SCREEN arriving while the micro waits for a request is answered with the screen memory
/// (in CONTs), and the wait goes on to the REQUEST after it.
fn screen_while_waiting(driver: Driver) {
    let pattern: Vec<u8> = (0..512u32).map(|i| (i * 7 + 3) as u8).collect();
    let mut stub = Stub::default();
    stub.ld_hl(common::STUB_DATA)
        .ld_de(0x4000)
        .ld_bc(pattern.len() as u16)
        .ldir()
        .call_ok(entry::INIT)
        .call_ok(entry::LISTEN)
        .ld_de(0)
        .call_ok(entry::WAIT_REQUEST)
        .store_de(R)
        .ld_de(200)
        .ld_hl(mem::BODY_BUF)
        .ld_bc(0)
        .call_ok(entry::REPLY)
        .exit_ok();
    let mut bridge = FrameBridge::new(model(driver));
    bridge.ask_screen = true;
    bridge.requests.push_back(Inbound {
        method: Method::Get,
        caller: b"spiffe://retromesh.local/ns/default/sa/viewer".to_vec(),
        path: b"/after".to_vec(),
        body: b"x".to_vec(),
    });
    let (m, outcome) = run_stub(driver, &stub, &pattern, &mut bridge, 60.0);
    assert_eq!(exit_code(&outcome, "screen"), 0, "{:?}", bridge.replies);
    assert_eq!(
        bridge.replies.len(),
        2,
        "the screen, then the request's reply"
    );
    let screen = &bridge.replies[0];
    assert_eq!((screen.id, screen.status), (1, 200));
    assert_eq!(screen.body.len(), 6912);
    assert_eq!(
        &screen.body[..512],
        &pattern[..],
        "the bytes poked into the bitmap"
    );
    assert_eq!(screen.body, peek_bytes(&m, 0x4000, 6912));
    assert_eq!(bridge.replies[1].id, 2, "the REQUEST after the SCREEN");
    assert_eq!(peek_word(&m, R), 1, "the request's body arrived");
}

fn post_time_log(driver: Driver) {
    let body = text_body(400); // a POST and a CONT
    let (target_at, log_at) = (400u16, 410u16);
    let mut area = body.clone();
    area.resize(0x200, 0);
    area[target_at as usize..target_at as usize + 6].copy_from_slice(b"log/in");
    area[log_at as usize..log_at as usize + 6].copy_from_slice(b"BOOTED");
    let mut stub = Stub::default();
    stub.call_ok(entry::INIT)
        .ld_de(STUB_DATA + target_at)
        .ld_a(6)
        .ld_hl(STUB_DATA)
        .ld_bc(body.len() as u16)
        .call_ok(entry::POST)
        .store_bc(R)
        .store_de(R + 2)
        .ld_hl(mem::BODY_BUF)
        .ld_de(SAVED)
        .ld_bc(body.len() as u16)
        .ldir()
        .call_ok(entry::TIME)
        .store_de(R + 4)
        .ld_a(2)
        .ld_hl(STUB_DATA + log_at)
        .ld_bc(6)
        .call_ok(entry::LOG)
        .exit_ok();
    let mut bridge = FrameBridge::new(model(driver));
    let (m, outcome) = run_stub(driver, &stub, &area, &mut bridge, 40.0);
    assert_eq!(exit_code(&outcome, "post/time/log"), 0);
    assert_eq!(peek_word(&m, R), 201);
    assert_eq!(peek_word(&m, R + 2), 400);
    assert_eq!(
        peek_bytes(&m, SAVED, 400),
        body,
        "the bridge echoes the POST body"
    );
    let text = b"2026-11-18 07:46:40";
    assert_eq!(peek_word(&m, R + 4), text.len() as u16);
    assert_eq!(peek_bytes(&m, mem::BODY_BUF, text.len()), text);
    assert_eq!(
        peek_bytes(&m, mem::V_UNIX, 4),
        1_795_000_000u32.to_be_bytes()
    );
    assert_eq!(bridge.logs, vec![(2, b"BOOTED".to_vec())]);
    let ops: Vec<u8> = bridge.received.iter().map(|r| r.op).collect();
    assert_eq!(ops, [0x02, 0x0F, 0x05, 0x07]);
}

/// Frames lost and damaged both ways: every message still arrives exactly once.
fn faults(driver: Driver) {
    let first = awkward_bytes(100);
    let weather = text_body(600);
    let second = awkward_bytes(50);
    let mut area = vec![0u8; 0x200];
    area[..100].copy_from_slice(&first);
    area[0x100..0x100 + 50].copy_from_slice(&second);
    area[0x180..0x180 + 13].copy_from_slice(b"weather/today");
    let mut stub = Stub::default();
    stub.call_ok(entry::INIT)
        .ld_hl(STUB_DATA)
        .ld_bc(100)
        .call_ok(entry::ECHO)
        .ld_hl(mem::BODY_BUF)
        .ld_de(SAVED)
        .ld_bc(100)
        .ldir()
        .ld_de(STUB_DATA + 0x180)
        .ld_a(13)
        .call_ok(entry::GET)
        .store_de(R)
        .ld_hl(mem::BODY_BUF)
        .ld_de(SAVED + 0x100)
        .ld_bc(600)
        .ldir()
        .ld_hl(STUB_DATA + 0x100)
        .ld_bc(50)
        .call_ok(entry::ECHO)
        .store_de(R + 2)
        .exit_ok();
    let mut bridge = FrameBridge::new(model(driver)).answer("weather/today", 200, &weather);
    bridge.faults = Faults {
        from_micro: vec![
            (K_DATA, 0, Fault::Drop), // the first ECHO never arrives: micro times out
            (K_DATA, 3, Fault::Corrupt(5)), // a GET with a bad CRC: the bridge NAKs
            (K_ACK, 1, Fault::Drop),  // an ACK lost: the bridge sends again, micro dedups
            (K_ACK, 0, Fault::Noise(b"\x13\x00")), // junk too short to be a frame
        ],
        to_micro: vec![
            (K_ACK, 0, Fault::Drop), // the bridge's ACK lost: the micro sends again
            (K_DATA, 1, Fault::Corrupt(4)), // a RESULT damaged: the micro NAKs
            (K_DATA, 4, Fault::Drop), // a CONT lost: the bridge times out
            (K_DATA, 0, Fault::Noise(b"\x00\x41\xDB\x99")), // junk with a bad escape
            (K_DATA, 2, Fault::Noise(b"\x01\x02\x03\x04\x05\x06")), // junk with a bad length: NAKed
        ],
    };
    let (m, outcome) = run_stub(driver, &stub, &area, &mut bridge, 60.0);
    assert_eq!(
        exit_code(&outcome, "faults"),
        0,
        "faults done: {:?}",
        bridge.faults_done
    );
    assert_eq!(bridge.faults_done.len(), 9, "{:?}", bridge.faults_done);
    let ops: Vec<u8> = bridge.received.iter().map(|r| r.op).collect();
    assert_eq!(ops, [0x06, 0x01, 0x06], "each message delivered once");
    assert_eq!(peek_bytes(&m, SAVED, 100), first);
    assert_eq!(peek_word(&m, R), 600);
    assert_eq!(peek_bytes(&m, SAVED + 0x100, 600), weather, "no CONT twice");
    assert_eq!(peek_word(&m, R + 2), 50);
    assert_eq!(peek_bytes(&m, mem::BODY_BUF, 50), second);
    let stats = bridge.session.stats();
    assert!(stats.naks_sent >= 1, "{stats:?}");
    assert!(stats.duplicates >= 1, "{stats:?}");
    assert!(stats.retransmits >= 2, "{stats:?}");
    assert!(!bridge.gave_up);
    eprintln!(
        "{}: faults {:?}\n  bridge {:?}\n  line {:?}, {:.2} s",
        driver.name(),
        bridge.faults_done,
        stats,
        m.serial_stats(),
        outcome.secs
    );
}

/// No bridge at all: init gives up with TIMEOUT after CFG_HELLO_TRIES HELLOs.
fn no_bridge(driver: Driver) {
    struct Silent;
    impl retromesh_spectrum::SerialPeer for Silent {
        fn exchange(&mut self, _: &[u8], _: &mut Vec<u8>, _: u64) -> Option<String> {
            None
        }
    }
    let mut stub = Stub::default();
    stub.ld_a(2)
        .store_a(config::HELLO_TRIES)
        .call_ok(entry::INIT)
        .exit_ok();
    let mut m = machine(driver, false);
    let block = stub_block(&stub, &[]);
    load(
        &mut m,
        &stub_loader(),
        &[
            (
                retromesh_zx_client::LOAD_ADDRESS,
                retromesh_zx_client::library(driver),
            ),
            (STUB, &block),
        ],
    );
    let outcome = run(&mut m, &mut Silent, 10.0);
    eprintln!("{}: gave up after {:.3} s", driver.name(), outcome.secs);
    assert_eq!(exit_code(&outcome, "no bridge"), 100 + error::TIMEOUT);
    assert!(
        (1.9..4.0).contains(&outcome.secs),
        "two HELLOs a second apart: {} s",
        outcome.secs
    );
}

macro_rules! per_driver {
    ($($name:ident: $check:ident($driver:expr);)*) => {
        $(#[test] fn $name() { $check($driver) })*
    };
}

per_driver! {
    if1_hello: hello(Driver::If1);
    ay128_hello: hello(Driver::Ay128);
    next_hello: hello(Driver::Next);
    if1_echo_escapes_and_zero: echo(Driver::If1);
    ay128_echo_escapes_and_zero: echo(Driver::Ay128);
    next_echo_escapes_and_zero: echo(Driver::Next);
    if1_get_multi_frame: get_multi_frame(Driver::If1);
    ay128_get_multi_frame: get_multi_frame(Driver::Ay128);
    next_get_multi_frame: get_multi_frame(Driver::Next);
    if1_listen_request_reply: listen_request_reply(Driver::If1);
    ay128_listen_request_reply: listen_request_reply(Driver::Ay128);
    next_listen_request_reply: listen_request_reply(Driver::Next);
    if1_screen_while_waiting: screen_while_waiting(Driver::If1);
    next_screen_while_waiting: screen_while_waiting(Driver::Next);
    if1_post_time_log: post_time_log(Driver::If1);
    ay128_post_time_log: post_time_log(Driver::Ay128);
    next_post_time_log: post_time_log(Driver::Next);
    if1_faults_deliver_exactly_once: faults(Driver::If1);
    ay128_faults_deliver_exactly_once: faults(Driver::Ay128);
    next_faults_deliver_exactly_once: faults(Driver::Next);
    if1_init_without_a_bridge_times_out: no_bridge(Driver::If1);
    next_init_without_a_bridge_times_out: no_bridge(Driver::Next);
}
