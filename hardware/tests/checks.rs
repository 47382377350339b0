//! `check()` on the real pin map and on broken copies of it.

mod common;

use common::*;
use retromesh_hardware::model::{AdapterDir, Voltage};
use retromesh_hardware::{check, PinMap, Problem};

#[test]
fn real_pin_map_passes_check() {
    let map = real_map();
    let problems = check(&map);
    assert!(
        problems.is_empty(),
        "the real pin map has problems:\n{}",
        messages(&problems)
    );
    let ids: Vec<&str> = map.variants.iter().map(|v| v.id.as_str()).collect();
    for wanted in [
        "zx-if1-uart",
        "zx-if1-usb-serial",
        "zx128-uart",
        "zx128-usb-serial",
        "c64-parallel",
        "c64-printer",
        "c64-rs232-kernal",
        "c64-rs232-up9600",
        "zx-plus3-printer",
    ] {
        assert!(
            ids.contains(&wanted),
            "variant {wanted} missing from {ids:?}"
        );
    }
}

#[test]
fn duplicate_gpio_in_edited_real_map_names_both_signals_and_the_gpio() {
    // PB1 (user port D) moved onto PB0's GP2.
    let text = edit(
        &real_text(),
        r#"{ pin = "D", micro = "bidir", adapter = "bidir", via = "U2:2", gpio = "GP3" }"#,
        r#"{ pin = "D", micro = "bidir", adapter = "bidir", via = "U2:2", gpio = "GP2" }"#,
    );
    let problems = problems_of(&text);
    assert_eq!(
        problems,
        vec![Problem::DuplicateGpio {
            variant: "c64-parallel".into(),
            endpoint: "GP2".into(),
            first: "PB0".into(),
            second: "PB1".into()
        }]
    );
    let msg = problems[0].to_string();
    for needle in ["c64-parallel", "GP2", "PB0", "PB1", "free GPIO"] {
        assert!(msg.contains(needle), "message lacks {needle}: {msg}");
    }
}

#[test]
fn five_volt_signal_without_shifter_fails() {
    let text = edit(
        &real_text(),
        r#"{ pin = "8", micro = "out", adapter = "in", via = "U3:2", gpio = "GP10" }"#,
        r#"{ pin = "8", micro = "out", adapter = "in", gpio = "GP10" }"#,
    );
    let problems = problems_of(&text);
    assert_eq!(problems.len(), 1, "{}", messages(&problems));
    assert!(
        matches!(&problems[0], Problem::NoLevelShifter { signal, endpoint, .. } if signal == "/PC2" && endpoint == "GP10")
    );
    let msg = problems[0].to_string();
    assert!(msg.contains("5 V TTL") && msg.contains("74LVC245"), "{msg}");
}

