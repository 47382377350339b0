pub mod analyze;
pub mod bridge;
pub mod certs;
pub mod describe;
pub mod health;
pub mod mesh;
pub mod print;
pub mod print_c64;
pub mod sample;
pub mod test;
pub mod up;

use std::future::Future;

use crate::exit::Exit;

/// Which runtime a command's async body runs on.
pub enum Runtime {
    /// A client's few requests.
    OneThread,
    /// A server's many connections.
    MultiThread,
}

/// Runs a command's async body on a runtime of its own.
pub fn block_on<F: Future<Output = Exit>>(runtime: Runtime, body: F) -> Exit {
    let built = match runtime {
        Runtime::OneThread => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Runtime::MultiThread => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
    };
    match built {
        Ok(r) => r.block_on(body),
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            Exit::Environment
        }
    }
}
