use retromesh_spectrum::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = if args.get(2).map(|s| s.as_str()) == Some("128") { Model::Spectrum128K } else { Model::Spectrum48K };
    let t = std::time::Instant::now();
    let mut m = Spectrum::booted(MachineConfig { model, ..Default::default() }).unwrap();
    eprintln!("boot {:?} emulated {:.2}s frames {}", t.elapsed(), m.timing().secs(m.now()), m.frames());
    for r in 20..24 { eprintln!("line {r}: {:?}", m.screen_line(r)); }
    let tape = retromesh_spectrum::formats::tap::parse_tap(&std::fs::read(&args[1]).unwrap()).unwrap();
    m.load_tape(tape);
    let t = std::time::Instant::now();
    let out = m.run(&StopWhen::budget_secs(model, 30.0), &mut |_| None);
    eprintln!("run {:?} outcome {:?} pc {:04x}", t.elapsed(), out, m.pc());
    for r in 0..24 { eprintln!("line {r}: {:?}", m.screen_line(r)); }
    m.screenshot().save("/tmp/shot.png").unwrap();
    m.printout().save_png(std::path::Path::new("/tmp/print.png")).unwrap();
    eprintln!("printout rows {}", m.printout().height());
}
