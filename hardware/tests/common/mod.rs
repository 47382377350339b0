//! Shared helpers: the real pin map, and edits of its text that must apply exactly once.

#![allow(dead_code)]

use retromesh_hardware::{check, PinMap, Problem};

pub fn real_text() -> String {
    std::fs::read_to_string(retromesh_hardware::bundled_path())
        .expect("hardware/pinmap.toml is readable")
}

pub fn real_map() -> PinMap {
    PinMap::parse(&real_text()).expect("the real pin map parses")
}

/// Replaces the one occurrence of `from` in `text`; panics if it is missing or not unique,
/// so an edit to pinmap.toml cannot make a test pass by changing nothing.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "expected exactly one `{from}` in the pin map text"
    );
    text.replacen(from, to, 1)
}

pub fn problems_of(text: &str) -> Vec<Problem> {
    check(&PinMap::parse(text).expect("edited pin map still parses"))
}

pub fn messages(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
