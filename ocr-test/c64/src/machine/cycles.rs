//! Cycle corrections on top of `mos6502`'s own counts. `mos6502` counts documented cycles,
//! taken branches (+1, +1 more across a page) and the +1 page-cross penalty for indexed
//! reads, but it also adds that penalty to indexed read-modify-write instructions, which
//! always take their fixed count (e.g. `INC abs,X` is 7 either way). This undoes it.

/// Indexed RMW opcodes and how they index.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Indexed {
    No,
    AbsX,
    AbsY,
    IndY,
}

pub(crate) const fn rmw_indexing(opcode: u8) -> Indexed {
    match opcode {
        // ASL ROL LSR ROR DEC INC abs,X and SLO RLA SRE RRA DCP ISC abs,X
        0x1E | 0x3E | 0x5E | 0x7E | 0xDE | 0xFE | 0x1F | 0x3F | 0x5F | 0x7F | 0xDF | 0xFF => {
            Indexed::AbsX
        }
        // SLO RLA SRE RRA DCP ISC abs,Y
        0x1B | 0x3B | 0x5B | 0x7B | 0xDB | 0xFB => Indexed::AbsY,
        // SLO RLA SRE RRA DCP ISC (zp),Y
        0x13 | 0x33 | 0x53 | 0x73 | 0xD3 | 0xF3 => Indexed::IndY,
        _ => Indexed::No,
    }
}

/// The NMOS opcodes that halt the CPU (KIL/JAM).
pub(crate) const fn is_jam(opcode: u8) -> bool {
    matches!(
        opcode,
        0x02 | 0x12 | 0x22 | 0x32 | 0x42 | 0x52 | 0x62 | 0x72 | 0x92 | 0xB2 | 0xD2 | 0xF2
    )
}

/// Whether `base + index` lands on another page.
pub(crate) fn crosses(base: u16, index: u8) -> bool {
    (base & 0xFF00) != (base.wrapping_add(u16::from(index)) & 0xFF00)
}
