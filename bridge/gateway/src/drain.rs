//! Graceful drain: on SIGTERM the listeners stop accepting, every open connection finishes the
//! request it is serving and closes, and the process waits for them up to a deadline.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Shared by every listener of one bridge. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Drain {
    started: CancellationToken,
    connections: TaskTracker,
}

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Every connection closed in time.
    Clean,
    /// Connections still open at the deadline: they are cut off.
    TimedOut { open: usize },
}

impl Drain {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs one connection so that the drain waits for it.
    pub fn track<F>(&self, conn: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.connections.spawn(conn);
    }

    /// Accepts on `listener` until the drain begins, serving each connection under the drain.
    pub async fn accept<F, C>(&self, listener: TcpListener, mut serve: F)
    where
        F: FnMut(TcpStream, SocketAddr) -> C,
        C: Future<Output = ()> + Send + 'static,
    {
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(%e, "accept failed");
                        continue;
                    }
                },
                () = self.begun() => return,
            };
            self.track(serve(stream, peer));
        }
    }

    /// Resolves once the drain has begun: accept loops stop, connections finish up.
    pub async fn begun(&self) {
        self.started.cancelled().await
    }

    /// Begins the drain and waits up to `deadline` for open connections to close.
    pub async fn run(&self, deadline: Duration) -> Drained {
        self.started.cancel();
        self.connections.close();
        match tokio::time::timeout(deadline, self.connections.wait()).await {
            Ok(()) => Drained::Clean,
            Err(_) => Drained::TimedOut {
                open: self.connections.len(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_that_never_ends_times_the_drain_out_and_a_finished_one_does_not() {
        let drain = Drain::new();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        drain.track(async move {
            let _ = done_rx.await;
        });
        drain.track(std::future::pending());
        let _ = done_tx.send(());
        let ended = drain.run(Duration::from_millis(50)).await;
        assert_eq!(ended, Drained::TimedOut { open: 1 });

        let clean = Drain::new();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let begun = clean.clone();
        clean.track(async move {
            begun.begun().await;
            let _ = tx.send(());
        });
        assert_eq!(clean.run(Duration::from_secs(10)).await, Drained::Clean);
        assert!(rx.await.is_ok(), "the connection saw the drain begin");
    }
}
