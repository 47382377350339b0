//! Shared test helpers: assembling 6502 source with ca65/ld65 into a .prg, and simple peers.
#![allow(dead_code)]

use std::cell::RefCell;
use std::process::Command;
use std::rc::Rc;

use retromesh_c64::{C64Config, RunEnd, SerialPeer, C64};

/// Assembles `source` (ca65 syntax) to a .prg loaded at `org`.
pub fn assemble(source: &str, org: u16) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("t.s");
    let obj = dir.path().join("t.o");
    let bin = dir.path().join("t.bin");
    let cfg = dir.path().join("t.cfg");
    std::fs::write(&src, source).unwrap();
    std::fs::write(
        &cfg,
        format!(
            "MEMORY {{ MAIN: start = ${org:04X}, size = $2000, file = %O; }}\n\
             SEGMENTS {{ CODE: load = MAIN, type = rw; }}\n"
        ),
    )
    .unwrap();
    let run = |cmd: &mut Command| {
        let out = cmd
            .output()
            .expect("cc65 tools (ca65/ld65) must be installed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("ca65").arg(&src).arg("-o").arg(&obj));
    run(Command::new("ld65")
        .arg("-C")
        .arg(&cfg)
        .arg(&obj)
        .arg("-o")
        .arg(&bin));
    let mut prg = org.to_le_bytes().to_vec();
    prg.extend(std::fs::read(&bin).unwrap());
    prg
}

/// A ROM-less C64 with `source` assembled at $C000 and called.
pub fn machine_with(source: &str, config: C64Config) -> C64 {
    let mut c64 = C64::new(config);
    let prg = assemble(source, 0xC000);
    c64.load_prg(&prg).expect("load");
    c64.sys(0xC000);
    c64
}

/// Runs until the program returns; panics on any other end.
pub fn run_to_return(c64: &mut C64, limit: u64) {
    let end = c64.run(limit);
    assert_eq!(end, RunEnd::Returned, "registers {:?}", c64.registers());
}

/// What a peer saw, shared with the test.
#[derive(Default)]
pub struct PeerLog {
    /// Bytes from the C64 with the cycle of the exchange that delivered them.
    pub received: Vec<(u8, u64)>,
}

/// A peer that records what it gets and sends `to_send` once it has received `after` bytes.
pub struct ScriptPeer {
    pub log: Rc<RefCell<PeerLog>>,
    pub to_send: Vec<u8>,
    pub after: usize,
}

impl SerialPeer for ScriptPeer {
    fn exchange(&mut self, from: &[u8], to: &mut Vec<u8>, now: u64) -> Option<String> {
        let mut log = self.log.borrow_mut();
        log.received.extend(from.iter().map(|&b| (b, now)));
        if log.received.len() >= self.after && !self.to_send.is_empty() {
            to.append(&mut self.to_send);
        }
        None
    }
}

pub fn script_peer(to_send: &[u8], after: usize) -> (Box<ScriptPeer>, Rc<RefCell<PeerLog>>) {
    let log = Rc::new(RefCell::new(PeerLog::default()));
    (
        Box::new(ScriptPeer {
            log: log.clone(),
            to_send: to_send.to_vec(),
            after,
        }),
        log,
    )
}

/// The KERNAL jump table and the RAM vectors, for test programs.
pub const KERNAL_EQUATES: &str = "
SETLFS = $FFBA
SETNAM = $FFBD
OPEN   = $FFC0
CLOSE  = $FFC3
CHKIN  = $FFC6
CHKOUT = $FFC9
CLRCHN = $FFCC
CHRIN  = $FFCF
CHROUT = $FFD2
GETIN  = $FFE4
READST = $FFB7
";
