//! End to end with the real parts: 6502 client code → parallel user port → the adapter's
//! `ParallelLink` → the bridge's `retromesh-link` session → an HTTP service on 127.0.0.1, and
//! back; frame mode (GET) and line mode (PRINT#/INPUT#) in one run.

mod common;

use std::collections::BTreeMap;

use common::adapter_link::AdapterLink;
use common::asm::{get_program, PROGRAM};
use common::real_bridge::{serve_text, spawn_session};
use common::*;
use retromesh_c64_client::{entry, mem, Driver, PAL_CLOCK_HZ};
use retromesh_link::profile::Charset;
use retromesh_link::text::{from_micro, to_micro};
use retromesh_link::{LinkState, Mode};
use retromesh_link_frame::MachineId;

const WEATHER: &str = "Sunny, 21 C, light wind from the west. Tomorrow: rain by 4 pm.";

/// Fails if any hop drops, reorders or transcodes the body, if the session does not see a C64
/// HELLO (frame mode), or if the session does not go back to line mode for BASIC.
#[test]
fn c64_fetches_from_a_local_service_through_adapter_and_bridge() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let addr = runtime.block_on(serve_text(WEATHER));
    let services = BTreeMap::from([
        ("weather".to_string(), format!("http://{addr}")),
        ("1541".to_string(), format!("http://{addr}")),
    ]);
    let (micro, line) = spawn_session(&runtime, "c64", services);
    let (adapter, adapter_h) = Shared::new(AdapterLink::new(Box::new(line)));
    let mut c64 = c64_with(Driver::Parallel);
    c64.attach_user_port(Box::new(adapter));

    call_ok(&mut c64, "init", entry::INIT, 0, 0, 0, 10.0);
    // what a C64 in lower/upper case mode holds for "weather/today"
    let target = to_micro("weather/today", Charset::Petscii).bytes;
    let c = get_ok(&mut c64, &target, 20.0);
    assert_eq!(c.xy(), 200);
    let len = peek_word(&c64, mem::V_BODY_LEN) as usize;
    let body = peek_bytes(&c64, mem::BODY_BUF, len);
    assert_eq!(
        body,
        to_micro(WEATHER, Charset::Petscii).bytes,
        "PETSCII, byte for byte"
    );
    assert_eq!(from_micro(&body, Charset::Petscii), WEATHER);
    match micro.state() {
        LinkState::Up {
            mode: Mode::Frame,
            hello: Some(h),
        } => {
            assert_eq!(h.machine, MachineId::C64, "{h:?}");
        }
        other => panic!("the session should be up in frame mode after a C64 HELLO: {other:?}"),
    }
    let stats = micro.stats();
    assert!(stats.frames_rx >= 2 && stats.crc_errors == 0, "{stats:?}");

    // Line mode on the same line, as a BASIC program after a machine-code one: the session
    // takes a text line once no frame has come for a second.
    let quiet_until = c64.cycles() + 3 * PAL_CLOCK_HZ / 2;
    while c64.cycles() < quiet_until {
        call(&mut c64, "getbyte", entry::GETBYTE, 0, 0xF4, 0x01, 2.0); // 500 ms
    }
    call_ok(&mut c64, "open", entry::OPEN, 0, 0, 0, 1.0);
    // A service named in digits; the bridge's own tests cover letters in line-mode targets.
    let command = to_micro("GET 1541/today", Charset::Petscii).bytes;
    poke_bytes(&mut c64, PROGRAM, &get_program(&command, false));
    call_ok(&mut c64, "basic", PROGRAM, 0, 0, 0, 20.0);
    let end = (0x5000u16..0x6000)
        .find(|&a| peek_bytes(&c64, a, 3) == b"\r.\r")
        .expect("an answer block");
    let answer = from_micro(
        &peek_bytes(&c64, 0x5000, (end + 3 - 0x5000) as usize),
        Charset::Petscii,
    );
    let lines: Vec<&str> = answer.split('\n').collect(); // from_micro turns CR into \n
    assert!(lines[0].starts_with("200"), "status line first: {answer:?}");
    assert_eq!(
        lines[1..lines.len() - 2].join(" "),
        WEATHER,
        "wrapped to 40 columns: {answer:?}"
    );
    assert!(lines[1..].iter().all(|l| l.len() <= 40));
    assert!(
        matches!(
            micro.state(),
            LinkState::Up {
                mode: Mode::Line,
                ..
            }
        ),
        "{:?}",
        micro.state()
    );
    assert_eq!(adapter_h.borrow().contentions(), 0);
    assert!(adapter_h.borrow().stats().responses > 0);
}
