//! `.sna` snapshots (48K and 128K).
//!
//! Layout: a 27-byte register header, then RAM 0x4000..0xFFFF. A 48K file keeps PC on the
//! stack (the snapshot was taken as if by an NMI); a 128K file stores PC, port 0x7FFD and the
//! TR-DOS flag after the first 48K, followed by the remaining RAM pages.

use super::{page, ram_48k_pages, FormatError, Page, Registers, Snapshot, PAGE};
use crate::Model;

const HEADER: usize = 27;
/// Size of a 48K `.sna`.
pub const SNA_48K_LEN: usize = HEADER + 3 * PAGE;
/// Size of a 128K `.sna` whose page at 0xC000 is not 2 or 5 (five more pages follow).
pub const SNA_128K_LEN: usize = SNA_48K_LEN + 4 + 5 * PAGE;
/// Size of a 128K `.sna` whose page at 0xC000 is 2 or 5 (stored twice, six more pages follow).
pub const SNA_128K_LONG_LEN: usize = SNA_48K_LEN + 4 + 6 * PAGE;

fn read_header(h: &[u8]) -> Result<Registers, FormatError> {
    let w = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
    let im = h[25];
    if im > 2 {
        return Err(FormatError::Corrupt(format!(
            "header byte 25 gives interrupt mode {im}; only 0, 1 and 2 exist"
        )));
    }
    // Only IFF2 is stored; RETN at the end of the NMI handler copies it into IFF1.
    let iff2 = h[19] & 0x04 != 0;
    Ok(Registers {
        i: h[0],
        hl_alt: w(1),
        de_alt: w(3),
        bc_alt: w(5),
        af_alt: w(7),
        hl: w(9),
        de: w(11),
        bc: w(13),
        iy: w(15),
        ix: w(17),
        iff1: iff2,
        iff2,
        r: h[20],
        af: w(21),
        sp: w(23),
        im,
        pc: 0,
    })
}

fn write_header(out: &mut Vec<u8>, regs: &Registers, sp: u16, border: u8) {
    out.push(regs.i);
    for w in [
        regs.hl_alt,
        regs.de_alt,
        regs.bc_alt,
        regs.af_alt,
        regs.hl,
        regs.de,
        regs.bc,
        regs.iy,
        regs.ix,
    ] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.push(if regs.iff2 { 0x04 } else { 0 });
    out.push(regs.r);
    out.extend_from_slice(&regs.af.to_le_bytes());
    out.extend_from_slice(&sp.to_le_bytes());
    out.push(regs.im);
    out.push(border & 7);
}

/// Parses a 48K or 128K `.sna` file, told apart by size.
pub fn parse_sna(bytes: &[u8]) -> Result<Snapshot, FormatError> {
    match bytes.len() {
        SNA_48K_LEN => parse_48k(bytes),
        SNA_128K_LEN | SNA_128K_LONG_LEN => parse_128k(bytes),
        n => {
            let msg = format!(
                "a .sna file is {SNA_48K_LEN} bytes (48K) or {SNA_128K_LEN} or \
                 {SNA_128K_LONG_LEN} bytes (128K), but this one is {n} bytes"
            );
            Err(if n < SNA_48K_LEN {
                FormatError::Truncated(msg)
            } else {
                FormatError::Corrupt(msg)
            })
        }
    }
}

fn parse_48k(bytes: &[u8]) -> Result<Snapshot, FormatError> {
    let mut regs = read_header(&bytes[..HEADER])?;
    let ram = &bytes[HEADER..];
    let sp = regs.sp;
    if sp < 0x4000 || sp == 0xFFFF {
        return Err(FormatError::Corrupt(format!(
            "48K snapshot has SP={sp:#06X}; PC is stored on the stack, which must lie in RAM \
             (0x4000..=0xFFFE)"
        )));
    }
    let at = usize::from(sp) - 0x4000;
    regs.pc = u16::from_le_bytes([ram[at], ram[at + 1]]);
    // The popped bytes stay in RAM, as they would after a real RETN.
    regs.sp = sp.wrapping_add(2);
    let ram_pages = ram_48k_pages(ram);
    Ok(Snapshot {
        model: Model::Spectrum48K,
        border: bytes[26] & 7,
        regs,
        port_7ffd: None,
        ram_pages,
    })
}

