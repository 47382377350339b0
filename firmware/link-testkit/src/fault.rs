//! Damage the test line does to whole frames, and SLIP framing for it.

use retromesh_link_frame::{SlipDecoder, SlipEncoder};

/// Damage the test line does to one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The whole frame never arrives.
    Drop,
    /// The byte at this index of the body (before escaping) is flipped: the CRC no longer
    /// matches. An index past the end flips the last byte.
    Corrupt(usize),
    /// These bytes arrive just before the frame (line noise).
    Noise(&'static [u8]),
}

/// Faults by frame kind and the frame's number among frames of that kind (from 0), per
/// direction.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub to_micro: Vec<(u8, usize, Fault)>,
    pub from_micro: Vec<(u8, usize, Fault)>,
}

impl Faults {
    /// The fault planned for frame `n` of `kind` in `list`.
    pub(crate) fn find(list: &[(u8, usize, Fault)], kind: u8, n: usize) -> Option<Fault> {
        list.iter()
            .find(|(k, i, _)| *k == kind && *i == n)
            .map(|&(_, _, f)| f)
    }
}

impl Fault {
    /// The wire bytes of a frame with `body` after `fault`, or None when the frame is lost.
    pub(crate) fn apply(fault: Option<Fault>, mut body: Vec<u8>) -> Option<Vec<u8>> {
        match fault {
            None => Some(slip(&body)),
            Some(Fault::Drop) => None,
            Some(Fault::Corrupt(i)) => {
                let i = i.min(body.len() - 1);
                body[i] ^= 0x21;
                Some(slip(&body))
            }
            Some(Fault::Noise(junk)) => Some([junk, &slip(&body)].concat()),
        }
    }
}

/// A frame's body on the wire: END, escaped body, END.
pub fn slip(body: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    SlipEncoder::encode(body, |b| wire.push(b));
    wire
}

/// The body of a frame whose wire bytes (without its ENDs) are `wire`; empty if they are not
/// a valid escaping.
pub fn unslip(wire: &[u8]) -> Vec<u8> {
    let mut dec: SlipDecoder<1024> = SlipDecoder::new();
    dec.push(0xC0);
    for &b in wire {
        dec.push(b);
    }
    match dec.push(0xC0) {
        Some(Ok(body)) => body.to_vec(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slip_round_trips_awkward_bytes() {
        let body = [0x01, 0xC0, 0xDB, 0x00, 0xDC, 0xDD];
        let wire = slip(&body);
        assert_eq!((wire[0], wire[wire.len() - 1]), (0xC0, 0xC0));
        assert_eq!(unslip(&wire[1..wire.len() - 1]), body);
    }

    #[test]
    fn faults_damage_as_planned() {
        let body = vec![1, 2, 3];
        assert_eq!(Fault::apply(None, body.clone()), Some(slip(&body)));
        assert_eq!(Fault::apply(Some(Fault::Drop), body.clone()), None);
        assert_eq!(
            Fault::apply(Some(Fault::Corrupt(9)), body.clone()),
            Some(slip(&[1, 2, 3 ^ 0x21]))
        );
        let noisy = Fault::apply(Some(Fault::Noise(b"\x55")), body.clone()).unwrap();
        assert_eq!(noisy, [&[0x55][..], &slip(&body)].concat());
        let list = [(1, 2, Fault::Drop)];
        assert_eq!(Faults::find(&list, 1, 2), Some(Fault::Drop));
        assert_eq!(Faults::find(&list, 1, 1), None);
    }
}
