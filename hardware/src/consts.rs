//! The firmware's GPIO constants (`firmware/adapter/src/pins.rs`), generated from the map.

use crate::model::{parse_endpoint, Endpoint, PinMap};

/// A Rust constant name for a signal: "/PC2" → "PC2", "+5V" → "P5V".
pub fn const_name(signal: &str) -> String {
    let s = signal.trim_start_matches('/').replace('+', "P");
    let mut name: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// A Rust module name for a variant id: "c64-parallel" → "c64_parallel".
pub fn module_name(variant: &str) -> String {
    variant.replace('-', "_")
}

/// The text of `pins.rs`: one module per variant with a GPIO, and the `ALL` table.
pub fn rust_consts(map: &PinMap) -> String {
    let mut s = String::new();
    s.push_str("//! The adapter board's RP2040 GPIO numbers, one module per board variant.\n");
    s.push_str("//!\n");
    s.push_str("//! Checked against `hardware/pinmap.toml` by `cargo test -p retromesh-hardware` (every constant\n");
    s.push_str(
        "//! must be in [`ALL`], and `ALL` must match the map both ways). Regenerate with\n",
    );
    s.push_str("//! `cargo run -p retromesh-hardware --bin retromesh-pinmap -- consts > firmware/adapter/src/pins.rs`.\n");
    s.push_str("//! Plain `u8` constants: no dependencies, `no_std`.\n");
    let mut all = Vec::new();
    for v in &map.variants {
        let conn = map.connector(&v.connector);
        let mut seen: Vec<String> = Vec::new();
        let mut body = String::new();
        for w in &v.wires {
            let Some(Endpoint::Gpio(n)) = parse_endpoint(&w.gpio) else {
                continue;
            };
            let signal = w.signal_name(conn).to_string();
            if seen.contains(&signal) {
                continue;
            }
            let pins: Vec<&str> = v
                .wires
                .iter()
                .filter(|o| o.signal_name(conn) == signal)
                .map(|o| o.pin.as_str())
                .collect();
            let mut doc = format!("{signal}: {} pin {}", v.connector_ref, pins.join(" + "));
            if w.via.trim() != "none" {
                doc.push_str(&format!(", via {}", w.via));
            }
            if let Some(f) = &w.function {
                doc.push_str(&format!(", {f}"));
            }
            doc.push_str(&format!(
                ", adapter {}.",
                match w.adapter {
                    crate::model::AdapterDir::In => "input",
                    crate::model::AdapterDir::Out => "output",
                    crate::model::AdapterDir::Bidir => "input/output",
                    crate::model::AdapterDir::None => "unused",
                }
            ));
            if signal.starts_with('/') {
                doc.push_str(" Active low.");
            }
            body.push_str(&format!(
                "    /// {doc}\n    pub const {}: u8 = {n};\n",
                const_name(&signal)
            ));
            all.push(format!(
                "    (\"{}\", \"{signal}\", {}::{}),\n",
                v.id,
                module_name(&v.id),
                const_name(&signal)
            ));
            seen.push(signal);
        }
        if body.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "\n/// `{}`: {}.\npub mod {} {{\n{body}}}\n",
            v.id,
            v.title,
            module_name(&v.id)
        ));
    }
    s.push_str("\n/// Every constant above as (variant, signal, GPIO), for the pin-map test.\n");
    s.push_str("pub const ALL: &[(&str, &str, u8)] = &[\n");
    for line in all {
        s.push_str(&line);
    }
    s.push_str("];\n");
    s
}
