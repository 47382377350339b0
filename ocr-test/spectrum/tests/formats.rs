//! Format parsers through the public API, plus a cross-check against `zmakebas`.

use std::path::Path;
use std::process::Command;

use retromesh_spectrum::formats::sna::{parse_sna, write_sna};
use retromesh_spectrum::formats::tap::{
    basic_program_tape, code_tape, parse_tap, HeaderKind, TapBlock, Tape,
};
use retromesh_spectrum::formats::z80::{parse_z80, write_z80};
use retromesh_spectrum::formats::{FormatError, Registers, Snapshot};
use retromesh_spectrum::Model;

const ZMAKEBAS: &str = "/usr/bin/zmakebas";

fn zmakebas(source: &str, args: &[&str]) -> Option<Vec<u8>> {
    if !Path::new(ZMAKEBAS).exists() {
        eprintln!("{ZMAKEBAS} not installed; skipping the cross-check");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let bas = dir.path().join("x.bas");
    let tap = dir.path().join("x.tap");
    std::fs::write(&bas, source).unwrap();
    let status = Command::new(ZMAKEBAS)
        .args(args)
        .arg("-o")
        .arg(&tap)
        .arg(&bas)
        .status()
        .unwrap();
    assert!(status.success(), "zmakebas failed: {status}");
    Some(std::fs::read(&tap).unwrap())
}

#[test]
fn zmakebas_tapes_parse_and_match_our_builder() {
    let source = "10 PRINT \"HELLO\"\n20 FOR i=1 TO 10: PRINT i: NEXT i\n30 GOTO 10\n";
    let Some(bytes) = zmakebas(source, &["-a", "10"]) else {
        return;
    };
    let tape = parse_tap(&bytes).unwrap();
    assert_eq!(tape.blocks.len(), 2);
    let h = tape.blocks[0].header().expect("a standard header");
    assert_eq!(h.kind, HeaderKind::Program);
    assert_eq!(h.autostart(), Some(10));
    assert_eq!(h.param1, 10);
    assert_eq!(usize::from(h.length), tape.blocks[1].data.len());
    assert_eq!(h.param2, h.length);
    assert_eq!(tape.blocks[1].flag, 0xFF);

    // Our builder, given zmakebas's tokenised program, must write the very same file.
    let ours = basic_program_tape("", &tape.blocks[1].data, Some(10));
    assert_eq!(ours.to_bytes(), bytes);

    // Named, no autostart.
    let Some(bytes) = zmakebas(source, &["-n", "demo"]) else {
        return;
    };
    let tape = parse_tap(&bytes).unwrap();
    let h = tape.blocks[0].header().unwrap();
    assert_eq!(h.name(), "demo");
    assert_eq!(h.autostart(), None);
    let ours = basic_program_tape("demo", &tape.blocks[1].data, None);
    assert_eq!(ours.to_bytes(), bytes);
}

#[test]
fn tape_round_trip_and_errors() {
    let mut tape = basic_program_tape("prog", &[0, 10, 2, 0, 0xF5, 0x0D], None);
    tape.blocks
        .extend(code_tape("code", 0x8000, &[0xC9; 100]).blocks);
    tape.blocks.push(TapBlock {
        flag: 0x77,
        data: vec![1, 2, 3],
    });
    let bytes = tape.to_bytes();
    assert_eq!(parse_tap(&bytes).unwrap(), tape);
    assert_eq!(
        parse_tap(&Tape::default().to_bytes()).unwrap_err(),
        parse_tap(&[]).unwrap_err()
    );

    let ends: Vec<usize> = tape
        .blocks
        .iter()
        .scan(0, |end, b| {
            *end += b.data.len() + 4;
            Some(*end)
        })
        .collect();
    for cut in 0..bytes.len() {
        let r = parse_tap(&bytes[..cut]);
        assert_eq!(r.is_ok(), ends.contains(&cut), "cut {cut}: {r:?}");
    }
    for k in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[k] ^= 0x01;
        assert!(parse_tap(&bad).is_err(), "flipped byte {k}");
    }
}

fn sample_regs() -> Registers {
    Registers {
        af: 0x0102,
        bc: 0x0304,
        de: 0x0506,
        hl: 0x0708,
        af_alt: 0x090A,
        bc_alt: 0x0B0C,
        de_alt: 0x0D0E,
        hl_alt: 0x0F10,
        ix: 0x1112,
        iy: 0x5C3A,
        sp: 0xFF40,
        pc: 0x1303,
        i: 0x3F,
        r: 0x99,
        iff1: true,
        iff2: true,
        im: 1,
    }
}

fn page_of(fill: impl Fn(usize) -> u8) -> Box<[u8; 0x4000]> {
    let v: Vec<u8> = (0..0x4000).map(fill).collect();
    v.into_boxed_slice().try_into().unwrap()
}

fn sample_48k() -> Snapshot {
    let mut ram_pages: [Option<Box<[u8; 0x4000]>>; 8] = Default::default();
    ram_pages[5] = Some(page_of(|i| (i / 32) as u8));
    ram_pages[2] = Some(page_of(|i| if i % 100 < 3 { 0xED } else { 0 }));
    ram_pages[0] = Some(page_of(|i| (i * 131 % 251) as u8));
    Snapshot {
        model: Model::Spectrum48K,
        regs: sample_regs(),
        border: 2,
        port_7ffd: None,
        ram_pages,
    }
}

fn sample_128k() -> Snapshot {
    Snapshot {
        model: Model::Spectrum128K,
        regs: sample_regs(),
        border: 1,
        port_7ffd: Some(0x17),
        ram_pages: std::array::from_fn(|n| Some(page_of(move |i| (i * (n + 1) / 7) as u8))),
    }
}

#[test]
fn z80_round_trips() {
    for s in [sample_48k(), sample_128k()] {
        let bytes = write_z80(&s);
        assert_eq!(parse_z80(&bytes).unwrap(), s);
        for cut in (0..bytes.len()).step_by(97) {
            assert!(parse_z80(&bytes[..cut]).is_err(), "cut {cut}");
        }
    }
}

#[test]
fn sna_round_trips_and_converts_to_z80() {
    let s = sample_128k();
    let sna = write_sna(&s).unwrap();
    let back = parse_sna(&sna).unwrap();
    assert_eq!(back, s);
    assert_eq!(parse_z80(&write_z80(&back)).unwrap(), s);

    let mut s = sample_48k();
    // Make the two bytes below SP already hold PC so the trip is exact.
    let at = usize::from(s.regs.sp - 2) - 0xC000;
    s.ram_pages[0].as_mut().unwrap()[at..at + 2].copy_from_slice(&s.regs.pc.to_le_bytes());
    let sna = write_sna(&s).unwrap();
    assert_eq!(sna.len(), 49179);
    assert_eq!(parse_sna(&sna).unwrap(), s);
    assert_eq!(parse_z80(&write_z80(&s)).unwrap(), s);

    for cut in (0..sna.len()).step_by(1000) {
        assert!(parse_sna(&sna[..cut]).is_err());
    }
    let err = parse_sna(&sna[..1000]).unwrap_err();
    assert!(matches!(err, FormatError::Truncated(_)));
    assert!(err.to_string().contains("49179"));
}
