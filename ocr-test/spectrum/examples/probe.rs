use retromesh_spectrum::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = if args.get(2).map(|s| s.as_str()) == Some("128") {
        Model::Spectrum128K
    } else {
        Model::Spectrum48K
    };
    let mut m = Spectrum::booted(MachineConfig {
        model,
        ..Default::default()
    })
    .unwrap();
    let tape =
        retromesh_spectrum::formats::tap::parse_tap(&std::fs::read(&args[1]).unwrap()).unwrap();
    m.load_tape(tape);
    let out = m.run(&StopWhen::budget_secs(model, 5.0), &mut |_| None);
    eprintln!("outcome {:?}", out);
    let mut hist = std::collections::BTreeMap::new();
    for _ in 0..2000 {
        let mut s = StopWhen::budget_secs(model, 0.0);
        s.budget_tstates = 37;
        m.run(&s, &mut |_| None);
        *hist.entry(m.pc()).or_insert(0) += 1;
    }
    let mut v: Vec<_> = hist.into_iter().collect();
    v.sort_by_key(|x| -x.1);
    eprintln!("{:x?}", &v[..20.min(v.len())]);
    eprintln!("line23 {:?}", m.screen_line(23));
    eprintln!("serial {:?}", m.serial_text());
}
