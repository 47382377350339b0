//! The tokeniser against the real zmakebas: every fixture in tests/basic/ must tokenise to the
//! same bytes as the program block of the .tap zmakebas writes for it.
//!
//! The only allowed differences are the zmakebas 1.2 bugs the tokeniser fixes on purpose; each
//! has its own test below that accepts either zmakebas's buggy bytes or (for a fixed zmakebas)
//! ours.

use std::path::{Path, PathBuf};
use std::process::Command;

use retromesh_spectrum::basic::{tokenise, TokeniseOptions};
use retromesh_spectrum::charset::Glyph;

const ZMAKEBAS: &str = "/usr/bin/zmakebas";

fn require_zmakebas() {
    assert!(
        Path::new(ZMAKEBAS).is_file(),
        "{ZMAKEBAS} not found: these tests compare the tokeniser with the real zmakebas; \
         install it with `apt-get install zmakebas`"
    );
}

/// A .tap from zmakebas, split into the 17-byte header and the program.
struct ZmakebasTap {
    header: Vec<u8>,
    program: Vec<u8>,
}

fn run_zmakebas(source: &str, autostart: Option<u16>) -> ZmakebasTap {
    require_zmakebas();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.bas");
    let output = dir.path().join("out.tap");
    std::fs::write(&input, source).expect("write input");
    let mut cmd = Command::new(ZMAKEBAS);
    if let Some(line) = autostart {
        cmd.arg("-a").arg(line.to_string());
    }
    let result = cmd
        .arg("-o")
        .arg(&output)
        .arg(&input)
        .output()
        .expect("run zmakebas");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        result.status.success() && stderr.is_empty(),
        "zmakebas failed or warned ({}): {stderr}",
        result.status
    );
    let tap = std::fs::read(&output).expect("read zmakebas output");
    let mut blocks = parse_tap(&tap);
    assert_eq!(blocks.len(), 2, "zmakebas writes a header and a data block");
    let (data_flag, program) = blocks.pop().unwrap();
    let (header_flag, header) = blocks.pop().unwrap();
    assert_eq!(header_flag, 0x00, "first block is a header");
    assert_eq!(data_flag, 0xFF, "second block is data");
    assert_eq!(header.len(), 17, "header block length");
    ZmakebasTap { header, program }
}

/// .tap blocks as (flag, data), checksums verified.
fn parse_tap(tap: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < tap.len() {
        assert!(i + 2 <= tap.len(), "truncated block length at {i}");
        let len = usize::from(u16::from_le_bytes([tap[i], tap[i + 1]]));
        assert!(len >= 2, "block at {i} too short");
        let block = tap.get(i + 2..i + 2 + len).expect("truncated block");
        let checksum = block.iter().fold(0u8, |acc, b| acc ^ b);
        assert_eq!(checksum, 0, "bad checksum in block at {i}");
        blocks.push((block[0], block[1..len - 1].to_vec()));
        i += 2 + len;
    }
    blocks
}

/// (line number, body) for each line of a program.
fn split_lines(program: &[u8]) -> Vec<(u16, Vec<u8>)> {
    let mut lines = Vec::new();
    let mut i = 0;
    while i + 4 <= program.len() {
        let number = u16::from_be_bytes([program[i], program[i + 1]]);
        let len = usize::from(u16::from_le_bytes([program[i + 2], program[i + 3]]));
        let body = program[i + 4..(i + 4 + len).min(program.len())].to_vec();
        lines.push((number, body));
        i += 4 + len;
    }
    lines
}

