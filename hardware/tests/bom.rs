//! The bill of materials sums parts from the map.

mod common;

use retromesh_hardware::{bom, bom_markdown};

#[test]
fn bom_sums_each_part_once_per_board() {
    let map = common::real_map();
    let lines = bom(&map, None);
    let qty = |part: &str| lines.iter().find(|l| l.part == part).map(|l| l.qty);
    // Five boards: zx-serial-pico, zx-serial-cable, c64-parallel, c64-rs232, centronics.
    assert_eq!(qty("PICO"), Some(4));
    assert_eq!(qty("MAX3232"), Some(2));
    assert_eq!(qty("74LVC245"), Some(5));
    assert_eq!(qty("74LVC07"), Some(3));
    // 2 MAX3232 x 5 + 8 logic chips x 1.
    assert_eq!(qty("C-100N"), Some(18));
    let md = bom_markdown(&lines);
    assert!(md.starts_with("| part | qty |"), "{md}");
    for l in &lines {
        assert!(
            md.contains(&format!("| {} | {} |", l.part, l.qty)),
            "markdown lacks {}",
            l.part
        );
    }
}

#[test]
fn bom_for_one_board_counts_only_its_parts() {
    let map = common::real_map();
    let lines = bom(&map, Some("c64-parallel"));
    let parts: Vec<(&str, u32)> = lines.iter().map(|l| (l.part.as_str(), l.qty)).collect();
    assert_eq!(
        parts,
        vec![
            ("74LVC245", 2),
            ("74LVC07", 1),
            ("PICO", 1),
            ("C64-USERPORT-EDGE", 1),
            ("JUMPER-3", 1),
            ("C-100N", 3)
        ]
    );
}
