//! Rules for one wire and for one net: directions, levels, functions, supplies.

use super::Flow;
use crate::model::*;
use crate::problem::Problem;
use crate::rp2040;

fn allowed(cap: PinCapability) -> &'static [MicroDir] {
    use MicroDir::*;
    match cap {
        PinCapability::In => &[In, Unused],
        PinCapability::Out => &[Out, Unused],
        PinCapability::Bidir => &[In, Out, Bidir, Unused],
        PinCapability::Power => &[Power],
        PinCapability::Ground => &[Ground],
        PinCapability::Nc => &[Unused],
    }
}

fn word<T: serde::Serialize>(value: T) -> String {
    toml::Value::try_from(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(super) fn wire_rules(
    v: &Variant,
    w: &Wire,
    signal: &str,
    cpin: &ConnectorPin,
    e: &Endpoint,
    via: Option<(&str, &Part, Flow)>,
    out: &mut Vec<Problem>,
) {
    let mismatch = |detail: String, fix: String| Problem::DirectionMismatch {
        variant: v.id.clone(),
        signal: signal.into(),
        pin: w.pin.clone(),
        detail,
        fix,
    };
    let ok = allowed(cpin.dir);
    if !ok.contains(&w.micro) {
        let list = ok.iter().map(word).collect::<Vec<_>>().join(" or ");
        out.push(mismatch(
            format!(
                "the connector says the micro's pin is '{}', but the wire says micro = \"{}\"",
                word(cpin.dir),
                word(w.micro)
            ),
            format!("set micro = {list}"),
        ));
    }
    let expected = if *e == Endpoint::Jumper {
        AdapterDir::None
    } else {
        w.micro.mirrored()
    };
    if w.adapter != expected {
        out.push(mismatch(
            format!(
                "micro = \"{}\" but adapter = \"{}\"; one side drives and the other listens",
                word(w.micro),
                word(w.adapter)
            ),
            format!("set adapter = \"{}\"", word(expected)),
        ));
    }
    let endpoint_ok = match e {
        Endpoint::Gpio(_) => w.adapter != AdapterDir::None,
        Endpoint::UsbSerial(p) => w.adapter == p.dir(),
        Endpoint::Gnd => matches!(w.adapter, AdapterDir::None | AdapterDir::Out),
        Endpoint::PullUp3V3 => w.adapter == AdapterDir::Out,
        Endpoint::Jumper | Endpoint::None => w.adapter == AdapterDir::None,
    };
    if !endpoint_ok {
        let fix = match e {
            Endpoint::UsbSerial(p) => format!(
                "the cable's {} is an {}put: use usb-serial:{} instead",
                p.name(),
                if p.dir() == AdapterDir::Out {
                    "out"
                } else {
                    "in"
                },
                match p {
                    UsbSerialPin::Txd => "RXD (or CTS)",
                    UsbSerialPin::Rts => "CTS (or RXD)",
                    UsbSerialPin::Rxd => "TXD (or RTS)",
                    UsbSerialPin::Cts => "RTS (or TXD)",
                }
            ),
            _ => "make `gpio` and `adapter` agree".into(),
        };
        out.push(mismatch(
            format!(
                "adapter = \"{}\" does not fit gpio = \"{e}\"",
                word(w.adapter)
            ),
            fix,
        ));
    }
    if let Some((reference, part, flow)) = via {
        let needed = match flow {
            Flow::ToMicro => AdapterDir::Out,
            Flow::ToMcu => AdapterDir::In,
            Flow::Both => AdapterDir::Bidir,
        };
        if w.adapter != needed {
            out.push(mismatch(
                format!("{reference} ({}) moves this channel {} but adapter = \"{}\"", part.id, match flow {
                    Flow::ToMicro => "towards the micro",
                    Flow::ToMcu => "towards the adapter",
                    Flow::Both => "both ways (DIR follows a pin)",
                }, word(w.adapter)),
                "use a channel that moves the signal the way it flows (MAX3232 T = to the micro, R = to the adapter; 74LVC07 = to the micro; 74LVC245 per its dir)".into(),
            ));
        }
    }
    level_rules(v, w, signal, cpin, e, via, out);
    function_rules(v, w, signal, e, out);
    if (cpin.dir == PinCapability::Power || w.micro == MicroDir::Power)
        && (*e != Endpoint::None || via.is_some())
    {
        out.push(Problem::PowerPinWired {
            variant: v.id.clone(),
            pin: w.pin.clone(),
            signal: signal.into(),
            endpoint: w.gpio.clone(),
        });
    }
    if cpin.dir == PinCapability::Ground && *e != Endpoint::Gnd {
        out.push(Problem::GroundNotTied {
            variant: v.id.clone(),
            pin: w.pin.clone(),
        });
    }
}

fn level_rules(
    v: &Variant,
    w: &Wire,
    signal: &str,
    cpin: &ConnectorPin,
    e: &Endpoint,
    via: Option<(&str, &Part, Flow)>,
    out: &mut Vec<Problem>,
) {
    let reaches_3v3 = matches!(e, Endpoint::Gpio(_) | Endpoint::UsbSerial(_));
    match (cpin.voltage, via) {
        (Voltage::Ttl5V | Voltage::Rs232, None) if reaches_3v3 => {
            let fix = if cpin.voltage == Voltage::Rs232 {
                "route it through a MAX3232 channel (R into the adapter, T out to the micro)"
            } else {
                "route it through a 74LVC245 channel (into the adapter) or a 74LVC07 channel (to the micro); RP2040 pins are not 5 V tolerant"
            };
            out.push(Problem::NoLevelShifter {
                variant: v.id.clone(),
                signal: signal.into(),
                pin: w.pin.clone(),
                voltage: cpin.voltage.describe(),
                endpoint: e.to_string(),
                fix,
            });
        }
        (Voltage::Rs232, Some((reference, part, _))) if part.kind != PartKind::Rs232Transceiver => {
            out.push(Problem::WrongShifter {
                variant: v.id.clone(),
                signal: signal.into(),
                pin: w.pin.clone(),
                voltage: cpin.voltage.describe(),
                reference: reference.into(),
                part: part.id.clone(),
                fix: "±12 V destroys 3.3 V logic; use a MAX3232 channel",
            });
        }
        (Voltage::Ttl5V, Some((reference, part, _))) if part.kind == PartKind::Rs232Transceiver => {
            out.push(Problem::WrongShifter { variant: v.id.clone(), signal: signal.into(), pin: w.pin.clone(), voltage: cpin.voltage.describe(), reference: reference.into(), part: part.id.clone(), fix: "a MAX3232 swings ±5.5 V and inverts; use a 74LVC245 channel (into the adapter) or a 74LVC07 channel (to the micro)" });
        }
        _ => {}
    }
}

fn function_rules(v: &Variant, w: &Wire, signal: &str, e: &Endpoint, out: &mut Vec<Problem>) {
    let Some(function) = &w.function else { return };
    let Endpoint::Gpio(gpio) = *e else {
        // Functions belong to the RP2040; a cable or a tie has none.
        out.push(Problem::FunctionMismatch {
            variant: v.id.clone(),
            signal: signal.into(),
            function: function.clone(),
            gpio: 0,
            detail: format!(
                "but the wire ends on {e}, not a GPIO; drop `function` or wire it to a GPIO"
            ),
        });
        return;
    };
    let bad = |detail: String| Problem::FunctionMismatch {
        variant: v.id.clone(),
        signal: signal.into(),
        function: function.clone(),
        gpio,
        detail,
    };
    let Some(wanted) = rp2040::parse_function(function) else {
        out.push(bad("which is not a function this tool knows; write uart0|uart1 followed by -tx, -rx, -cts or -rts".into()));
        return;
    };
    let actual = rp2040::uart_function_of(gpio);
    if actual != Some(wanted) {
        let list = rp2040::gpios_with(wanted)
            .iter()
            .map(|g| format!("GP{g}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(bad(format!(
            "but the RP2040 has that function on {list} only; move the signal to one of them"
        )));
    }
    let needed = if wanted.role.is_output() {
        AdapterDir::Out
    } else {
        AdapterDir::In
    };
    if w.adapter != needed {
        out.push(bad(format!("which the RP2040 {} but adapter = \"{}\"; pick the function that matches the signal's flow", if needed == AdapterDir::Out { "drives" } else { "reads" }, word(w.adapter))));
    }
}

pub(super) fn net_rules(v: &Variant, signal: &str, wires: &[&Wire], out: &mut Vec<Problem>) {
    let first = wires[0];
    for w in &wires[1..] {
        let differs = [("via", &first.via, &w.via), ("gpio", &first.gpio, &w.gpio)]
            .into_iter()
            .find(|(_, a, b)| a.trim() != b.trim())
            .map(|(field, a, b)| {
                format!(
                    "pin {} has {field} = \"{a}\" but pin {} has \"{b}\"",
                    first.pin, w.pin
                )
            })
            .or_else(|| {
                (first.function != w.function).then(|| {
                    format!(
                        "pins {} and {} ask for different functions",
                        first.pin, w.pin
                    )
                })
            });
        if let Some(detail) = differs {
            out.push(Problem::SplitNet {
                variant: v.id.clone(),
                signal: signal.into(),
                detail,
            });
        }
    }
    if parse_endpoint(&first.gpio) == Some(Endpoint::Jumper) {
        let drivers = wires.iter().filter(|w| w.micro == MicroDir::Out).count();
        let readers = wires.iter().filter(|w| w.micro == MicroDir::In).count();
        let detail = if wires.len() < 2 {
            Some("has one pin".to_string())
        } else if drivers == 0 || readers == 0 {
            Some(format!("has {drivers} driving and {readers} reading pins"))
        } else {
            None
        };
        if let Some(detail) = detail {
            out.push(Problem::JumperIncomplete {
                variant: v.id.clone(),
                signal: signal.into(),
                detail,
            });
        }
    }
}
