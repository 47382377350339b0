//! Moving the CPU's registers in and out of the snapshot register file.

use rustzx_z80::{IntMode, RegName16, Z80};

use crate::formats::Registers;

pub(crate) fn save(cpu: &Z80) -> Registers {
    let r = &cpu.regs;
    let alt = |hi: u8, lo: u8| u16::from_be_bytes([hi, lo]);
    Registers {
        af: r.get_af(),
        bc: r.get_bc(),
        de: r.get_de(),
        hl: r.get_hl(),
        af_alt: alt(r.get_acc_alt(), r.get_flags_alt()),
        bc_alt: alt(r.get_b_alt(), r.get_c_alt()),
        de_alt: alt(r.get_d_alt(), r.get_e_alt()),
        hl_alt: alt(r.get_h_alt(), r.get_l_alt()),
        ix: r.get_ix(),
        iy: r.get_iy(),
        sp: r.get_sp(),
        pc: r.get_pc(),
        i: r.get_i(),
        r: r.get_r(),
        iff1: r.get_iff1(),
        iff2: r.get_iff2(),
        im: match cpu.get_im() {
            IntMode::Im0 => 0,
            IntMode::Im1 => 1,
            IntMode::Im2 => 2,
        },
    }
}

pub(crate) fn load(regs: &Registers) -> Z80 {
    let mut cpu = Z80::default();
    let r = &mut cpu.regs;
    r.set_af(regs.af_alt);
    r.set_bc(regs.bc_alt);
    r.set_de(regs.de_alt);
    r.set_hl(regs.hl_alt);
    r.swap_af_alt();
    r.exx();
    r.set_af(regs.af);
    r.set_bc(regs.bc);
    r.set_de(regs.de);
    r.set_hl(regs.hl);
    r.set_ix(regs.ix);
    r.set_iy(regs.iy);
    r.set_sp(regs.sp);
    r.set_pc(regs.pc);
    r.set_reg_16(RegName16::MemPtr, regs.pc);
    r.set_i(regs.i);
    r.set_r(regs.r);
    r.set_iff1(regs.iff1);
    r.set_iff2(regs.iff2);
    cpu.set_im(regs.im.min(2));
    cpu
}
