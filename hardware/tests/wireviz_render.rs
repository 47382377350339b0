//! The generated WireViz YAML renders with the real `wireviz` (and Graphviz's `dot`).

mod common;

use std::process::Command;

fn tool_missing(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_err()
}

#[test]
fn every_variant_renders_to_svg_and_png_with_wireviz() {
    assert!(
        !tool_missing("wireviz"),
        "`wireviz` is not on PATH: install it with `pip install wireviz` (0.4) and Graphviz's `dot` (Debian: apt-get install graphviz); CI installs both"
    );
    assert!(
        !tool_missing("dot"),
        "Graphviz's `dot` is not on PATH: `apt-get install graphviz` (wireviz needs it)"
    );
    let map = common::real_map();
    let dir = tempfile::tempdir().expect("temp dir");
    let files = retromesh_hardware::wireviz_all(&map);
    assert_eq!(files.len(), map.variants.len());
    for (stem, yaml) in &files {
        let yml = dir.path().join(format!("{stem}.yml"));
        std::fs::write(&yml, yaml).unwrap();
        let out = Command::new("wireviz")
            .args(["-f", "sp"])
            .arg(&yml)
            .output()
            .expect("wireviz runs");
        assert!(
            out.status.success(),
            "wireviz failed on {stem}:\n{}\n{yaml}",
            String::from_utf8_lossy(&out.stderr)
        );
        let svg =
            std::fs::read_to_string(dir.path().join(format!("{stem}.svg"))).expect("svg written");
        assert!(svg.contains("<svg"), "{stem}.svg is not SVG");
        let v = map.variant(stem).unwrap();
        // Every GPIO the variant uses appears as a label in the drawing.
        for w in &v.wires {
            if w.gpio.starts_with("GP") {
                assert!(
                    svg.contains(&format!(">{}<", w.gpio)),
                    "{stem}.svg lacks {}",
                    w.gpio
                );
            }
        }
        let png = std::fs::read(dir.path().join(format!("{stem}.png"))).expect("png written");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is not a PNG");
    }
}

#[test]
fn jumper_nets_are_drawn_as_links_not_adapter_wires() {
    let map = common::real_map();
    let yaml = retromesh_hardware::wireviz(&map, map.variant("c64-rs232-up9600").unwrap());
    assert!(yaml.contains("\"link RXCLK\":"), "{yaml}");
    assert_eq!(yaml.matches("- \"link RXCLK\": [").count(), 2, "{yaml}");
}

#[test]
fn transceiver_dir_following_pa2_is_drawn() {
    let map = common::real_map();
    let yaml = retromesh_hardware::wireviz(&map, map.variant("c64-parallel").unwrap());
    assert!(
        yaml.contains("- \"J1\": [\"M\"]\n    - LEAD: [16]\n    - \"U2\": [\"DIR\"]"),
        "{yaml}"
    );
    let printer = retromesh_hardware::wireviz(&map, map.variant("c64-printer").unwrap());
    assert!(
        !printer.contains("\"DIR\""),
        "c64-printer has DIR fixed, not following PA2"
    );
}