fn parse_128k(bytes: &[u8]) -> Result<Snapshot, FormatError> {
    let mut regs = read_header(&bytes[..HEADER])?;
    let tail = SNA_48K_LEN;
    regs.pc = u16::from_le_bytes([bytes[tail], bytes[tail + 1]]);
    let port = bytes[tail + 2];
    if bytes[tail + 3] == 1 {
        return Err(FormatError::Unsupported(
            "128K snapshot was taken with the TR-DOS ROM paged in (Beta Disk interface)".into(),
        ));
    }
    let top = usize::from(port & 7);
    let rest: Vec<usize> = (0..8).filter(|&p| p != 5 && p != 2 && p != top).collect();
    let expected = SNA_48K_LEN + 4 + rest.len() * PAGE;
    if bytes.len() != expected {
        return Err(FormatError::Corrupt(format!(
            "128K snapshot pages RAM page {top} at 0xC000 (port 0x7FFD = {port:#04X}), so the \
             file should be {expected} bytes with {} more pages, but it is {} bytes",
            rest.len(),
            bytes.len()
        )));
    }
    let ram = &bytes[HEADER..SNA_48K_LEN];
    let mut ram_pages: [Option<Page>; 8] = Default::default();
    ram_pages[top] = Some(page(&ram[2 * PAGE..]));
    // When page 2 or 5 is also at 0xC000 it is stored twice; the copy at its own slot wins.
    ram_pages[5] = Some(page(&ram[..PAGE]));
    ram_pages[2] = Some(page(&ram[PAGE..2 * PAGE]));
    for (i, &p) in rest.iter().enumerate() {
        let start = SNA_48K_LEN + 4 + i * PAGE;
        ram_pages[p] = Some(page(&bytes[start..start + PAGE]));
    }
    Ok(Snapshot {
        model: Model::Spectrum128K,
        border: bytes[26] & 7,
        regs,
        port_7ffd: Some(port),
        ram_pages,
    })
}

fn need_page(snapshot: &Snapshot, n: usize) -> Result<&[u8; PAGE], FormatError> {
    snapshot.ram_pages[n].as_deref().ok_or_else(|| {
        FormatError::Corrupt(format!(
            "snapshot has no RAM page {n}, which a .sna file must hold"
        ))
    })
}

