//! The trap KERNAL's 8K image: the real jump table at $FF81-$FFF3, the hardware vectors,
//! and small 6502 stubs (IRQ/NMI entry, LOAD/SAVE through their RAM vectors). Every other
//! routine is an RTS at its real address, intercepted by a trap before it runs.

use super::addr;

/// The jump table from $FF81, in order: (indirect through a RAM vector?, target).
const JUMP_TABLE: [(bool, u16); 39] = [
    (false, addr::CINT),
    (false, addr::IOINIT),
    (false, addr::RAMTAS),
    (false, addr::RESTOR),
    (false, addr::VECTOR),
    (false, addr::SETMSG),
    (false, addr::SECOND),
    (false, addr::TKSA),
    (false, addr::MEMTOP),
    (false, addr::MEMBOT),
    (false, addr::SCNKEY),
    (false, addr::SETTMO),
    (false, addr::ACPTR),
    (false, addr::CIOUT),
    (false, addr::UNTLK),
    (false, addr::UNLSN),
    (false, addr::LISTEN),
    (false, addr::TALK),
    (false, addr::READST),
    (false, addr::SETLFS),
    (false, addr::SETNAM),
    (true, 0x031A), // OPEN
    (true, 0x031C), // CLOSE
    (true, 0x031E), // CHKIN
    (true, 0x0320), // CHKOUT
    (true, 0x0322), // CLRCHN
    (true, 0x0324), // CHRIN
    (true, 0x0326), // CHROUT
    (false, addr::LOAD_ENTRY),
    (false, addr::SAVE_ENTRY),
    (false, addr::SETTIM),
    (false, addr::RDTIM),
    (true, 0x0328), // STOP
    (true, 0x032A), // GETIN
    (true, 0x032C), // CLALL
    (false, addr::UDTIM),
    (false, addr::SCREEN),
    (false, addr::PLOT),
    (false, addr::IOBASE),
];

/// Code stubs: (address, bytes).
const STUBS: [(u16, &[u8]); 7] = [
    // IRQ/BRK entry: save registers, BRK → ($0316), else ($0314).
    (
        0xFF48,
        &[
            0x48, 0x8A, 0x48, 0x98, 0x48, 0xBA, 0xBD, 0x04, 0x01, 0x29, 0x10, 0xF0, 0x03, 0x6C,
            0x16, 0x03, 0x6C, 0x14, 0x03,
        ],
    ),
    // Default IRQ handler: acknowledge CIA1, restore registers.
    (
        addr::IRQ_DEFAULT,
        &[0xAD, 0x0D, 0xDC, 0x68, 0xA8, 0x68, 0xAA, 0x68, 0x40],
    ),
    // NMI entry: SEI; JMP ($0318).
    (0xFE43, &[0x78, 0x6C, 0x18, 0x03]),
    // Default NMI handler: acknowledge CIA2.
    (addr::NMI_DEFAULT, &[0x48, 0xAD, 0x0D, 0xDD, 0x68, 0x40]),
    // LOAD: STX $C3; STY $C4; JMP ($0330).
    (
        addr::LOAD_ENTRY,
        &[0x86, 0xC3, 0x84, 0xC4, 0x6C, 0x30, 0x03],
    ),
    // SAVE: STX $AE; STY $AF; JMP ($0332).
    (
        addr::SAVE_ENTRY,
        &[0x86, 0xAE, 0x84, 0xAF, 0x6C, 0x32, 0x03],
    ),
    // Where the CPU waits when nothing was called: JMP *.
    (super::IDLE_PC, &[0x4C, 0x00, 0xE0]),
];

pub fn build() -> Vec<u8> {
    // Unused space jams, so a stray jump shows up as RunEnd::Jammed.
    let mut rom = vec![0x02; 0x2000];
    let mut put = |at: u16, bytes: &[u8]| {
        let start = usize::from(at - 0xE000);
        rom[start..start + bytes.len()].copy_from_slice(bytes);
    };
    for &(at, bytes) in &STUBS {
        put(at, bytes);
    }
    for &at in super::TRAP_KERNAL_ROUTINES {
        put(at, &[0x60]);
    }
    for (i, &(indirect, target)) in JUMP_TABLE.iter().enumerate() {
        let [lo, hi] = target.to_le_bytes();
        put(
            0xFF81 + 3 * i as u16,
            &[if indirect { 0x6C } else { 0x4C }, lo, hi],
        );
    }
    put(0xFFFA, &[0x43, 0xFE, 0xE2, 0xFC, 0x48, 0xFF]);
    rom
}
