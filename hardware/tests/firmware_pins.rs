//! The firmware's GPIO constants (`retromesh_adapter::pins`) agree with the pin map.

mod common;

use retromesh_adapter::pins::ALL;
use std::collections::BTreeSet;

#[test]
fn every_map_gpio_has_a_firmware_const() {
    let map = common::real_map();
    let consts: BTreeSet<(String, String, u8)> = ALL
        .iter()
        .map(|(v, s, g)| (v.to_string(), s.to_string(), *g))
        .collect();
    let missing: Vec<_> = map
        .gpio_assignments()
        .into_iter()
        .filter(|row| !consts.contains(row))
        .collect();
    assert!(missing.is_empty(), "pin map GPIOs with no matching const in firmware/adapter/src/pins.rs (regenerate it with `retromesh-pinmap consts`): {missing:?}");
}

#[test]
fn every_firmware_const_is_in_the_map() {
    let map: BTreeSet<(String, String, u8)> =
        common::real_map().gpio_assignments().into_iter().collect();
    let stray: Vec<_> = ALL
        .iter()
        .filter(|(v, s, g)| !map.contains(&(v.to_string(), s.to_string(), *g)))
        .collect();
    assert!(
        stray.is_empty(),
        "consts in pins.rs that hardware/pinmap.toml does not assign: {stray:?}"
    );
    let unique: BTreeSet<_> = ALL.iter().map(|(v, s, _)| (v, s)).collect();
    assert_eq!(
        unique.len(),
        ALL.len(),
        "pins::ALL lists a (variant, signal) twice"
    );
}

/// `ALL` is a hand-kept table: make sure no `pub const NAME: u8` in pins.rs is left out of it.
#[test]
fn every_const_in_pins_rs_is_listed_in_all() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware/adapter/src/pins.rs");
    let source = std::fs::read_to_string(&path).expect("pins.rs is readable");
    let mut module = String::new();
    let mut consts = Vec::new();
    for line in source.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("pub mod ") {
            module = rest.trim_end_matches('{').trim().to_string();
        } else if line == "}" {
            module.clear();
        } else if let Some(rest) = line.strip_prefix("pub const ") {
            let (name, ty) = rest.split_once(':').expect("const has a type");
            if ty.trim_start().starts_with("u8") {
                assert!(
                    !module.is_empty(),
                    "pins.rs: const {name} outside a variant module"
                );
                consts.push(format!("{module}::{}", name.trim()));
            }
        }
    }
    assert!(
        consts.len() >= 40,
        "found only {} consts in pins.rs; the scan is broken",
        consts.len()
    );
    assert_eq!(
        consts.len(),
        ALL.len(),
        "pins.rs has {} u8 consts but ALL has {} rows",
        consts.len(),
        ALL.len()
    );
    let table = &source[source.find("pub const ALL").expect("ALL exists")..];
    for c in &consts {
        assert!(
            table.contains(&format!("{c})")),
            "{c} is not referenced in pins::ALL"
        );
    }
}

#[test]
fn generated_consts_match_the_checked_in_file() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware/adapter/src/pins.rs");
    let source = std::fs::read_to_string(&path).expect("pins.rs is readable");
    let generated = retromesh_hardware::rust_consts(&common::real_map());
    assert!(source == generated, "firmware/adapter/src/pins.rs differs from the pin map; run `cargo run -p retromesh-hardware --bin retromesh-pinmap -- consts > firmware/adapter/src/pins.rs`");
}
