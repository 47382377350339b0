//! `check()`: every problem in a pin map, not just the first.

use crate::model::*;
use crate::problem::Problem;
use crate::rp2040;
use std::collections::{BTreeMap, HashMap};

mod wire;
use wire::{net_rules, wire_rules};

/// The direction a shifter channel moves a signal in one variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    ToMicro,
    ToMcu,
    Both,
}

/// Finds every problem in the map. An empty list means the map is sound.
pub fn check(map: &PinMap) -> Vec<Problem> {
    let mut out = Vec::new();
    if map.schema != 1 {
        out.push(Problem::Schema { found: map.schema });
    }
    duplicates("part", map.parts.iter().map(|p| &p.id), &mut out);
    duplicates("connector", map.connectors.iter().map(|c| &c.id), &mut out);
    duplicates("variant", map.variants.iter().map(|v| &v.id), &mut out);
    for part in &map.parts {
        for need in &part.needs {
            if map.part(&need.part).is_none() {
                out.push(Problem::UnknownNeed {
                    part: part.id.clone(),
                    needs: need.part.clone(),
                });
            }
        }
    }
    ref_conflicts(map, &mut out);
    for v in &map.variants {
        check_variant(map, v, &mut out);
    }
    out
}

fn duplicates<'a>(
    what: &'static str,
    ids: impl Iterator<Item = &'a String>,
    out: &mut Vec<Problem>,
) {
    let mut seen = HashMap::new();
    for id in ids {
        if seen.insert(id, ()).is_some() {
            out.push(Problem::DuplicateId {
                what,
                id: id.clone(),
            });
        }
    }
}

fn ref_conflicts(map: &PinMap, out: &mut Vec<Problem>) {
    let mut placed: HashMap<(&str, &str), (&str, &str)> = HashMap::new();
    for v in &map.variants {
        for p in &v.parts {
            let key = (v.board.as_str(), p.reference.as_str());
            match placed.get(&key) {
                Some((part, first_variant)) if *part != p.part => out.push(Problem::RefConflict {
                    board: v.board.clone(),
                    reference: p.reference.clone(),
                    first: part.to_string(),
                    first_variant: first_variant.to_string(),
                    second: p.part.clone(),
                    second_variant: v.id.clone(),
                }),
                Some(_) => {}
                None => {
                    placed.insert(key, (&p.part, &v.id));
                }
            }
        }
    }
}

/// How a placed transceiver's DIR is set: `Ok(flow)` or a description of what is wrong.
pub fn transceiver_flow(conn: Option<&Connector>, placed: &PartRef) -> Result<Flow, String> {
    match placed.dir.as_deref() {
        None => Err("no `dir` setting".into()),
        Some("a-to-b") => Ok(Flow::ToMcu),
        Some("b-to-a") => Ok(Flow::ToMicro),
        Some(d) => match d.strip_prefix("follows:") {
            Some(pin) if conn.is_none_or(|c| c.pin(pin).is_some()) => Ok(Flow::Both),
            Some(pin) => Err(format!(
                "dir = \"{d}\", but '{pin}' is not a pin of the connector"
            )),
            None => Err(format!("dir = \"{d}\"")),
        },
    }
}

/// The flow of channel `channel` of placed part `placed`, when both are sound.
pub fn channel_flow(
    map: &PinMap,
    conn: Option<&Connector>,
    placed: &PartRef,
    channel: &str,
) -> Option<Flow> {
    let part = map.part(&placed.part)?;
    let ch = part.channels.iter().find(|c| c.name == channel)?;
    match ch.dir {
        ChannelDir::ToMicro => Some(Flow::ToMicro),
        ChannelDir::ToMcu => Some(Flow::ToMcu),
        ChannelDir::SetByDirPin => transceiver_flow(conn, placed).ok(),
    }
}

