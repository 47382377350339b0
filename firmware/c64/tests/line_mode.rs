//! Line mode as BASIC uses it: `OPEN 7,7 : PRINT#7,"GET weather/today" : INPUT#7 / GET#7 :
//! CLOSE 7`, written as the KERNAL calls BASIC makes, through the vectors the library hooks,
//! for every driver.

mod common;

use common::asm::{assemble, get_program, PROGRAM};
use common::bridge::LineBridge;
use common::*;
use retromesh_c64_client::{config, entry, Driver};

/// Fails if the hooks miss a KERNAL call, a control code reaches the bridge, a byte of the
/// answer is lost or doubled, other devices stop working, or CLOSE leaves the vectors hooked.
fn get_weather(driver: Driver, read_with_getin: bool) {
    let bridge = LineBridge {
        answers: vec![(
            "GET weather/today".into(),
            vec![
                "200 OK".into(),
                "SUNNY, 21 C, LIGHT WIND".into(),
                "..LEADING DOT".into(),
            ],
        )],
        ..Default::default()
    };
    let (peer, bridge) = Shared::new(bridge);
    let (mut c64, _) = wire(driver, Box::new(peer));
    let vectors_before = peek_bytes(&c64, 0x031A, 18);
    assert_eq!(c64.peek(config::DEVICE), 7);
    call_ok(&mut c64, "open", entry::OPEN, 0, 0, 0, 1.0);
    assert_ne!(
        peek_bytes(&c64, 0x031A, 18),
        vectors_before,
        "vectors hooked"
    );
    assert_eq!(c64.peek(0x0328), vectors_before[14], "ISTOP left alone");
    let code = get_program(b"GET weather\x93/today", read_with_getin);
    poke_bytes(&mut c64, PROGRAM, &code);
    let secs = if driver == Driver::Kernal { 30.0 } else { 10.0 };
    call_ok(&mut c64, "program", PROGRAM, 0, 0, 0, secs);
    let want = b"200 OK\rSUNNY, 21 C, LIGHT WIND\r..LEADING DOT\r.\r";
    assert_eq!(
        String::from_utf8_lossy(&peek_bytes(&c64, 0x5000, want.len())),
        String::from_utf8_lossy(want)
    );
    assert_eq!(
        bridge.borrow().lines,
        ["GET weather/today"],
        "one clean command line"
    );
    assert_eq!(
        c64.screen_output(),
        b"OK",
        "the screen still works through the hooked vectors"
    );
    let chrout = peek_word(&c64, 0x0326);
    assert!(
        (0xC000..0xD000).contains(&chrout),
        "CHROUT hooked until close: {chrout:#06X}"
    );
    call_ok(&mut c64, "close", entry::CLOSE, 0, 0, 0, 1.0);
    assert_eq!(
        peek_bytes(&c64, 0x031A, 18),
        vectors_before,
        "vectors back as found"
    );
}

macro_rules! for_drivers {
    ($($name:ident => $driver:expr),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[test] fn input_hash_reads_the_answer() { get_weather($driver, false) }
            #[test] fn get_hash_reads_the_answer() { get_weather($driver, true) }
        }
    )*};
}

for_drivers! {
    kernal => Driver::Kernal,
    swiftlink => Driver::SwiftLink,
    up9600 => Driver::Up9600,
    parallel => Driver::Parallel,
}

/// The line-mode device number is configurable: with 5 POKEd, file 1 on device 5 reaches the
/// bridge and device 7 is left to the KERNAL. Fails if the hooks ignore the configuration.
#[test]
fn device_number_is_configurable() {
    let (peer, bridge) = Shared::new(LineBridge::default());
    let (mut c64, _) = wire(Driver::SwiftLink, Box::new(peer));
    c64.poke(config::DEVICE, 5);
    call_ok(&mut c64, "open", entry::OPEN, 0, 0, 0, 1.0);
    let code = assemble(
        r#"
        lda #7
        ldx #7
        ldy #0
        jsr $FFBA
        lda #0
        jsr $FFBD
        jsr $FFC0
        lda #1
        ldx #5
        ldy #0
        jsr $FFBA
        jsr $FFC0
        ldx #1
        jsr $FFC9
        lda #'T'
        jsr $FFD2
        lda #'I'
        jsr $FFD2
        lda #'M'
        jsr $FFD2
        lda #'E'
        jsr $FFD2
        lda #13
        jsr $FFD2
        jsr $FFCC
        rts
"#,
    );
    poke_bytes(&mut c64, PROGRAM, &code);
    call_ok(&mut c64, "program", PROGRAM, 0, 0, 0, 1.0);
    // let the line carry it: getbyte waits up to 50 ms for the answer's first byte
    let c = call_ok(&mut c64, "getbyte", entry::GETBYTE, 0, 50, 0, 1.0);
    assert_eq!(
        c.a, b'4',
        "the bridge answered 400 (TIME is not in its list)"
    );
    assert_eq!(
        bridge.borrow().lines,
        ["TIME"],
        "file 1 on device 5 is the bridge"
    );
}
