//! `.z80` snapshots, versions 1, 2 and 3, for the 48K and 128K Spectrum.
//!
//! Version 1 is a 30-byte header plus 48K of RAM, optionally compressed and then ending in
//! `00 ED ED 00`. Versions 2 and 3 set PC to 0 in that header and add an extra header (23
//! bytes for v2, 54 or 55 for v3) followed by 16 KiB memory blocks, each with its own length
//! and page number. Compression replaces runs with `ED ED count byte`.

use super::{page, ram_48k_pages, FormatError, Page, Registers, Snapshot, PAGE};
use crate::Model;

const V1_HEADER: usize = 30;
/// Block length meaning "16384 bytes, not compressed" (v3).
const RAW_BLOCK: u16 = 0xFFFF;
const END_MARKER: [u8; 4] = [0x00, 0xED, 0xED, 0x00];

/// Why decompression stopped short.
#[derive(Debug, PartialEq, Eq)]
enum Unpack {
    /// The input ended after producing this many bytes.
    Short(usize),
    /// A run would write past the expected size; the input offset of that run.
    Overflow(usize),
    /// `ED ED` with fewer than two bytes after it, at this input offset.
    CutRun(usize),
}

/// Decompresses `input` until `want` bytes are produced (`stop_when_full`) or the input ends.
/// Returns the output and how many input bytes were used.
fn unpack(input: &[u8], want: usize, stop_when_full: bool) -> Result<(Vec<u8>, usize), Unpack> {
    let mut out = Vec::with_capacity(want);
    let mut i = 0;
    while i < input.len() {
        if stop_when_full && out.len() == want {
            break;
        }
        if input[i] == 0xED && input.get(i + 1) == Some(&0xED) {
            let (Some(&count), Some(&value)) = (input.get(i + 2), input.get(i + 3)) else {
                return Err(Unpack::CutRun(i));
            };
            if out.len() + usize::from(count) > want {
                return Err(Unpack::Overflow(i));
            }
            out.resize(out.len() + usize::from(count), value);
            i += 4;
        } else {
            if out.len() == want {
                return Err(Unpack::Overflow(i));
            }
            out.push(input[i]);
            i += 1;
        }
    }
    if out.len() < want {
        return Err(Unpack::Short(out.len()));
    }
    Ok((out, i))
}

/// Compresses with the `.z80` rules: runs of 5+ equal bytes, and any run of EDs longer than
/// one, become `ED ED count byte`; the byte after a lone ED is never part of a run (else the
/// decoder would read `ED ED ED ..`).
fn pack(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        let run = data[i..].iter().take(255).take_while(|&&x| x == b).count();
        if run >= 5 || (b == 0xED && run >= 2) {
            out.extend_from_slice(&[0xED, 0xED, run as u8, b]);
            i += run;
        } else {
            out.push(b);
            i += 1;
            if b == 0xED && i < data.len() {
                out.push(data[i]);
                i += 1;
            }
        }
    }
    out
}