/// Writes a `.sna` file.
///
/// 48K: PC is pushed onto the stack in the RAM image, overwriting the two bytes below SP as
/// the NMI that the format imitates would; SP - 2 must lie in RAM (0x4000..=0xFFFE; SP=0
/// pushes to 0xFFFE). 128K: all eight pages and `port_7ffd` are required; SP is untouched.
pub fn write_sna(snapshot: &Snapshot) -> Result<Vec<u8>, FormatError> {
    let regs = &snapshot.regs;
    match snapshot.model {
        Model::Spectrum48K => {
            let new_sp = regs.sp.wrapping_sub(2);
            if new_sp < 0x4000 || new_sp == 0xFFFF {
                return Err(FormatError::Unsupported(format!(
                    "a 48K .sna keeps PC on the stack, but SP={:#06X} leaves no RAM below it \
                     to push PC (SP - 2 must be in 0x4000..=0xFFFE)",
                    regs.sp
                )));
            }
            let mut out = Vec::with_capacity(SNA_48K_LEN);
            write_header(&mut out, regs, new_sp, snapshot.border);
            for n in [5, 2, 0] {
                out.extend_from_slice(need_page(snapshot, n)?);
            }
            let at = HEADER + usize::from(new_sp) - 0x4000;
            out[at..at + 2].copy_from_slice(&regs.pc.to_le_bytes());
            Ok(out)
        }
        Model::Spectrum128K => {
            let port = snapshot.port_7ffd.ok_or_else(|| {
                FormatError::Corrupt("128K snapshot has no port 0x7FFD value".into())
            })?;
            let top = usize::from(port & 7);
            let mut out = Vec::with_capacity(SNA_128K_LONG_LEN);
            write_header(&mut out, regs, regs.sp, snapshot.border);
            for n in [5, 2, top] {
                out.extend_from_slice(need_page(snapshot, n)?);
            }
            out.extend_from_slice(&regs.pc.to_le_bytes());
            out.extend_from_slice(&[port, 0]);
            for n in (0..8).filter(|&p| p != 5 && p != 2 && p != top) {
                out.extend_from_slice(need_page(snapshot, n)?);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(seed: u8) -> Page {
        let v: Vec<u8> = (0..PAGE)
            .map(|i| (i as u8).wrapping_mul(7) ^ seed)
            .collect();
        page(&v)
    }

    fn regs() -> Registers {
        crate::formats::sample_registers(0x8000, 0xBEEF)
    }

    fn snap48() -> Snapshot {
        let mut ram_pages: [Option<Page>; 8] = Default::default();
        for n in [5, 2, 0] {
            ram_pages[n] = Some(filled(n as u8));
        }
        Snapshot {
            model: Model::Spectrum48K,
            regs: regs(),
            border: 3,
            port_7ffd: None,
            ram_pages,
        }
    }

    fn snap128(port: u8) -> Snapshot {
        Snapshot {
            model: Model::Spectrum128K,
            regs: regs(),
            border: 6,
            port_7ffd: Some(port),
            ram_pages: std::array::from_fn(|n| Some(filled(n as u8 * 31))),
        }
    }

    /// What a 48K snapshot looks like after a write/parse trip: PC sits below SP.
    fn with_pushed_pc(mut s: Snapshot) -> Snapshot {
        let at = usize::from(s.regs.sp.wrapping_sub(2));
        let pc = s.regs.pc.to_le_bytes();
        for (k, b) in pc.iter().enumerate() {
            let addr = at + k;
            let slot = [5, 2, 0][(addr - 0x4000) / PAGE];
            s.ram_pages[slot].as_mut().unwrap()[addr % PAGE] = *b;
        }
        s
    }

    #[test]
    fn round_trip_48k() {
        for sp in [0x8000, 0x4002, 0xC001, 0xFFFF, 0x0000] {
            let mut s = snap48();
            s.regs.sp = sp;
            let bytes = write_sna(&s).unwrap();
            assert_eq!(bytes.len(), SNA_48K_LEN);
            assert_eq!(parse_sna(&bytes).unwrap(), with_pushed_pc(s), "sp={sp:#X}");
        }
    }

    #[test]
    fn iff_only_iff2_is_stored() {
        let mut s = snap48();
        s.regs.iff1 = false;
        s.regs.iff2 = false;
        let bytes = write_sna(&s).unwrap();
        assert_eq!(bytes[19], 0);
        let back = parse_sna(&bytes).unwrap();
        assert!(!back.regs.iff1 && !back.regs.iff2);
        let mut bytes = bytes;
        bytes[19] = 0x04;
        let back = parse_sna(&bytes).unwrap();
        assert!(back.regs.iff1 && back.regs.iff2);
    }

    #[test]
    fn hand_built_48k() {
        let mut bytes = vec![0u8; SNA_48K_LEN];
        bytes[0] = 0x3F; // I
        bytes[9..11].copy_from_slice(&0x1122u16.to_le_bytes()); // HL
        bytes[21..23].copy_from_slice(&0x4455u16.to_le_bytes()); // AF
        bytes[23..25].copy_from_slice(&0xFF00u16.to_le_bytes()); // SP
        bytes[25] = 2;
        bytes[26] = 5;
        let at = HEADER + 0xFF00 - 0x4000;
        bytes[at] = 0x34;
        bytes[at + 1] = 0x12;
        let s = parse_sna(&bytes).unwrap();
        assert_eq!(s.regs.pc, 0x1234);
        assert_eq!(s.regs.sp, 0xFF02);
        assert_eq!((s.regs.i, s.regs.hl, s.regs.af), (0x3F, 0x1122, 0x4455));
        assert_eq!((s.regs.im, s.border), (2, 5));
        assert_eq!(s.ram_pages[0].as_ref().unwrap()[0xFF00 - 0xC000], 0x34);
        assert!(s.ram_pages[1].is_none());
    }

    #[test]
    fn round_trip_128k() {
        for port in 0..8u8 {
            let s = snap128(port | 0x10);
            let bytes = write_sna(&s).unwrap();
            let want = if port == 2 || port == 5 {
                SNA_128K_LONG_LEN
            } else {
                SNA_128K_LEN
            };
            assert_eq!(bytes.len(), want);
            assert_eq!(parse_sna(&bytes).unwrap(), s, "port {port}");
        }
    }

    #[test]
    fn sp_in_rom_or_at_ffff() {
        for sp in [0x0000u16, 0x3FFF, 0xFFFF] {
            let mut bytes = vec![0u8; SNA_48K_LEN];
            bytes[23..25].copy_from_slice(&sp.to_le_bytes());
            let err = parse_sna(&bytes).unwrap_err();
            assert!(
                matches!(&err, FormatError::Corrupt(m) if m.contains(&format!("SP={sp:#06X}"))),
                "{err}"
            );
        }
        let mut s = snap48();
        for sp in [0x4001, 0x4000, 0x2000, 0x0001] {
            s.regs.sp = sp;
            assert!(matches!(write_sna(&s), Err(FormatError::Unsupported(_))));
        }
    }

    #[test]
    fn wrong_sizes() {
        let bytes = write_sna(&snap128(0)).unwrap();
        for len in [
            0,
            1,
            26,
            27,
            1000,
            SNA_48K_LEN - 1,
            SNA_48K_LEN + 1,
            SNA_48K_LEN + 4,
        ] {
            let err = parse_sna(&bytes[..len]).unwrap_err();
            assert!(err.to_string().contains("49179"), "{err}");
            assert!(err.to_string().contains("131103 or 147487"), "{err}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(parse_sna(&long).is_err());
    }

    #[test]
    fn every_cut_of_128k_is_err() {
        let bytes = write_sna(&snap128(3)).unwrap();
        for cut in (0..bytes.len())
            .step_by(997)
            .chain(bytes.len() - 5..bytes.len())
        {
            if cut == SNA_48K_LEN {
                continue; // A valid 48K length; its content decides.
            }
            assert!(parse_sna(&bytes[..cut]).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn size_must_match_paged_bank() {
        // Page 0 at 0xC000 needs the short form; claim page 5 instead.
        let mut bytes = write_sna(&snap128(0)).unwrap();
        bytes[SNA_48K_LEN + 2] = 5;
        let err = parse_sna(&bytes).unwrap_err();
        assert!(err.to_string().contains("should be 147487"), "{err}");
    }

    #[test]
    fn trdos_is_unsupported() {
        let mut bytes = write_sna(&snap128(0)).unwrap();
        bytes[SNA_48K_LEN + 3] = 1;
        assert!(
            matches!(parse_sna(&bytes), Err(FormatError::Unsupported(m)) if m.contains("TR-DOS"))
        );
    }

    #[test]
    fn bad_interrupt_mode() {
        let mut bytes = write_sna(&snap48()).unwrap();
        bytes[25] = 3;
        assert!(
            matches!(parse_sna(&bytes), Err(FormatError::Corrupt(m)) if m.contains("interrupt mode 3"))
        );
    }

    #[test]
    fn missing_pages_cannot_be_written() {
        let mut s = snap48();
        s.ram_pages[2] = None;
        assert!(write_sna(&s).unwrap_err().to_string().contains("page 2"));
        let mut s = snap128(0);
        s.ram_pages[7] = None;
        assert!(write_sna(&s).unwrap_err().to_string().contains("page 7"));
        let mut s = snap128(0);
        s.port_7ffd = None;
        assert!(write_sna(&s).is_err());
    }
}
