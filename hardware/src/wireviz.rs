//! WireViz 0.4 harness files, one per variant: the micro's connector, the level shifters, the
//! Pico (or the USB-serial cable) and two cables between them.

use crate::model::*;
use crate::rp2040;
use std::fmt::Write as _;

/// A YAML scalar: digits stay numbers (WireViz matches numeric pins as ints), the rest is quoted.
fn scalar(text: &str) -> String {
    if !text.is_empty()
        && text.len() < 6
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
    {
        return text.to_string();
    }
    let mut s = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| scalar(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// One node of the drawing: a designator, its pins and their labels.
struct Node {
    name: String,
    kind: String,
    subtype: String,
    pins: Vec<String>,
    labels: Vec<String>,
}

impl Node {
    fn pin(&mut self, pin: &str, label: &str) {
        if !self.pins.iter().any(|p| p == pin) {
            self.pins.push(pin.to_string());
            self.labels.push(label.to_string());
        }
    }
}

struct Drawing {
    nodes: Vec<Node>,
    /// (from node, from pin, cable, to node, to pin)
    links: Vec<(String, String, &'static str, String, String)>,
    adapter_side: Vec<(String, String)>,
}

impl Drawing {
    fn node(&mut self, name: &str, kind: &str, subtype: &str) -> &mut Node {
        if let Some(i) = self.nodes.iter().position(|n| n.name == name) {
            return &mut self.nodes[i];
        }
        self.nodes.push(Node {
            name: name.into(),
            kind: kind.into(),
            subtype: subtype.into(),
            pins: Vec::new(),
            labels: Vec::new(),
        });
        self.nodes.last_mut().expect("just pushed")
    }
}

/// Where an endpoint lands: (node, pin, label), adding the node as needed.
fn land(d: &mut Drawing, map: &PinMap, v: &Variant, e: &Endpoint) -> Option<(String, String)> {
    let pico = v
        .parts
        .iter()
        .find(|p| map.part(&p.part).is_some_and(|x| x.kind == PartKind::Mcu));
    let cable = v
        .parts
        .iter()
        .find(|p| map.part(&p.part).is_some_and(|x| x.kind == PartKind::Cable));
    let pico_name = pico
        .map(|p| p.reference.clone())
        .unwrap_or_else(|| "A1".into());
    let cable_name = cable
        .map(|p| p.reference.clone())
        .unwrap_or_else(|| "USB-serial".into());
    let (node, kind, pin, label) = match e {
        Endpoint::Gpio(n) => (
            pico_name,
            "Raspberry Pi Pico",
            rp2040::pico_pin(*n)?.to_string(),
            format!("GP{n}"),
        ),
        Endpoint::PullUp3V3 => (
            pico_name,
            "Raspberry Pi Pico",
            rp2040::PICO_3V3_PIN.to_string(),
            "3V3 (via pull-up)".into(),
        ),
        Endpoint::UsbSerial(p) => (
            cable_name,
            "USB-serial cable, 3.3 V TTL",
            p.header_pin().to_string(),
            p.name().into(),
        ),
        Endpoint::Gnd if pico.is_some() || cable.is_none() => (
            pico_name,
            "Raspberry Pi Pico",
            rp2040::PICO_GND_PIN.to_string(),
            "GND".into(),
        ),
        Endpoint::Gnd => (
            cable_name,
            "USB-serial cable, 3.3 V TTL",
            "1".into(),
            "GND".into(),
        ),
        Endpoint::Jumper | Endpoint::None => return None,
    };
    d.node(&node, kind, "").pin(&pin, &label);
    Some((node, pin))
}

/// The WireViz YAML for one variant.
pub fn wireviz(map: &PinMap, v: &Variant) -> String {
    let conn = map.connector(&v.connector);
    let mut d = Drawing {
        nodes: Vec::new(),
        links: Vec::new(),
        adapter_side: Vec::new(),
    };
    if let Some(c) = conn {
        let j = d.node(
            &v.connector_ref,
            &c.kind,
            &format!("{} ({})", c.title, c.subtype),
        );
        for p in &c.pins {
            let label = match v
                .wires
                .iter()
                .find(|w| w.pin == p.pin)
                .and_then(|w| w.signal.as_deref())
            {
                Some(s) if s != p.signal => format!("{} = {s}", p.signal),
                _ => p.signal.clone(),
            };
            j.pin(&p.pin, &label);
        }
    }
    for w in &v.wires {
        let signal = w.signal_name(conn).to_string();
        let Some(e) = parse_endpoint(&w.gpio) else {
            continue;
        };
        if e == Endpoint::Jumper {
            let name = format!("link {signal}");
            let n = d
                .nodes
                .iter()
                .find(|n| n.name == name)
                .map_or(0, |n| n.pins.len())
                + 1;
            d.node(
                &name,
                "jumper on the plug",
                "pins joined, nothing reaches the adapter",
            )
            .pin(&n.to_string(), &signal);
            d.links.push((
                v.connector_ref.clone(),
                w.pin.clone(),
                "LEAD",
                name,
                n.to_string(),
            ));
            continue;
        }
        let shifter = parse_via(&w.via).ok().flatten().and_then(|(r, c)| {
            let placed = v.part_ref(r)?;
            let part = map.part(&placed.part)?;
            let ch = part.channels.iter().find(|x| x.name == c)?;
            Some((placed, part, ch))
        });
        match shifter {
            Some((placed, part, ch)) => {
                let subtype = placed
                    .dir
                    .as_deref()
                    .map(|d| format!("dir {d}"))
                    .unwrap_or_default();
                let u = d.node(&placed.reference, &part.id, &subtype);
                u.pin(&ch.micro, &format!("{} ({signal})", ch.micro));
                u.pin(&ch.mcu, &ch.mcu);
                d.links.push((
                    v.connector_ref.clone(),
                    w.pin.clone(),
                    "LEAD",
                    placed.reference.clone(),
                    ch.micro.clone(),
                ));
                let key = (placed.reference.clone(), ch.mcu.clone());
                if !d.adapter_side.contains(&key) {
                    d.adapter_side.push(key);
                    if let Some((node, pin)) = land(&mut d, map, v, &e) {
                        d.links.push((
                            placed.reference.clone(),
                            ch.mcu.clone(),
                            "BOARD",
                            node,
                            pin,
                        ));
                    }
                }
            }
            None => {
                if let Some((node, pin)) = land(&mut d, map, v, &e) {
                    d.links
                        .push((v.connector_ref.clone(), w.pin.clone(), "LEAD", node, pin));
                }
            }
        }
    }
    // A transceiver whose DIR follows a connector pin gets that wire too (U2 DIR = PA2).
    for placed in &v.parts {
        let pin = placed
            .dir
            .as_deref()
            .and_then(|d| d.strip_prefix("follows:"));
        if let (Some(pin), Some(i)) = (pin, d.nodes.iter().position(|n| n.name == placed.reference))
        {
            d.nodes[i].pin("DIR", "DIR");
            d.links.push((
                v.connector_ref.clone(),
                pin.to_string(),
                "LEAD",
                placed.reference.clone(),
                "DIR".into(),
            ));
        }
    }
    render(v, &d)
}

fn render(v: &Variant, d: &Drawing) -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# Generated from hardware/pinmap.toml by retromesh-pinmap; do not edit."
    );
    let _ = writeln!(
        y,
        "metadata:\n  title: {}\n  variant: {}\n  board: {}",
        scalar(&v.title),
        scalar(&v.id),
        scalar(&v.board)
    );
    y.push_str("connectors:\n");
    for n in &d.nodes {
        let _ = writeln!(y, "  {}:", scalar(&n.name));
        let _ = writeln!(y, "    type: {}", scalar(&n.kind));
        if !n.subtype.is_empty() {
            let _ = writeln!(y, "    subtype: {}", scalar(&n.subtype));
        }
        let _ = writeln!(y, "    pins: {}", list(&n.pins));
        let _ = writeln!(y, "    pinlabels: {}", list(&n.labels));
    }
    y.push_str("cables:\n");
    for (cable, title) in [
        ("LEAD", "the micro's lead"),
        ("BOARD", "on the adapter board"),
    ] {
        let count = d.links.iter().filter(|l| l.2 == cable).count();
        if count > 0 {
            let _ = writeln!(
                y,
                "  {cable}:\n    wirecount: {count}\n    type: {}",
                scalar(title)
            );
        }
    }
    y.push_str("connections:\n");
    let mut index = [0usize; 2];
    for (from, from_pin, cable, to, to_pin) in &d.links {
        let i = &mut index[usize::from(*cable == "BOARD")];
        *i += 1;
        let _ = writeln!(
            y,
            "  -\n    - {}: [{}]\n    - {cable}: [{}]\n    - {}: [{}]",
            scalar(from),
            scalar(from_pin),
            i,
            scalar(to),
            scalar(to_pin)
        );
    }
    y
}

/// (file stem, YAML) for every variant.
pub fn wireviz_all(map: &PinMap) -> Vec<(String, String)> {
    map.variants
        .iter()
        .map(|v| (v.id.clone(), wireviz(map, v)))
        .collect()
}
