//! The Z80 client's frame mode against the real bridge: the frame-mode demos (machine code,
//! library included) run in the emulated Spectrum on each serial port, GET from a local HTTP
//! service and serve an HTTP call, and print on the ZX Printer.

use std::collections::BTreeMap;
use std::path::Path;

use retromesh_harness::linked::{CallSpec, LinkRequest, ServiceSource};
use retromesh_harness::program::BinPlacement;
use retromesh_harness::{run, RunRequest, StopSpec};
use retromesh_readback::ReadMode;
use retromesh_spectrum::{MachineConfig, Model, SerialHardware, StopReason};
use retromesh_zx_client::{demo_entry, demo_frames, Demo, Driver, DEMO_LOAD_ADDRESS};

const PORTS: [(Driver, SerialHardware); 3] = [
    (Driver::If1, SerialHardware::If1),
    (Driver::Ay128, SerialHardware::Ay128),
    (Driver::Next, SerialHardware::NextUart),
];

fn request(
    dir: &Path,
    driver: Driver,
    port: SerialHardware,
    demo: Demo,
    link: LinkRequest,
) -> RunRequest {
    let program = dir.join(format!("{demo:?}-{}.bin", driver.name()));
    std::fs::write(&program, demo_frames(driver, demo)).unwrap();
    let (model, basic48) = match port {
        SerialHardware::Ay128 => (Model::Spectrum128K, true),
        _ => (Model::Spectrum48K, false),
    };
    RunRequest {
        program,
        machine: MachineConfig {
            model,
            basic48,
            ..Default::default()
        },
        bin: Some(BinPlacement {
            load_address: DEMO_LOAD_ADDRESS,
            entry: demo_entry(driver, demo),
        }),
        budget_secs: 60.0,
        inputs: Vec::new(),
        stop: StopSpec::default(),
        read: ReadMode::Exact,
        link: Some(LinkRequest { port, ..link }),
    }
}

fn link() -> LinkRequest {
    LinkRequest {
        port: SerialHardware::If1,
        baud: 9600,
        client: false,
        speed: 1.0,
        services: BTreeMap::new(),
        calls: Vec::new(),
    }
}

#[test]
fn frame_mode_fetch_through_the_bridge_on_every_port() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("today"), "Rain at 3pm — take a brolly").unwrap();
    for (driver, port) in PORTS {
        let mut l = link();
        l.baud = if port == SerialHardware::NextUart {
            115_200
        } else {
            9600
        };
        l.services
            .insert("weather".into(), ServiceSource::Dir(dir.path().into()));
        let report = run(&request(dir.path(), driver, port, Demo::Fetch, l), None).unwrap();
        assert_eq!(
            report.outcome.reason,
            StopReason::ExitCode(0),
            "{port:?}: {}",
            report.printed()
        );
        assert_eq!(
            report.printed(),
            "STATUS 200\nRain at 3pm -- take a brolly",
            "{port:?}"
        );
        let stats = report.link.expect("link stats");
        assert!(
            stats.frames_rx >= 2 && stats.crc_errors == 0,
            "{port:?}: {stats:?}"
        );
    }
}

#[test]
fn frame_mode_serve_through_the_bridge_on_every_port() {
    let dir = tempfile::tempdir().unwrap();
    for (driver, port) in PORTS {
        let mut l = link();
        l.baud = if port == SerialHardware::NextUart {
            115_200
        } else {
            9600
        };
        l.calls.push(CallSpec {
            method: "POST".into(),
            path: "/print".into(),
            body: format!("FRAMES VIA {}", driver.name()),
            status: Some(200),
            contains: vec!["PRINTED".into()],
        });
        let report = run(&request(dir.path(), driver, port, Demo::Serve, l), None).unwrap();
        assert_eq!(
            report.outcome.reason,
            StopReason::ExitCode(0),
            "{port:?}: {}",
            report.printed()
        );
        let call = &report.calls[0];
        let (status, body) = call.result.clone().expect("answered");
        assert_eq!(status, 200, "{port:?}: {body}");
        assert!(body.starts_with("PRINTED"), "{port:?}: {body}");
        let printed = report.printed();
        assert!(
            printed.contains("/print")
                && printed.contains(&format!("FRAMES VIA {}", driver.name())),
            "{port:?}: {printed}"
        );
    }
}
