//! Every program type the harness accepts actually runs.

use retromesh_harness::program::BinPlacement;
use retromesh_harness::{run, RunRequest, StopSpec};
use retromesh_readback::ReadMode;
use retromesh_spectrum::{MachineConfig, StopReason};

fn request(program: std::path::PathBuf, bin: Option<BinPlacement>) -> RunRequest {
    RunRequest {
        program,
        machine: MachineConfig::default(),
        bin,
        budget_secs: 10.0,
        inputs: Vec::new(),
        stop: StopSpec::default(),
        read: ReadMode::Exact,
        link: None,
    }
}

#[test]
fn a_binary_runs_from_its_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exit.bin");
    // 0x9000: a byte of data; 0x9001: LD BC,0xDEFF; LD A,(0x9000); OUT (C),A; RET
    std::fs::write(
        &path,
        [42, 0x01, 0xFF, 0xDE, 0x3A, 0x00, 0x90, 0xED, 0x79, 0xC9],
    )
    .unwrap();
    let report = run(
        &request(
            path,
            Some(BinPlacement {
                load_address: 0x9000,
                entry: 0x9001,
            }),
        ),
        None,
    )
    .unwrap();
    assert_eq!(report.outcome.reason, StopReason::ExitCode(42));
}

#[test]
fn assembly_is_assembled_with_pasmo_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hello.asm");
    std::fs::write(
        &path,
        "        org 40000\nstart:  ld a,3\n        call 0x1601\n        ld a,'Z'\n        rst 16\n        ret\n        end start\n",
    )
    .unwrap();
    let report = run(&request(path, None), None).unwrap();
    assert!(report.completed(), "{:?}", report.outcome);
    assert_eq!(report.text.text, "Z");
}

#[test]
fn assembly_errors_come_from_pasmo_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.asm");
    std::fs::write(&path, "        org 40000\n        ld q,1\n").unwrap();
    let err = run(&request(path, None), None).err().unwrap().to_string();
    assert!(err.contains("broken.asm") && err.contains("pasmo"), "{err}");
}
