//! Generates the SPIFFE Workload API server for the tests' fake SPIRE agent
//! (tests/workload_api.rs). protox parses the proto in Rust, so no protoc is needed.

fn main() {
    let proto = "tests/proto/workload.proto";
    println!("cargo:rerun-if-changed={proto}");
    let fds = protox::compile([proto], ["tests/proto"]).expect("tests/proto/workload.proto");
    tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .compile_fds(fds)
        .expect("generate the Workload API server");
}