fn join_lines(lines: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (number, body) in lines {
        out.extend_from_slice(&number.to_be_bytes());
        out.extend_from_slice(&(body.len() as u16).to_le_bytes());
        out.extend_from_slice(body);
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where two programs first differ, line by line.
fn describe_difference(ours: &[u8], theirs: &[u8]) -> String {
    let (ours, theirs) = (split_lines(ours), split_lines(theirs));
    for (i, pair) in ours.iter().zip(theirs.iter()).enumerate() {
        if pair.0 != pair.1 {
            return format!(
                "line #{i} differs:\n  ours     {} : {}\n  zmakebas {} : {}",
                pair.0 .0,
                hex(&pair.0 .1),
                pair.1 .0,
                hex(&pair.1 .1)
            );
        }
    }
    format!("ours has {} lines, zmakebas {}", ours.len(), theirs.len())
}

const DEF_FN_PARAM: [u8; 6] = [0x0E, 0, 0, 0, 0, 0];

/// zmakebas 1.2 leaves out the six bytes the ROM keeps after each DEF FN parameter. A number
/// never has them right after a letter or `$` (its digits come first), so this only finds those.
fn strip_def_fn_params(program: &[u8]) -> (Vec<u8>, usize) {
    let mut stripped = 0;
    let lines: Vec<(u16, Vec<u8>)> = split_lines(program)
        .into_iter()
        .map(|(number, body)| {
            let mut out = Vec::with_capacity(body.len());
            let mut i = 0;
            while i < body.len() {
                let is_param = body[i..].starts_with(&DEF_FN_PARAM)
                    && out
                        .last()
                        .is_some_and(|b: &u8| b.is_ascii_alphabetic() || *b == b'$')
                    && matches!(body.get(i + 6), Some(b',' | b')'));
                if is_param {
                    stripped += 1;
                    i += 6;
                } else {
                    out.push(body[i]);
                    i += 1;
                }
            }
            (number, out)
        })
        .collect();
    (join_lines(&lines), stripped)
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/basic");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "bas"))
        .collect();
    files.sort();
    files
}

#[test]
fn fixtures_match_zmakebas_with_and_without_autostart() {
    require_zmakebas();
    let files = fixtures();
    assert!(
        files.len() >= 10,
        "expected at least 10 fixtures, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(file).expect("read fixture");
        for autostart in [None, Some(10)] {
            let label = format!("{name} (autostart {autostart:?})");
            let theirs = run_zmakebas(&source, autostart);
            let ours = match tokenise(&source, &TokeniseOptions { autostart }) {
                Ok(program) => program,
                Err(e) => {
                    failures.push(format!("{label}: tokenise failed: {e}"));
                    continue;
                }
            };
            assert_eq!(ours.autostart, autostart, "{label}: autostart");

            // The header zmakebas wrote agrees with our program and autostart.
            let h = &theirs.header;
            let word = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
            assert_eq!(h[0], 0, "{label}: header type is Program");
            assert_eq!(&h[1..11], b"          ", "{label}: blank name");
            assert_eq!(word(11) as usize, theirs.program.len(), "{label}: length");
            assert_eq!(word(13), autostart.unwrap_or(0x8000), "{label}: autostart");
            assert_eq!(
                word(15) as usize,
                theirs.program.len(),
                "{label}: vars offset"
            );

            let (normalised, params) = strip_def_fn_params(&ours.bytes);
            let expected_params = if name == "deffn.bas" { 9 } else { 0 };
            if params != expected_params {
                failures.push(format!(
                    "{label}: {params} DEF FN parameter slots, expected {expected_params}"
                ));
            }
            if ours.bytes != theirs.program && normalised != theirs.program {
                failures.push(format!(
                    "{label}: {}",
                    describe_difference(&normalised, &theirs.program)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Applies `bug` to the body of a one-line program.
fn with_bug(program: &[u8], bug: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let lines: Vec<(u16, Vec<u8>)> = split_lines(program)
        .into_iter()
        .map(|(n, body)| (n, bug(&body)))
        .collect();
    join_lines(&lines)
}

fn replace(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// Ours must equal zmakebas, or zmakebas must equal ours with exactly `bug` applied.
fn check_bug(source: &str, bug: impl Fn(&[u8]) -> Vec<u8>) {
    let theirs = run_zmakebas(source, None).program;
    let ours = tokenise(source, &TokeniseOptions::default())
        .expect("tokenise")
        .bytes;
    let buggy = with_bug(&ours, bug);
    assert_ne!(
        buggy, ours,
        "{source:?}: the bug transform must change something"
    );
    assert!(
        theirs == ours || theirs == buggy,
        "{source:?}:\n  ours            {}\n  ours with bug   {}\n  zmakebas        {}",
        hex(&ours),
        hex(&buggy),
        hex(&theirs)
    );
}

#[test]
fn val_dollar_is_one_token_where_zmakebas_1_2_writes_val_and_dollar() {
    check_bug("10 PRINT VAL$ \"1+1\"\n", |b| {
        replace(b, &[0xAE], &[0xB0, b'$'])
    });
}

#[test]
fn digits_in_names_get_no_hidden_number_where_zmakebas_1_2_adds_one() {
    // zmakebas 1.2 reads the 8 of is48 as a number.
    check_bug("10 LET is48=1: PRINT is48\n", |b| {
        replace(b, b"is48", b"is48\x0E\x00\x00\x08\x00\x00")
    });
}

#[test]
fn close_hash_letter_is_tokenised_where_zmakebas_1_2_leaves_text() {
    check_bug("10 CLOSE #a\n", |b| replace(b, &[0xD4], b"CLOSE#"));
}

#[test]
fn def_fn_parameters_get_the_rom_hidden_bytes() {
    check_bug("10 DEF FN f(x,y$)=x\n", |b| replace(b, &DEF_FN_PARAM, b""));
}

/// charset.rs writes graphics in zmakebas notation; zmakebas and we must read them back.
#[test]
fn charset_graphic_escapes_round_trip_through_zmakebas() {
    let glyphs: Vec<(Glyph, u8)> = (0..16u8)
        .map(|n| (Glyph::Block(0x80 + n), 0x80 + n))
        .chain((0..21u8).map(|n| (Glyph::Udg(n), 0x90 + n)))
        .collect();
    let source: String = glyphs
        .iter()
        .enumerate()
        .map(|(i, (glyph, _))| format!("{} PRINT \"{}\"\n", 10 * (i + 1), glyph.to_text()))
        .collect();
    let theirs = split_lines(&run_zmakebas(&source, None).program);
    let ours = split_lines(
        &tokenise(&source, &TokeniseOptions::default())
            .expect("tokenise")
            .bytes,
    );
    assert_eq!(theirs.len(), glyphs.len());
    assert_eq!(ours.len(), glyphs.len());
    for (i, (glyph, code)) in glyphs.iter().enumerate() {
        let want = vec![0xF5, b'"', *code, b'"', 0x0D];
        assert_eq!(
            theirs[i].1,
            want,
            "zmakebas reading {:?} ({:?})",
            glyph,
            glyph.to_text()
        );
        assert_eq!(
            ours[i].1,
            want,
            "tokeniser reading {:?} ({:?})",
            glyph,
            glyph.to_text()
        );
    }
    // £ and © come out as UTF-8, which only our tokeniser takes.
    for code in [0x60, 0x7F] {
        let text = Glyph::Char(code).to_text();
        let ours = tokenise(
            &format!("10 PRINT \"{text}\"\n"),
            &TokeniseOptions::default(),
        )
        .expect("tokenise")
        .bytes;
        assert_eq!(&ours[4..], &[0xF5, b'"', code, b'"', 0x0D], "{text}");
    }
}