fn word(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

/// Parses a `.z80` snapshot of any version.
pub fn parse_z80(bytes: &[u8]) -> Result<Snapshot, FormatError> {
    if bytes.len() < V1_HEADER {
        return Err(FormatError::Truncated(format!(
            "a .z80 file starts with a 30-byte header, but this one is {} bytes",
            bytes.len()
        )));
    }
    let h = &bytes[..V1_HEADER];
    // Old writers store 255 here meaning 1.
    let flags = if h[12] == 0xFF { 1 } else { h[12] };
    let im = h[29] & 3;
    if im == 3 {
        return Err(FormatError::Corrupt(
            "header byte 29 gives interrupt mode 3; only 0, 1 and 2 exist".into(),
        ));
    }
    let mut regs = Registers {
        af: u16::from_be_bytes([h[0], h[1]]),
        bc: word(h, 2),
        hl: word(h, 4),
        pc: word(h, 6),
        sp: word(h, 8),
        i: h[10],
        r: (h[11] & 0x7F) | ((flags & 1) << 7),
        de: word(h, 13),
        bc_alt: word(h, 15),
        de_alt: word(h, 17),
        hl_alt: word(h, 19),
        af_alt: u16::from_be_bytes([h[21], h[22]]),
        iy: word(h, 23),
        ix: word(h, 25),
        iff1: h[27] != 0,
        iff2: h[28] != 0,
        im,
    };
    let border = (flags >> 1) & 7;
    if regs.pc != 0 {
        return parse_v1(bytes, flags & 0x20 != 0, regs, border);
    }

    if bytes.len() < V1_HEADER + 2 {
        return Err(FormatError::Truncated(format!(
            "PC is 0, so this is a v2/v3 .z80 whose extra header length follows the 30-byte \
             header, but the file is {} bytes",
            bytes.len()
        )));
    }
    let extra = usize::from(word(bytes, 30));
    let version = match extra {
        23 => 2,
        54 | 55 => 3,
        n => {
            return Err(FormatError::Unsupported(format!(
                "extra header length {n} matches no .z80 version (23 for v2, 54 or 55 for v3)"
            )))
        }
    };
    let blocks_at = V1_HEADER + 2 + extra;
    if bytes.len() < blocks_at {
        return Err(FormatError::Truncated(format!(
            "v{version} .z80 header is {blocks_at} bytes, but the file is {} bytes",
            bytes.len()
        )));
    }
    regs.pc = word(bytes, 32);
    let hw = bytes[34];
    let model = model_for(version, hw)?;
    let modify_hw = bytes[37] & 0x80 != 0;

    let mut ram_pages: [Option<Page>; 8] = Default::default();
    let mut pos = blocks_at;
    let mut index = 0;
    while pos < bytes.len() {
        index += 1;
        if bytes.len() - pos < 3 {
            return Err(FormatError::Truncated(format!(
                "memory block {index} at offset {pos:#X}: only {} bytes left of its 3-byte \
                 header: the file is truncated",
                bytes.len() - pos
            )));
        }
        let len = word(bytes, pos);
        let num = bytes[pos + 2];
        let data_at = pos + 3;
        let stored = if len == RAW_BLOCK {
            PAGE
        } else {
            usize::from(len)
        };
        let left = bytes.len() - data_at;
        if stored > left {
            return Err(FormatError::Truncated(format!(
                "memory block {index} (page {num}) at offset {pos:#X} says {stored} bytes but \
                 only {left} remain: the file is truncated"
            )));
        }
        let slot = ram_slot(model, num)?;
        if ram_pages[slot].is_some() {
            return Err(FormatError::Corrupt(format!(
                "memory block {index} at offset {pos:#X}: page {num} (RAM page {slot}) appears \
                 twice"
            )));
        }
        let data = &bytes[data_at..data_at + stored];
        let mem = if len == RAW_BLOCK {
            data.to_vec()
        } else {
            unpack(data, PAGE, false)
                .map_err(|e| {
                    let how = match e {
                        Unpack::Short(n) => format!("only {n} bytes"),
                        Unpack::Overflow(_) => "more than 16384 bytes".into(),
                        Unpack::CutRun(at) => {
                            format!("an ED ED run cut off at offset {:#X}", data_at + at)
                        }
                    };
                    FormatError::Corrupt(format!(
                        "memory block {index} (page {num}) at offset {pos:#X}: {stored} \
                         compressed bytes decompress to {how}, not 16384"
                    ))
                })?
                .0
        };
        ram_pages[slot] = Some(page(&mem));
        pos = data_at + stored;
    }

    let needed: &[usize] = match model {
        Model::Spectrum48K => &[5, 2, 0],
        Model::Spectrum128K => &[0, 1, 2, 3, 4, 5, 6, 7],
    };
    let missing: Vec<String> = needed
        .iter()
        .filter(|&&p| ram_pages[p].is_none())
        .map(|&p| format!("RAM page {p} (block page {})", file_page(model, p)))
        .collect();
    if !missing.is_empty() {
        let hint = if model == Model::Spectrum48K && modify_hw {
            " (byte 37 bit 7 marks a 16K Spectrum, which is not supported)"
        } else {
            ""
        };
        return Err(FormatError::Truncated(format!(
            "{} snapshot has no {}{hint}",
            model_name(model),
            missing.join(", ")
        )));
    }

    Ok(Snapshot {
        model,
        regs,
        border,
        port_7ffd: (model == Model::Spectrum128K).then_some(bytes[35]),
        ram_pages,
    })
}

fn parse_v1(
    bytes: &[u8],
    compressed: bool,
    regs: Registers,
    border: u8,
) -> Result<Snapshot, FormatError> {
    let body = &bytes[V1_HEADER..];
    let want = 3 * PAGE;
    let ram = if compressed {
        let (ram, used) = unpack(body, want, true).map_err(|e| match e {
            Unpack::Short(n) => FormatError::Truncated(format!(
                "v1 .z80 compressed RAM ends after {n} of 49152 bytes: the file is truncated"
            )),
            Unpack::Overflow(at) => FormatError::Corrupt(format!(
                "v1 .z80 compressed RAM: the run at offset {:#X} goes past 49152 bytes",
                V1_HEADER + at
            )),
            Unpack::CutRun(at) => FormatError::Truncated(format!(
                "v1 .z80 compressed RAM: the ED ED run at offset {:#X} is cut off: the file is \
                 truncated",
                V1_HEADER + at
            )),
        })?;
        let rest = &body[used..];
        if rest != END_MARKER {
            let at = V1_HEADER + used;
            return Err(if END_MARKER.starts_with(rest) {
                FormatError::Truncated(format!(
                    "v1 .z80 lacks (part of) its 00 ED ED 00 end marker at offset {at:#X}: the \
                     file is truncated"
                ))
            } else {
                FormatError::Corrupt(format!(
                    "v1 .z80 compressed RAM fills 49152 bytes at offset {at:#X}, but {} bytes \
                     follow instead of the 00 ED ED 00 end marker",
                    rest.len()
                ))
            });
        }
        ram
    } else {
        if body.len() != want {
            let msg = format!(
                "uncompressed v1 .z80 holds 49152 bytes of RAM after its 30-byte header, but \
                 this one has {}",
                body.len()
            );
            return Err(if body.len() < want {
                FormatError::Truncated(msg)
            } else {
                FormatError::Corrupt(msg)
            });
        }
        body.to_vec()
    };
    let ram_pages = ram_48k_pages(&ram);
    Ok(Snapshot {
        model: Model::Spectrum48K,
        regs,
        border,
        port_7ffd: None,
        ram_pages,
    })
}

fn model_name(model: Model) -> &'static str {
    match model {
        Model::Spectrum48K => "48K",
        Model::Spectrum128K => "128K",
    }
}

