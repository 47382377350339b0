//! Line mode end to end: BASIC prints to and reads from stream #4 through the library's
//! channel, over the emulated port, to a bridge speaking the line protocol.

mod common;

use common::*;
use retromesh_spectrum::keyboard::{parse_key_text, TypeWhen};
use retromesh_spectrum::StopReason;
use retromesh_zx_client::{library, Driver, LOAD_ADDRESS};

const X32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// Opens #4 twice (one channel record), reads a 3-line answer with INPUT #4;a$, a 32-char
/// line with INPUT #4; LINE, a status line with INKEY$#4 one character at a time, and checks
/// that PRINT's control codes (AT with its two bytes, the comma) do not reach the bridge.
fn program() -> String {
    format!(
        r#"10 CLEAR 57343
20 LOAD "" CODE
30 RANDOMIZE USR 57347: RANDOMIZE USR 57347
40 PRINT #4;"ECHO HI"
50 INPUT #4;a$: INPUT #4;b$: INPUT #4;c$
60 LET x$="{X32}"
70 PRINT #4;"ECHO ";x$
80 INPUT #4; LINE d$: INPUT #4; LINE e$: INPUT #4; LINE f$
90 PRINT #4;"ECHO Z"
100 LET s$=""
110 LET k$=INKEY$ #4: IF k$="" THEN GO TO 110
120 IF k$<>CHR$ 13 THEN LET s$=s$+k$: GO TO 110
130 INPUT #4;g$: INPUT #4;h$
140 PRINT #4;"ECHO ";1+1;AT 3,65;"X","Y"
150 INPUT #4;i$: INPUT #4;j$: INPUT #4;l$
160 LET t=(a$="200 OK" AND d$="200 OK" AND i$="200 OK")+2*(b$="HI")+4*(c$="." AND f$="." AND h$="." AND l$=".")
170 OUT 57087,t+8*(e$=x$)+16*(s$="200 OK")+32*(g$="Z")+64*(j$="2XY")
"#
    )
}

fn exchange(driver: Driver) {
    let mut m = machine(driver, false);
    load_with_library(&mut m, driver, &program());
    let mut bridge = LineBridge::new();
    let outcome = run(&mut m, &mut bridge, 30.0);
    let code = exit_code(
        &outcome,
        &format!("{} line mode, bridge saw {:?}", driver.name(), bridge.lines),
    );
    assert_eq!(
        code, 127,
        "bits of the checks in line 160-170; bridge saw {:?}",
        bridge.lines
    );
    assert_eq!(
        bridge.lines,
        ["ECHO HI", &format!("ECHO {X32}"), "ECHO Z", "ECHO 2XY"]
    );
    assert_eq!(bridge.bad_bytes, 0);
    assert_eq!(
        channel_records(&m, driver),
        1,
        "opening twice adds one channel"
    );
    let stats = m.serial_stats();
    assert_eq!((stats.framing_errors, stats.overruns), (0, 0), "{stats:?}");
    eprintln!("{}: {:.2} s, {stats:?}", driver.name(), outcome.secs);
}

#[test]
fn if1_line_mode_through_stream_4() {
    exchange(Driver::If1);
}

#[test]
fn ay128_line_mode_through_stream_4_in_128_basic() {
    exchange(Driver::Ay128);
}

#[test]
fn next_line_mode_through_stream_4() {
    exchange(Driver::Next);
}

#[test]
fn break_while_waiting_for_a_line_returns_to_basic() {
    for driver in Driver::ALL {
        let mut m = machine(driver, true);
        load(
            &mut m,
            "10 CLEAR 57343\n20 LOAD \"\" CODE\n30 RANDOMIZE USR 57347\n40 INPUT #4;a$\n50 OUT 57087,1\n",
            &[(LOAD_ADDRESS, library(driver))],
        );
        m.type_keys(
            parse_key_text("{BREAK}").unwrap(),
            TypeWhen::AfterFrames(150),
        );
        let mut bridge = LineBridge::new();
        let outcome = run(&mut m, &mut bridge, 20.0);
        // The report line; the editor's cursor may follow it.
        match &outcome.reason {
            StopReason::ProgramEnded { report } => assert!(
                report.starts_with("D BREAK - CONT repeats, 40:1"),
                "{}: {report}",
                driver.name()
            ),
            other => panic!("{}: {other:?}", driver.name()),
        }
    }
}