fn check_variant(map: &PinMap, v: &Variant, out: &mut Vec<Problem>) {
    let conn = map.connector(&v.connector);
    if conn.is_none() {
        out.push(Problem::UnknownConnector {
            variant: v.id.clone(),
            connector: v.connector.clone(),
            known: map
                .connectors
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    for placed in &v.parts {
        match map.part(&placed.part) {
            None => out.push(Problem::UnknownPart {
                variant: v.id.clone(),
                reference: placed.reference.clone(),
                part: placed.part.clone(),
            }),
            Some(part)
                if part
                    .channels
                    .iter()
                    .any(|c| c.dir == ChannelDir::SetByDirPin) =>
            {
                if let Err(problem) = transceiver_flow(conn, placed) {
                    out.push(Problem::BadDirSetting {
                        variant: v.id.clone(),
                        reference: placed.reference.clone(),
                        part: placed.part.clone(),
                        problem,
                    });
                }
            }
            Some(_) => {}
        }
    }
    if let Some(c) = conn {
        coverage(v, c, out);
    }
    let mut nets: BTreeMap<&str, Vec<&Wire>> = BTreeMap::new();
    let mut endpoints: HashMap<Endpoint, &str> = HashMap::new();
    let mut channels: HashMap<(&str, &str), &str> = HashMap::new();
    let (mut uses_gpio, mut uses_cable) = (false, false);
    for w in &v.wires {
        let signal = w.signal_name(conn);
        nets.entry(signal).or_default().push(w);
        let endpoint = parse_endpoint(&w.gpio);
        match &endpoint {
            None => out.push(Problem::BadEndpoint {
                variant: v.id.clone(),
                signal: signal.into(),
                gpio: w.gpio.clone(),
            }),
            Some(e @ (Endpoint::Gpio(_) | Endpoint::UsbSerial(_))) => {
                if let Endpoint::Gpio(n) = e {
                    uses_gpio = true;
                    if !rp2040::on_pico_header(*n) {
                        out.push(Problem::GpioNotOnPico {
                            variant: v.id.clone(),
                            signal: signal.into(),
                            gpio: *n,
                        });
                    }
                } else {
                    uses_cable = true;
                }
                match endpoints.get(e) {
                    Some(first) if *first != signal => out.push(Problem::DuplicateGpio {
                        variant: v.id.clone(),
                        endpoint: e.to_string(),
                        first: first.to_string(),
                        second: signal.into(),
                    }),
                    Some(_) => {}
                    None => {
                        endpoints.insert(e.clone(), signal);
                    }
                }
            }
            Some(_) => {}
        }
        let via = resolve_via(map, v, conn, w, signal, out);
        if let Some((reference, channel, _, _)) = via {
            match channels.get(&(reference, channel)) {
                Some(first) if *first != signal => out.push(Problem::ChannelReused {
                    variant: v.id.clone(),
                    reference: reference.into(),
                    channel: channel.into(),
                    first: first.to_string(),
                    second: signal.into(),
                }),
                Some(_) => {}
                None => {
                    channels.insert((reference, channel), signal);
                }
            }
        }
        if let (Some(c), Some(e)) = (conn, &endpoint) {
            if let Some(cpin) = c.pin(&w.pin) {
                wire_rules(
                    v,
                    w,
                    signal,
                    cpin,
                    e,
                    via.map(|(r, _, part, flow)| (r, part, flow)),
                    out,
                );
            }
        }
    }
    for (signal, wires) in &nets {
        net_rules(v, signal, wires, out);
    }
    if uses_gpio && !has_kind(map, v, PartKind::Mcu) {
        out.push(Problem::MissingPart {
            variant: v.id.clone(),
            detail: "wires end on GPIOs".into(),
            kind: "mcu",
            example: "{ ref = \"A1\", part = \"PICO\" }",
        });
    }
    if uses_cable && !has_kind(map, v, PartKind::Cable) {
        out.push(Problem::MissingPart {
            variant: v.id.clone(),
            detail: "wires end on a USB-serial cable".into(),
            kind: "cable",
            example: "{ ref = \"W1\", part = \"USB-SERIAL-3V3\" }",
        });
    }
}

fn has_kind(map: &PinMap, v: &Variant, kind: PartKind) -> bool {
    v.parts
        .iter()
        .any(|p| map.part(&p.part).is_some_and(|part| part.kind == kind))
}

fn coverage(v: &Variant, c: &Connector, out: &mut Vec<Problem>) {
    for w in &v.wires {
        if c.pin(&w.pin).is_none() {
            out.push(Problem::UnknownPin {
                variant: v.id.clone(),
                connector: c.id.clone(),
                pin: w.pin.clone(),
                known: c
                    .pins
                    .iter()
                    .map(|p| p.pin.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            });
        }
    }
    for p in &c.pins {
        let count = v.wires.iter().filter(|w| w.pin == p.pin).count();
        if count == 0 {
            out.push(Problem::PinNotWired {
                variant: v.id.clone(),
                connector: c.id.clone(),
                pin: p.pin.clone(),
                signal: p.signal.clone(),
            });
        } else if count > 1 {
            out.push(Problem::PinWiredTwice {
                variant: v.id.clone(),
                pin: p.pin.clone(),
                count,
            });
        }
    }
}

type ResolvedVia<'a> = (&'a str, &'a str, &'a Part, Flow);

fn resolve_via<'a>(
    map: &'a PinMap,
    v: &'a Variant,
    conn: Option<&Connector>,
    w: &'a Wire,
    signal: &str,
    out: &mut Vec<Problem>,
) -> Option<ResolvedVia<'a>> {
    let (reference, channel) = match parse_via(&w.via) {
        Ok(None) => return None,
        Ok(Some(rc)) => rc,
        Err(MalformedVia) => {
            out.push(Problem::BadVia {
                variant: v.id.clone(),
                signal: signal.into(),
                via: w.via.clone(),
            });
            return None;
        }
    };
    let Some(placed) = v.part_ref(reference) else {
        out.push(Problem::UnknownPartRef {
            variant: v.id.clone(),
            signal: signal.into(),
            reference: reference.into(),
        });
        return None;
    };
    let part = map.part(&placed.part)?; // unknown part already reported
    if part.channels.is_empty() {
        out.push(Problem::NotAShifter {
            variant: v.id.clone(),
            signal: signal.into(),
            reference: reference.into(),
            part: part.id.clone(),
        });
        return None;
    }
    if !part.channels.iter().any(|c| c.name == channel) {
        out.push(Problem::UnknownChannel {
            variant: v.id.clone(),
            signal: signal.into(),
            reference: reference.into(),
            part: part.id.clone(),
            channel: channel.into(),
            known: part
                .channels
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
        return None;
    }
    let flow = channel_flow(map, conn, placed, channel)?; // bad DIR setting already reported
    Some((reference, channel, part, flow))
}