fn model_for(version: u8, hw: u8) -> Result<Model, FormatError> {
    let model = match (version, hw) {
        (2, 0 | 1) | (3, 0 | 1 | 3) => Some(Model::Spectrum48K),
        (2, 3 | 4) | (3, 4..=6) => Some(Model::Spectrum128K),
        _ => None,
    };
    model.ok_or_else(|| {
        let name = match (version, hw) {
            (_, 2) => "SamRam",
            (2, 5 | 6) => "unused hardware mode",
            (_, 7 | 8) => "Spectrum +3",
            (_, 9) => "Pentagon 128",
            (_, 10) => "Scorpion 256",
            (_, 11) => "Didaktik Kompakt",
            (_, 12) => "Spectrum +2",
            (_, 13) => "Spectrum +2A",
            (_, 14) => "Timex TC2048",
            (_, 15) => "Timex TC2068",
            (_, 128) => "Timex TS2068",
            _ => "unknown hardware",
        };
        FormatError::Unsupported(format!(
            "v{version} .z80 hardware mode {hw} ({name}); only the 48K and 128K Spectrum are \
             emulated"
        ))
    })
}

/// RAM page for a block page number.
fn ram_slot(model: Model, num: u8) -> Result<usize, FormatError> {
    let slot = match (model, num) {
        (Model::Spectrum48K, 8) => Some(5),
        (Model::Spectrum48K, 4) => Some(2),
        (Model::Spectrum48K, 5) => Some(0),
        (Model::Spectrum128K, 3..=10) => Some(usize::from(num - 3)),
        _ => None,
    };
    slot.ok_or_else(|| {
        let rom = matches!((model, num), (_, 0 | 1 | 11) | (Model::Spectrum128K, 2));
        if rom {
            FormatError::Unsupported(format!(
                "{} snapshot holds a ROM image (block page {num}); custom ROMs are not supported",
                model_name(model)
            ))
        } else {
            FormatError::Corrupt(format!(
                "{} snapshot has a memory block with unknown page number {num}",
                model_name(model)
            ))
        }
    })
}