#[test]
fn rs232_signal_without_shifter_fails_and_asks_for_a_max3232() {
    let text = edit(
        &real_text(),
        r#"{ pin = "3", micro = "out", adapter = "in", via = "U1:R1", gpio = "GP1", function = "uart0-rx" },
  { pin = "4", micro = "in", adapter = "out", via = "U1:T2", gpio = "GP3", function = "uart0-rts" },
  { pin = "5", micro = "out", adapter = "in", via = "U1:R2", gpio = "GP2", function = "uart0-cts" },
  { pin = "6", micro = "unused""#,
        r#"{ pin = "3", micro = "out", adapter = "in", gpio = "GP1", function = "uart0-rx" },
  { pin = "4", micro = "in", adapter = "out", via = "U1:T2", gpio = "GP3", function = "uart0-rts" },
  { pin = "5", micro = "out", adapter = "in", via = "U1:R2", gpio = "GP2", function = "uart0-cts" },
  { pin = "6", micro = "unused""#,
    );
    let msg = messages(&problems_of(&text));
    assert!(
        msg.contains("zx-if1-uart") && msg.contains("±12 V RS-232") && msg.contains("MAX3232"),
        "{msg}"
    );
}

#[test]
fn rs232_level_through_a_74lvc_part_fails() {
    let mut map = real_map();
    let conn = map
        .connectors
        .iter_mut()
        .find(|c| c.id == "c64-userport")
        .unwrap();
    conn.pins.iter_mut().find(|p| p.pin == "8").unwrap().voltage = Voltage::Rs232;
    let problems = check(&map);
    assert!(problems.iter().any(|p| matches!(p, Problem::WrongShifter { signal, part, .. } if signal == "/PC2" && part == "74LVC245")), "{}", messages(&problems));
}

#[test]
fn shifter_channel_used_twice_fails() {
    let text = edit(
        &real_text(),
        r#"{ pin = "D", micro = "bidir", adapter = "bidir", via = "U2:2", gpio = "GP3" }"#,
        r#"{ pin = "D", micro = "bidir", adapter = "bidir", via = "U2:1", gpio = "GP3" }"#,
    );
    let problems = problems_of(&text);
    assert_eq!(
        problems,
        vec![Problem::ChannelReused {
            variant: "c64-parallel".into(),
            reference: "U2".into(),
            channel: "1".into(),
            first: "PB0".into(),
            second: "PB1".into()
        }]
    );
}

#[test]
fn unknown_connector_pin_and_unwired_pin_fail() {
    let mut map = real_map();
    let v = map
        .variants
        .iter_mut()
        .find(|v| v.id == "zx128-uart")
        .unwrap();
    v.wires[0].pin = "Z".into();
    let problems = check(&map);
    assert!(
        problems
            .iter()
            .any(|p| matches!(p, Problem::UnknownPin { pin, .. } if pin == "Z")),
        "{}",
        messages(&problems)
    );
    assert!(
        problems
            .iter()
            .any(|p| matches!(p, Problem::PinNotWired { pin, .. } if pin == "1")),
        "{}",
        messages(&problems)
    );
}

#[test]
fn unknown_connector_fails() {
    let mut map = real_map();
    map.variants[0].connector = "zx-if2".into();
    let problems = check(&map);
    assert!(
        matches!(&problems[..], [Problem::UnknownConnector { connector, .. }] if connector == "zx-if2"),
        "{}",
        messages(&problems)
    );
}

#[test]
fn direction_mismatch_fails_with_the_fix() {
    let mut map = real_map();
    let v = map
        .variants
        .iter_mut()
        .find(|v| v.id == "c64-parallel")
        .unwrap();
    v.wires.iter_mut().find(|w| w.pin == "M").unwrap().adapter = AdapterDir::Out;
    let problems = check(&map);
    let msg = messages(&problems);
    assert!(
        problems
            .iter()
            .all(|p| matches!(p, Problem::DirectionMismatch { signal, .. } if signal == "PA2")),
        "{msg}"
    );
    assert!(msg.contains(r#"set adapter = "in""#), "{msg}");
    assert!(
        msg.contains("U3 (74LVC245) moves this channel towards the adapter"),
        "{msg}"
    );
}

#[test]
fn gpio_not_on_the_pico_fails() {
    let text = edit(
        &real_text(),
        r#"via = "U3:1", gpio = "GP12", note = "also"#,
        r#"via = "U3:1", gpio = "GP25", note = "also"#,
    );
    let problems = problems_of(&text);
    assert_eq!(
        problems,
        vec![Problem::GpioNotOnPico {
            variant: "c64-parallel".into(),
            signal: "PA2".into(),
            gpio: 25
        }]
    );
}

#[test]
fn c64_plus5v_wired_to_the_pico_is_a_back_feed() {
    let mut map = real_map();
    let v = map
        .variants
        .iter_mut()
        .find(|v| v.id == "c64-parallel")
        .unwrap();
    v.wires.iter_mut().find(|w| w.pin == "2").unwrap().gpio = "pullup-3v3".into();
    let msg = messages(&check(&map));
    assert!(
        msg.contains("pin 2 (+5V) is a supply of the micro") && msg.contains("never back-feed"),
        "{msg}"
    );
}

#[test]
fn uart_function_on_the_wrong_gpio_names_the_right_ones() {
    let mut map = real_map();
    let v = map
        .variants
        .iter_mut()
        .find(|v| v.id == "zx-if1-uart")
        .unwrap();
    v.wires.iter_mut().find(|w| w.pin == "2").unwrap().gpio = "GP4".into();
    let problems = check(&map);
    assert_eq!(problems.len(), 1, "{}", messages(&problems));
    assert!(
        problems[0].to_string().contains("GP0, GP12, GP16, GP28"),
        "{}",
        problems[0]
    );
}

#[test]
fn usb_serial_pin_with_the_wrong_direction_fails() {
    let mut map = real_map();
    let v = map
        .variants
        .iter_mut()
        .find(|v| v.id == "zx128-usb-serial")
        .unwrap();
    v.wires.iter_mut().find(|w| w.pin == "2").unwrap().gpio = "usb-serial:RXD".into();
    let problems = check(&map);
    let msg = messages(&problems);
    assert!(msg.contains("the cable's RXD is an input"), "{msg}");
    assert!(
        problems.iter().any(
            |p| matches!(p, Problem::DuplicateGpio { endpoint, .. } if endpoint == "usb-serial:RXD")
        ),
        "{msg}"
    );
}

#[test]
fn unknown_field_is_a_load_error_naming_it() {
    let text = edit(&real_text(), "schema = 1", "schema = 1\ngpoi = 3");
    let err = PinMap::parse(&text).unwrap_err().to_string();
    assert!(err.contains("gpoi"), "{err}");
}
