//! Test programs in 6502 assembly, assembled with ca65/ld65 at $2000 (what BASIC would do
//! with OPEN/PRINT#/GET#, written as the KERNAL calls BASIC makes).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const PROGRAM: u16 = 0x2000;

/// Assembles `source` (ca65 syntax, code segment) to bytes for [`PROGRAM`].
pub fn assemble(source: &str) -> Vec<u8> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "c64-client-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("t.s"), source).expect("write source");
    std::fs::write(
        dir.join("t.cfg"),
        "MEMORY { M: file = %O, start = $2000, size = $1000; }\nSEGMENTS { CODE: load = M, type = rw; }\n",
    )
    .expect("write cfg");
    let run = |cmd: &mut Command| {
        let out = cmd
            .current_dir(&dir)
            .output()
            .expect("ca65/ld65 run (apt-get install cc65)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("ca65").args(["-o", "t.o", "t.s"]));
    run(Command::new("ld65").args(["-C", "t.cfg", "-o", "t.bin", "t.o"]));
    let bytes = std::fs::read(dir.join("t.bin")).expect("ld65 output");
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// BASIC's `OPEN 7,7 : PRINT#7,command`, then the answer read with CHRIN (INPUT#) or GETIN
/// (GET#, 0 = nothing yet) into $5000 until a line holding only "."; CLOSE 7; then "OK" on
/// the screen (device 3), which must still work while the vectors are hooked.
pub fn get_program(command: &[u8], read_with_getin: bool) -> Vec<u8> {
    let read = if read_with_getin {
        "jsr $FFE4\n        beq read"
    } else {
        "jsr $FFCF"
    };
    let bytes: Vec<String> = command.iter().map(|b| format!("${b:02X}")).collect();
    let command = bytes.join(", ");
    assemble(&format!(
        r#"
        lda #7
        ldx #7
        ldy #0
        jsr $FFBA
        lda #0
        jsr $FFBD
        jsr $FFC0
        ldx #7
        jsr $FFC9
        ldy #0
out:    lda cmd,y
        beq sent
        jsr $FFD2
        iny
        bne out
sent:   lda #13
        jsr $FFD2
        jsr $FFCC
        ldx #7
        jsr $FFC6
        lda #$00
        sta $22
        lda #$50
        sta $23
        lda #0
        sta linelen
read:   {read}
        ldy #0
        sta ($22),y
        inc $22
        bne stored
        inc $23
stored: cmp #13
        beq eol
        inc linelen
        sta last
        jmp read
eol:    lda linelen
        cmp #1
        bne next
        lda last
        cmp #'.'
        beq done
next:   lda #0
        sta linelen
        jmp read
done:   jsr $FFCC
        lda #7
        jsr $FFC3
        lda #'O'
        jsr $FFD2
        lda #'K'
        jsr $FFD2
        rts
cmd:    .byte {command}, 0
linelen: .byte 0
last:   .byte 0
"#
    ))
}