/// Block page number for a RAM page.
fn file_page(model: Model, ram: usize) -> u8 {
    match (model, ram) {
        (Model::Spectrum48K, 5) => 8,
        (Model::Spectrum48K, 2) => 4,
        (Model::Spectrum48K, _) => 5,
        (Model::Spectrum128K, n) => n as u8 + 3,
    }
}

/// Writes a version 3 `.z80` (hardware mode 0 for 48K, 4 for 128K).
///
/// Blocks are compressed when that makes them smaller. Only the pages the model uses are
/// written; a missing one is left out, so `parse_z80` will name it. A 128K snapshot without
/// `port_7ffd` is written with 0. AY, T-state and peripheral fields are zero.
pub fn write_z80(snapshot: &Snapshot) -> Vec<u8> {
    let r = &snapshot.regs;
    let mut out = Vec::with_capacity(V1_HEADER + 2 + 54 + 8 * (3 + PAGE));
    out.extend_from_slice(&r.af.to_be_bytes());
    out.extend_from_slice(&r.bc.to_le_bytes());
    out.extend_from_slice(&r.hl.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // PC 0: v2+ header follows.
    out.extend_from_slice(&r.sp.to_le_bytes());
    out.push(r.i);
    out.push(r.r & 0x7F);
    out.push((r.r >> 7) | ((snapshot.border & 7) << 1));
    out.extend_from_slice(&r.de.to_le_bytes());
    out.extend_from_slice(&r.bc_alt.to_le_bytes());
    out.extend_from_slice(&r.de_alt.to_le_bytes());
    out.extend_from_slice(&r.hl_alt.to_le_bytes());
    out.extend_from_slice(&r.af_alt.to_be_bytes());
    out.extend_from_slice(&r.iy.to_le_bytes());
    out.extend_from_slice(&r.ix.to_le_bytes());
    out.push(u8::from(r.iff1));
    out.push(u8::from(r.iff2));
    out.push(r.im & 3);

    let mut extra = [0u8; 54];
    extra[0..2].copy_from_slice(&r.pc.to_le_bytes());
    let (hw, pages): (u8, &[usize]) = match snapshot.model {
        Model::Spectrum48K => (0, &[5, 2, 0]),
        Model::Spectrum128K => (4, &[0, 1, 2, 3, 4, 5, 6, 7]),
    };
    extra[2] = hw;
    extra[3] = snapshot.port_7ffd.unwrap_or(0);
    out.extend_from_slice(&54u16.to_le_bytes());
    out.extend_from_slice(&extra);

    for &p in pages {
        let Some(mem) = snapshot.ram_pages[p].as_deref() else {
            continue;
        };
        let packed = pack(mem);
        let (len, data) = if packed.len() < PAGE {
            (packed.len() as u16, &packed[..])
        } else {
            (RAW_BLOCK, &mem[..])
        };
        out.extend_from_slice(&len.to_le_bytes());
        out.push(file_page(snapshot.model, p));
        out.extend_from_slice(data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(seed: u32) -> Page {
        // xorshift: incompressible enough to force raw blocks.
        let mut x = seed | 1;
        let v: Vec<u8> = (0..PAGE)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        page(&v)
    }

    fn patterned(seed: u8) -> Page {
        // Runs, lone EDs, ED pairs and ED runs, so compression is exercised.
        let mut v = Vec::with_capacity(PAGE);
        while v.len() < PAGE {
            v.extend_from_slice(&[seed, 0xED, 1, 0xED, 0xED, 7, 7, 7, 7, 7, 7, 0xED]);
            v.resize(v.len() + 300, 0xED);
            v.resize(v.len() + 1 + usize::from(seed) % 9, seed);
            v.extend_from_slice(&[0xED, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55]);
        }
        v.truncate(PAGE);
        // A lone ED at the very end, after a non-ED byte.
        v[PAGE - 2] = 0x01;
        v[PAGE - 1] = 0xED;
        page(&v)
    }

    fn regs() -> Registers {
        crate::formats::sample_registers(0xFF00, 0x8123)
    }

    fn snap48() -> Snapshot {
        let mut ram_pages: [Option<Page>; 8] = Default::default();
        ram_pages[5] = Some(patterned(5));
        ram_pages[2] = Some(noisy(2));
        ram_pages[0] = Some(page(&[0u8; PAGE]));
        Snapshot {
            model: Model::Spectrum48K,
            regs: regs(),
            border: 5,
            port_7ffd: None,
            ram_pages,
        }
    }

    fn snap128() -> Snapshot {
        Snapshot {
            model: Model::Spectrum128K,
            regs: regs(),
            border: 7,
            port_7ffd: Some(0x13),
            ram_pages: std::array::from_fn(|n| {
                Some(if n % 2 == 0 {
                    patterned(n as u8)
                } else {
                    noisy(n as u32)
                })
            }),
        }
    }

    /// A v1 file made by hand from the snapshot's registers and 48K image.
    fn v1_bytes(s: &Snapshot, compressed: bool) -> Vec<u8> {
        let v3 = write_z80(s);
        let mut out = v3[..V1_HEADER].to_vec();
        out[6..8].copy_from_slice(&s.regs.pc.to_le_bytes());
        let mut ram = Vec::new();
        for p in [5, 2, 0] {
            ram.extend_from_slice(&s.ram_pages[p].as_ref().unwrap()[..]);
        }
        if compressed {
            out[12] |= 0x20;
            out.extend(pack(&ram));
            out.extend_from_slice(&END_MARKER);
        } else {
            out.extend(ram);
        }
        out
    }

    #[test]
    fn unpack_hand_built() {
        // ED ED run, a lone ED then plain bytes, a zero-length run, ED at the end.
        let input = [
            0x01, 0xED, 0xED, 0x03, 0xAA, 0xED, 0x02, 0x03, 0xED, 0xED, 0x00, 0x99, 0xED,
        ];
        let (out, used) = unpack(&input, 8, false).unwrap();
        assert_eq!(out, [0x01, 0xAA, 0xAA, 0xAA, 0xED, 0x02, 0x03, 0xED]);
        assert_eq!(used, input.len());
        assert_eq!(unpack(&input, 9, false), Err(Unpack::Short(8)));
        assert_eq!(unpack(&input, 3, false), Err(Unpack::Overflow(1)));
        assert_eq!(
            unpack(&[0xED, 0xED, 0x05], 5, false),
            Err(Unpack::CutRun(0))
        );
        // An encoded ED pair.
        assert_eq!(
            unpack(&[0xED, 0xED, 0x02, 0xED], 2, false).unwrap().0,
            [0xED, 0xED]
        );
    }

    #[test]
    fn pack_follows_the_format_rules() {
        assert_eq!(pack(&[1, 1, 1, 1]), [1, 1, 1, 1]);
        assert_eq!(pack(&[1; 5]), [0xED, 0xED, 5, 1]);
        assert_eq!(pack(&[0xED, 0xED]), [0xED, 0xED, 2, 0xED]);
        // The byte after a lone ED stays literal even when it starts a run.
        assert_eq!(pack(&[0xED, 0, 0, 0, 0, 0]), [0xED, 0, 0, 0, 0, 0]);
        assert_eq!(pack(&[0xED, 0, 0, 0, 0, 0, 0]), [0xED, 0, 0xED, 0xED, 5, 0]);
        assert_eq!(pack(&[9; 300]), [0xED, 0xED, 255, 9, 0xED, 0xED, 45, 9]);
        for data in [&patterned(3)[..], &noisy(9)[..], &[0xED; 1][..]] {
            let (back, _) = unpack(&pack(data), data.len(), false).unwrap();
            assert_eq!(back, data);
        }
    }

    #[test]
    fn round_trip_v3_48k_and_128k() {
        for s in [snap48(), snap128()] {
            let bytes = write_z80(&s);
            assert_eq!(word(&bytes, 30), 54);
            assert_eq!(parse_z80(&bytes).unwrap(), s);
        }
        // Both block kinds were written.
        let bytes = write_z80(&snap48());
        let first = V1_HEADER + 2 + 54;
        assert!(word(&bytes, first) < 0x4000 && bytes[first + 2] == 8);
        let second = first + 3 + usize::from(word(&bytes, first));
        assert_eq!((word(&bytes, second), bytes[second + 2]), (0xFFFF, 4));
    }

    #[test]
    fn round_trip_r_border_iff() {
        let mut s = snap48();
        for (r, border, iff1, iff2, im) in [(0x00, 0, false, false, 0), (0xFF, 7, true, true, 1)] {
            s.regs.r = r;
            s.border = border;
            s.regs.iff1 = iff1;
            s.regs.iff2 = iff2;
            s.regs.im = im;
            assert_eq!(parse_z80(&write_z80(&s)).unwrap(), s);
        }
    }

    #[test]
    fn v1_compressed_and_plain() {
        let s = snap48();
        for compressed in [false, true] {
            let bytes = v1_bytes(&s, compressed);
            assert_eq!(parse_z80(&bytes).unwrap(), s, "compressed={compressed}");
        }
    }

    #[test]
    fn v1_hand_built_compressed() {
        let mut bytes = vec![0u8; V1_HEADER];
        bytes[0] = 0xAB; // A
        bytes[1] = 0xCD; // F
        bytes[6] = 0x00;
        bytes[7] = 0x80; // PC 0x8000
        bytes[11] = 0x7F;
        bytes[12] = 0x20 | (4 << 1) | 1;
        bytes[29] = 1;
        // 49152 bytes: a lone ED, 1, ED pair, then runs of zeros up to the end.
        bytes.extend_from_slice(&[0xED, 0x01, 0xED, 0xED, 0x02, 0xED]);
        let mut left = 3 * PAGE - 4;
        while left > 0 {
            let n = left.min(255);
            bytes.extend_from_slice(&[0xED, 0xED, n as u8, 0x00]);
            left -= n;
        }
        bytes.extend_from_slice(&END_MARKER);
        let s = parse_z80(&bytes).unwrap();
        assert_eq!(s.regs.af, 0xABCD);
        assert_eq!(s.regs.pc, 0x8000);
        assert_eq!(s.regs.r, 0xFF);
        assert_eq!((s.border, s.regs.im), (4, 1));
        assert_eq!(
            s.ram_pages[5].as_ref().unwrap()[..5],
            [0xED, 1, 0xED, 0xED, 0]
        );

        // The end marker is required; other trailing bytes are corruption.
        let n = bytes.len();
        assert!(
            matches!(parse_z80(&bytes[..n - 4]), Err(FormatError::Truncated(m)) if m.contains("end marker"))
        );
        assert!(matches!(
            parse_z80(&bytes[..n - 1]),
            Err(FormatError::Truncated(_))
        ));
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(matches!(parse_z80(&extra), Err(FormatError::Corrupt(_))));
        // One byte too many before the marker.
        let mut long = bytes[..n - 4].to_vec();
        long.extend_from_slice(&[0x42, 0, 0xED, 0xED, 0]);
        assert!(matches!(parse_z80(&long), Err(FormatError::Corrupt(_))));
        // A run that overshoots 49152.
        let mut over = bytes[..n - 8].to_vec();
        over.extend_from_slice(&[0xED, 0xED, 0xFF, 0]);
        over.extend_from_slice(&END_MARKER);
        assert!(
            matches!(parse_z80(&over), Err(FormatError::Corrupt(m)) if m.contains("goes past"))
        );
    }

    #[test]
    fn byte_12_255_means_1() {
        let s = snap48();
        let mut bytes = write_z80(&s);
        bytes[12] = 0xFF;
        let back = parse_z80(&bytes).unwrap();
        assert_eq!(back.border, 0);
        assert_eq!(back.regs.r, (s.regs.r & 0x7F) | 0x80);
    }

    #[test]
    fn v2_hand_built_and_hardware_modes() {
        let s = snap128();
        let v3 = write_z80(&s);
        // Make a v2 file: 23-byte extra header, same blocks.
        let mut v2 = v3[..V1_HEADER].to_vec();
        v2.extend_from_slice(&23u16.to_le_bytes());
        v2.extend_from_slice(&v3[32..32 + 23]);
        v2.extend_from_slice(&v3[32 + 54..]);
        v2[34] = 3;
        assert_eq!(parse_z80(&v2).unwrap(), s);
        v2[34] = 4;
        assert_eq!(parse_z80(&v2).unwrap(), s);
        for (hw, name) in [(2, "SamRam"), (7, "+3"), (9, "Pentagon"), (14, "Timex")] {
            v2[34] = hw;
            let err = parse_z80(&v2).unwrap_err();
            assert!(
                matches!(&err, FormatError::Unsupported(m) if m.contains(name)),
                "{err}"
            );
        }
        // v3 128K modes; mode 3 is 48K in v3, so its 128K pages are unknown there.
        let mut v3 = v3;
        for hw in [4, 5, 6] {
            v3[34] = hw;
            assert_eq!(parse_z80(&v3).unwrap(), s);
        }
        v3[34] = 3;
        assert!(parse_z80(&v3).is_err());
        let mut v3_48 = write_z80(&snap48());
        for hw in [0, 1, 3] {
            v3_48[34] = hw;
            assert_eq!(parse_z80(&v3_48).unwrap(), snap48());
        }
        // The modify-hardware flag is ignored.
        v3_48[37] = 0x80;
        assert_eq!(parse_z80(&v3_48).unwrap(), snap48());
        v3_48[31] = 0;
        v3_48[30] = 40;
        assert!(
            matches!(parse_z80(&v3_48), Err(FormatError::Unsupported(m)) if m.contains("length 40"))
        );
    }

    #[test]
    fn v3_with_55_byte_header() {
        let s = snap48();
        let v3 = write_z80(&s);
        let mut b = v3[..V1_HEADER].to_vec();
        b.extend_from_slice(&55u16.to_le_bytes());
        b.extend_from_slice(&v3[32..32 + 54]);
        b.push(0); // port 0x1FFD
        b.extend_from_slice(&v3[32 + 54..]);
        assert_eq!(parse_z80(&b).unwrap(), s);
    }

    /// Offsets of each memory block in a v3 file written by `write_z80`.
    fn block_offsets(bytes: &[u8]) -> Vec<usize> {
        let mut pos = V1_HEADER + 2 + 54;
        let mut v = Vec::new();
        while pos < bytes.len() {
            v.push(pos);
            let len = word(bytes, pos);
            pos += 3 + if len == 0xFFFF {
                PAGE
            } else {
                usize::from(len)
            };
        }
        v
    }

    #[test]
    fn every_cut_is_an_error() {
        let v1c = v1_bytes(&snap48(), true);
        let v1 = v1_bytes(&snap48(), false);
        let v48 = write_z80(&snap48());
        let v128 = write_z80(&snap128());
        for bytes in [&v1c, &v1, &v48, &v128] {
            let mut cuts: Vec<usize> = (0..200).collect();
            cuts.extend((200..bytes.len()).step_by(331));
            cuts.extend(bytes.len() - 10..bytes.len());
            cuts.extend(block_offsets(bytes).iter().flat_map(|&o| o..o + 5));
            for cut in cuts.into_iter().filter(|&c| c < bytes.len()) {
                assert!(
                    parse_z80(&bytes[..cut]).is_err(),
                    "cut {cut} of {}",
                    bytes.len()
                );
            }
        }
    }

    #[test]
    fn truncation_messages() {
        assert!(
            matches!(parse_z80(&[0; 29]), Err(FormatError::Truncated(m)) if m.contains("30-byte"))
        );
        let bytes = write_z80(&snap128());
        assert!(matches!(
            parse_z80(&bytes[..31]),
            Err(FormatError::Truncated(_))
        ));
        assert!(
            matches!(parse_z80(&bytes[..60]), Err(FormatError::Truncated(m)) if m.contains("header is 86 bytes"))
        );
        let offs = block_offsets(&bytes);
        let err = parse_z80(&bytes[..offs[2] + 100]).unwrap_err();
        assert!(
            matches!(&err, FormatError::Truncated(m) if m.contains("memory block 3 (page 5)") && m.contains("only 97 remain")),
            "{err}"
        );
        let err = parse_z80(&bytes[..offs[2] + 1]).unwrap_err();
        assert!(err.to_string().contains("3-byte header"), "{err}");
    }

    #[test]
    fn missing_pages_are_named() {
        let bytes = write_z80(&snap128());
        let offs = block_offsets(&bytes);
        let err = parse_z80(&bytes[..offs[6]]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "truncated: 128K snapshot has no RAM page 6 (block page 9), RAM page 7 (block page 10)"
        );
        let mut s = snap48();
        s.ram_pages[2] = None;
        let err = parse_z80(&write_z80(&s)).unwrap_err();
        assert!(
            err.to_string().contains("RAM page 2 (block page 4)"),
            "{err}"
        );
        let mut b = write_z80(&s);
        b[37] = 0x80;
        assert!(parse_z80(&b).unwrap_err().to_string().contains("16K"));
    }

    #[test]
    fn wrong_decompressed_size() {
        let bytes = write_z80(&snap48());
        let first = V1_HEADER + 2 + 54;
        let len = usize::from(word(&bytes, first));
        // Drop the last compressed byte (a lone ED): 16383 bytes.
        let mut short = bytes[..first].to_vec();
        short.extend_from_slice(&((len - 1) as u16).to_le_bytes());
        short.push(8);
        short.extend_from_slice(&bytes[first + 3..first + 3 + len - 1]);
        short.extend_from_slice(&bytes[first + 3 + len..]);
        let err = parse_z80(&short).unwrap_err();
        assert!(
            matches!(&err, FormatError::Corrupt(m) if m.contains("only 16383 bytes, not 16384")),
            "{err}"
        );
        // One extra literal byte: too long.
        let mut long = bytes[..first].to_vec();
        long.extend_from_slice(&((len + 1) as u16).to_le_bytes());
        long.push(8);
        long.extend_from_slice(&bytes[first + 3..first + 3 + len]);
        long.push(0x42);
        long.extend_from_slice(&bytes[first + 3 + len..]);
        let err = parse_z80(&long).unwrap_err();
        assert!(err.to_string().contains("more than 16384"), "{err}");
    }

    #[test]
    fn bad_page_numbers() {
        let bytes = write_z80(&snap48());
        let first = V1_HEADER + 2 + 54;
        for (num, rom) in [
            (0u8, true),
            (1, true),
            (11, true),
            (3, false),
            (9, false),
            (200, false),
        ] {
            let mut b = bytes.clone();
            b[first + 2] = num;
            let err = parse_z80(&b).unwrap_err();
            match (rom, &err) {
                (true, FormatError::Unsupported(m)) => assert!(m.contains("ROM")),
                (false, FormatError::Corrupt(m)) => assert!(m.contains(&format!("number {num}"))),
                _ => panic!("page {num}: {err}"),
            }
        }
        let mut b = bytes.clone();
        b[first + 2] = 4; // Now page 4 appears twice.
        assert!(parse_z80(&b).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn garbage_never_panics() {
        // Corrupt every byte position of a small-ish v3 file in turn.
        let mut s = snap48();
        for p in [5, 2, 0] {
            s.ram_pages[p] = Some(page(&[0u8; PAGE]));
        }
        let bytes = write_z80(&s);
        for k in 0..bytes.len() {
            for v in [0x00, 0xED, 0xFF] {
                let mut b = bytes.clone();
                b[k] = v;
                let _ = parse_z80(&b);
            }
        }
    }
}
