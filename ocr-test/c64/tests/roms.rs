//! User-supplied ROMs: finding and checking them, the boot path and the IEC device-4 traps
//! (with stand-in ROMs built here), and, when RETROMESH_C64_ROMS is set, a real BASIC
//! program printing to device 4.

mod common;

use common::assemble;
use retromesh_c64::basic::tokenise;
use retromesh_c64::machine::{BootError, READY_PC};
use retromesh_c64::{C64Config, RomError, Roms, RunEnd, C64};

fn write(dir: &std::path::Path, name: &str, len: usize) {
    std::fs::write(dir.join(name), vec![0u8; len]).unwrap();
}

#[test]
fn vice_names_and_plain_names_are_found() {
    let vice = tempfile::tempdir().unwrap();
    write(vice.path(), "basic-901226-01.bin", 8192);
    write(vice.path(), "kernal-901227-03.bin", 8192);
    write(vice.path(), "characters-901225-01.bin", 4096);
    let roms = Roms::from_dir(vice.path()).unwrap();
    assert_eq!(
        (roms.basic.len(), roms.kernal.len(), roms.chargen.len()),
        (8192, 8192, 4096)
    );
    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), "basic", 8192);
    write(plain.path(), "kernal", 8192);
    write(plain.path(), "chargen", 4096);
    assert!(Roms::from_dir(plain.path()).is_ok());
}

#[test]
fn a_missing_rom_is_named_with_its_expected_file_and_size() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "basic", 8192);
    write(dir.path(), "chargen", 4096);
    let err = Roms::from_dir(dir.path()).unwrap_err();
    assert!(matches!(
        err,
        RomError::Missing {
            what: "KERNAL",
            size: 8192,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(
        msg.contains("kernal-901227-03.bin") && msg.contains("8192"),
        "{msg}"
    );
}

#[test]
fn a_wrong_size_rom_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "basic", 8192);
    write(dir.path(), "kernal", 8000);
    write(dir.path(), "chargen", 4096);
    let err = Roms::from_dir(dir.path()).unwrap_err();
    assert!(matches!(
        err,
        RomError::WrongSize {
            found: 8000,
            size: 8192,
            ..
        }
    ));
    assert!(matches!(
        Roms::from_dir(&dir.path().join("nope")),
        Err(RomError::NotAFolder(_))
    ));
}

#[test]
fn boot_without_roms_says_so() {
    let mut c64 = C64::new(C64Config::default());
    assert_eq!(c64.boot(1000), Err(BootError::NoRoms));
}

/// Stand-in ROMs: a KERNAL whose reset talks to IEC devices 4 and 8 through the real entry
/// addresses, then jumps to a BASIC whose main loop waits for keys and "runs" the program by
/// printing its first text byte to device 4.
fn stand_in_roms() -> Roms {
    let kernal = assemble(
        "
        .org $E000
        .res $0D0C, $EA        ; $E000-$ED0B
listen: inc $02                ; $ED0C: only reached when the trap passes (device 8)
        rts
        .res $EDB9-*, $EA
second: inc $03                ; $EDB9
        rts
        .res $EDDD-*, $EA
ciout:  inc $04                ; $EDDD
        rts
        .res $EDFE-*, $EA
unlsn:  rts                    ; $EDFE
        .res $FCE2-*, $EA
reset:  ldx #$FF
        txs
        lda #4
        jsr listen
        lda #$F7               ; open channel 7: the name is not printout
        jsr second
        lda #'N'
        jsr ciout
        jsr unlsn
        lda #4
        jsr listen
        lda #$67               ; data on channel 7
        jsr second
        lda #'H'
        jsr ciout
        lda #'I'
        jsr ciout
        jsr unlsn
        lda #8                 ; not the printer: runs the ROM code
        jsr listen
        jmp $A480
        .res $FFFC-*, $EA
        .word reset, reset
",
        0xE000,
    );
    let basic = assemble(
        "
        .org $A000
        .res $0480, $EA
main:   jmp wait               ; $A480
wait:   lda $C6
        beq wait
        lda #0
        sta $C6
        lda #4
        jsr $ED0C
        lda #$60
        jsr $EDB9
        ldy #4
        lda ($2B),y            ; first text byte of the program
        jsr $EDDD
        jsr $EDFE
        jmp main
        .res $C000-*, $EA
",
        0xA000,
    );
    Roms {
        kernal: kernal[2..].to_vec(),
        basic: basic[2..].to_vec(),
        chargen: vec![0; 4096],
    }
}

#[test]
fn iec_traps_capture_device_4_and_boot_and_run_reach_ready() {
    let roms = stand_in_roms();
    assert_eq!((roms.kernal.len(), roms.basic.len()), (8192, 8192));
    let mut c64 = C64::new(C64Config {
        roms: Some(roms),
        swiftlink: false,
    });
    let took = c64.boot(100_000).expect("boot");
    assert!(took > 0);
    assert_eq!(c64.registers().4, READY_PC);
    assert_eq!(c64.printer_output(), b"HI");
    assert_eq!(c64.peek(0x02), 1, "LISTEN 8 ran the ROM code");
    assert_eq!(
        (c64.peek(0x03), c64.peek(0x04)),
        (0, 0),
        "device 4 never reached the ROM"
    );

    let prg = tokenise("10 PRINT\"X\"").unwrap();
    assert_eq!(c64.run_basic(&prg, 100_000), Ok(RunEnd::Returned));
    // The stand-in BASIC printed the first token of line 10 (PRINT = $99).
    assert_eq!(c64.printer_output(), b"HI\x99");
    assert_eq!(c64.peek(0x0277), b'R', "RUN was typed");
}

#[test]
fn user_roms_run_a_basic_program_printing_to_device_4() {
    let Some(roms) = Roms::from_env() else {
        println!("SKIPPED: set RETROMESH_C64_ROMS to a folder with basic/kernal/chargen ROMs");
        return;
    };
    let roms = roms.expect("RETROMESH_C64_ROMS is set but the ROMs do not load");
    let mut c64 = C64::new(C64Config {
        roms: Some(roms),
        swiftlink: false,
    });
    let took = c64
        .boot(5 * retromesh_c64::PAL_CLOCK_HZ)
        .expect("boot to READY");
    println!("booted to READY in {took} cycles");
    let prg = tokenise(
        "10 OPEN4,4\n20 PRINT#4,\"HELLO FROM BASIC\"\n30 FOR I=1 TO 3:PRINT#4,I*7:NEXT\n40 CLOSE4\n",
    )
    .unwrap();
    let end = c64
        .run_basic(&prg, 20 * retromesh_c64::PAL_CLOCK_HZ)
        .unwrap();
    assert_eq!(end, RunEnd::Returned);
    let printout = String::from_utf8_lossy(c64.printer_output()).into_owned();
    println!("device 4 got {printout:?}");
    assert!(printout.starts_with("HELLO FROM BASIC\r"), "{printout:?}");
    // Numbers print with a sign space and a trailing space/cursor, one line each.
    let numbers: Vec<&str> = printout
        .split('\r')
        .skip(1)
        .map(|l| l.trim_matches(|c: char| c == ' ' || c == '\u{1d}'))
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(numbers, ["7", "14", "21"]);
}
