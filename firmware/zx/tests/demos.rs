//! The demos, as shipped: the BASIC line-mode programs and the frame-mode machine code, each
//! printing on the ZX Printer, read back as text.

mod common;

use common::*;
use retromesh_link_frame::Method;
use retromesh_zx_client::{
    demo_entry, demo_frames, Demo, Driver, CLEAR_ADDRESS, DEMO_LOAD_ADDRESS, FETCH_BAS, SERVE_BAS,
};

fn fetch_bas(driver: Driver) {
    let mut m = machine(driver, true);
    load_with_library(&mut m, driver, FETCH_BAS);
    let mut bridge =
        LineBridge::new().answer("weather/today", "200 OK", &["SUNNY, 21C", ".5 MM RAIN"]);
    let outcome = run(&mut m, &mut bridge, 30.0);
    assert_eq!(exit_code(&outcome, "fetch.bas"), 0);
    assert_eq!(bridge.lines, ["GET weather/today"]);
    assert_eq!(printout_lines(&m), ["200 OK", "SUNNY, 21C", ".5 MM RAIN"]);
}

fn serve_bas(driver: Driver) {
    let mut m = machine(driver, true);
    load_with_library(&mut m, driver, SERVE_BAS);
    let mut bridge = LineBridge::new();
    bridge.requests.push_back(
        "REQUEST 7 POST /print\rFROM spiffe://retromesh.local/ns/default/sa/printer-client\rHELLO FROM\r..THE MESH\r.\r"
            .into(),
    );
    let outcome = run(&mut m, &mut bridge, 30.0);
    assert_eq!(
        exit_code(&outcome, "serve.bas"),
        0,
        "bridge saw {:?}",
        bridge.lines
    );
    assert_eq!(bridge.lines, ["LISTEN", "REPLY PRINTED 2", "UNLISTEN"]);
    assert_eq!(printout_lines(&m), ["/print", "HELLO FROM", ".THE MESH"]);
}

fn frames_loader(driver: Driver, demo: Demo) -> String {
    format!(
        "10 CLEAR {CLEAR_ADDRESS}\n20 LOAD \"\" CODE\n30 RANDOMIZE USR {}\n40 STOP\n",
        demo_entry(driver, demo)
    )
}

fn fetch_frames(driver: Driver) {
    let mut m = machine(driver, true);
    load(
        &mut m,
        &frames_loader(driver, Demo::Fetch),
        &[(DEMO_LOAD_ADDRESS, demo_frames(driver, Demo::Fetch))],
    );
    let mut bridge =
        FrameBridge::new(setup(driver).0).answer("weather/today", 200, b"SUNNY, 21C\r\n.5 MM RAIN");
    let outcome = run(&mut m, &mut bridge, 30.0);
    assert_eq!(exit_code(&outcome, "fetch_frames"), 0);
    assert_eq!(
        printout_lines(&m),
        ["STATUS 200", "SUNNY, 21C", ".5 MM RAIN"]
    );
}

fn serve_frames(driver: Driver) {
    let mut m = machine(driver, true);
    load(
        &mut m,
        &frames_loader(driver, Demo::Serve),
        &[(DEMO_LOAD_ADDRESS, demo_frames(driver, Demo::Serve))],
    );
    let mut bridge = FrameBridge::new(setup(driver).0);
    bridge.requests.push_back(Inbound {
        method: Method::Post,
        caller: b"spiffe://retromesh.local/ns/default/sa/printer-client".to_vec(),
        path: b"/print".to_vec(),
        body: b"HELLO FROM\rTHE MESH".to_vec(),
    });
    let outcome = run(&mut m, &mut bridge, 30.0);
    assert_eq!(exit_code(&outcome, "serve_frames"), 0);
    assert_eq!(printout_lines(&m), ["/print", "HELLO FROM", "THE MESH"]);
    assert_eq!(
        bridge.replies,
        vec![Reply {
            id: 1,
            status: 200,
            body: b"PRINTED 2".to_vec()
        }]
    );
    let ops: Vec<u8> = bridge.received.iter().map(|r| r.op).collect();
    assert_eq!(ops, [0x03, 0x04, 0x08], "LISTEN, REPLY, UNLISTEN");
}

macro_rules! per_driver {
    ($($name:ident: $check:ident($driver:expr);)*) => {
        $(#[test] fn $name() { $check($driver) })*
    };
}

per_driver! {
    if1_fetch_bas: fetch_bas(Driver::If1);
    ay128_fetch_bas: fetch_bas(Driver::Ay128);
    next_fetch_bas: fetch_bas(Driver::Next);
    if1_serve_bas: serve_bas(Driver::If1);
    ay128_serve_bas: serve_bas(Driver::Ay128);
    next_serve_bas: serve_bas(Driver::Next);
    if1_fetch_frames: fetch_frames(Driver::If1);
    ay128_fetch_frames: fetch_frames(Driver::Ay128);
    next_fetch_frames: fetch_frames(Driver::Next);
    if1_serve_frames: serve_frames(Driver::If1);
    ay128_serve_frames: serve_frames(Driver::Ay128);
    next_serve_frames: serve_frames(Driver::Next);
}
