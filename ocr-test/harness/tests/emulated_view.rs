//! A running emulated Spectrum answers questions about itself: the serve demo prints what the
//! bridge sends it, and the view shows that printout as text and PNG, and the screen.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use retromesh_harness::linked::{emulated_profile, start_emulated};
use retromesh_harness::{RunRequest, StopSpec};
use retromesh_link::upstream::HttpServices;
use retromesh_link::{CallError, InboundRequest, MicroSpec};
use retromesh_link_frame::Method;
use retromesh_readback::ReadMode;
use retromesh_spectrum::{MachineConfig, SerialHardware};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_view_shows_what_the_running_spectrum_printed_and_its_screen() {
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware/zx/demos/serve.bas");
    let request = RunRequest {
        program,
        machine: MachineConfig::default(),
        bin: None,
        budget_secs: 3600.0,
        inputs: Vec::new(),
        stop: StopSpec::default(),
        read: ReadMode::Exact,
        link: None,
    };
    let emulated = start_emulated("speccy", &request, SerialHardware::If1, 9600, 1.0).unwrap();
    let view = emulated.view.clone();
    let spec = MicroSpec::new(
        "speccy",
        emulated_profile(SerialHardware::If1, 9600),
        Arc::new(emulated.line),
    );
    let micro = retromesh_link::spawn(
        spec,
        Arc::new(HttpServices::new(Default::default(), WAIT, 1024)),
    );
    let until = Instant::now() + WAIT;
    let reply = loop {
        let call = micro
            .call(InboundRequest {
                method: Method::Post,
                path: "/print".into(),
                caller: "spiffe://cluster.local/ns/default/sa/test".into(),
                body: b"HELLO VIEW".to_vec(),
            })
            .await;
        match call {
            Err(CallError::NotListening { .. }) | Err(CallError::LinkDown { .. })
                if Instant::now() < until =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            other => break other.expect("the demo answers"),
        }
    };
    assert_eq!(reply.status, 200);

    let text = view.printout_text().await.unwrap();
    assert!(text.contains("HELLO VIEW"), "{text}");
    assert!(text.contains("/print"), "{text}");
    let png = image::load_from_memory(&view.printout_png().await.unwrap()).unwrap();
    assert_eq!(png.width(), 256, "the ZX Printer's width");
    assert!(png.height() >= 16, "two lines printed at least");
    let screen = image::load_from_memory(&view.screen_png().await.unwrap()).unwrap();
    assert!(
        screen.width() >= 256 && screen.height() >= 192,
        "{}x{}",
        screen.width(),
        screen.height()
    );
}
