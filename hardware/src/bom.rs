//! The bill of materials: every placed part once per board, plus what each part needs.

use crate::model::PinMap;
use std::collections::BTreeMap;

/// One BOM line: a part and how many of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BomLine {
    pub part: String,
    pub description: String,
    pub qty: u32,
    /// Where the quantity comes from: "board/REF", or "board/REF needs N" for extras.
    pub used_by: Vec<String>,
}

/// Sums the parts of every board (or of one board). Variants on the same board share a
/// reference, so U1 on "zx-serial-pico" counts once however many variants use it.
pub fn bom(map: &PinMap, board: Option<&str>) -> Vec<BomLine> {
    let mut placed: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for v in map
        .variants
        .iter()
        .filter(|v| board.is_none_or(|b| b == v.board))
    {
        for p in &v.parts {
            placed
                .entry((v.board.as_str(), p.reference.as_str()))
                .or_insert(p.part.as_str());
        }
    }
    let mut lines: Vec<BomLine> = map
        .parts
        .iter()
        .map(|p| BomLine {
            part: p.id.clone(),
            description: p.description.clone(),
            qty: 0,
            used_by: Vec::new(),
        })
        .collect();
    let mut add = |part: &str, qty: u32, why: String| {
        if let Some(line) = lines.iter_mut().find(|l| l.part == part) {
            line.qty += qty;
            line.used_by.push(why);
        }
    };
    for ((board, reference), part) in &placed {
        add(part, 1, format!("{board}/{reference}"));
        for need in map
            .part(part)
            .map(|p| p.needs.as_slice())
            .unwrap_or_default()
        {
            add(
                &need.part,
                need.qty,
                format!("{board}/{reference} needs {}", need.qty),
            );
        }
    }
    lines.retain(|l| l.qty > 0);
    lines
}

/// The BOM as a markdown table.
pub fn bom_markdown(lines: &[BomLine]) -> String {
    let mut s = String::from("| part | qty | description | used by |\n|---|---:|---|---|\n");
    for l in lines {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            l.part,
            l.qty,
            l.description.replace('|', "\\|"),
            l.used_by.join(", ")
        ));
    }
    s
}
