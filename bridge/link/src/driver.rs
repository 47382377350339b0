//! A session task that a caller may also drive for one turn, under the task's own waker.
//!
//! A caller that hands the session a request would otherwise wait for the session task's turn,
//! which comes only once the caller's whole task (an HTTP connection) has gone pending. Polling
//! the session once from the caller writes the request to the line at once; since the poll uses
//! the session task's waker, every wake-up the session registers still reaches its own task.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::task::{Context, Poll, Waker};

type Session = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Slot {
    session: Option<Session>,
    /// The session task's waker, once it has run.
    waker: Option<Waker>,
}

impl Slot {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(session) = self.session.as_mut() else {
            return Poll::Ready(());
        };
        let done = session.as_mut().poll(cx);
        if done.is_ready() {
            self.session = None;
        }
        done
    }
}

/// The shared handle on a session future; see the module docs.
#[derive(Clone)]
pub(crate) struct Driver {
    slot: Arc<Mutex<Slot>>,
    /// Timers and sockets the session makes during a caller's drive belong to its runtime,
    /// whichever runtime the caller runs on.
    runtime: tokio::runtime::Handle,
}

impl Driver {
    /// Spawns `session` on the current runtime, and returns the handle callers drive it with.
    pub fn spawn(session: impl Future<Output = ()> + Send + 'static) -> Driver {
        let driver = Driver {
            slot: Arc::new(Mutex::new(Slot {
                session: Some(Box::pin(session)),
                waker: None,
            })),
            runtime: tokio::runtime::Handle::current(),
        };
        let task = driver.clone();
        tokio::spawn(std::future::poll_fn(move |cx| {
            let mut slot = task.lock();
            if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                slot.waker = Some(cx.waker().clone());
            }
            slot.poll(cx)
        }));
        driver
    }

    /// A session that panicked part-way through a poll is not polled again: dropping it closes
    /// its request queue, so callers hear that it has ended.
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(Self::recover)
    }

    fn recover(poisoned: PoisonError<MutexGuard<'_, Slot>>) -> MutexGuard<'_, Slot> {
        let mut slot = poisoned.into_inner();
        slot.session = None;
        if let Some(task) = slot.waker.take() {
            task.wake();
        }
        slot
    }

    /// Gives the session one turn now, unless its task is taking one; then that turn, or the
    /// next, takes what was handed over.
    pub fn drive(&self) {
        let mut slot = match self.slot.try_lock() {
            Ok(slot) => slot,
            Err(TryLockError::WouldBlock) => return,
            Err(TryLockError::Poisoned(poisoned)) => {
                drop(Self::recover(poisoned));
                return;
            }
        };
        let Some(waker) = slot.waker.clone() else {
            return;
        };
        let _runtime = self.runtime.enter();
        if slot.poll(&mut Context::from_waker(&waker)).is_ready() {
            // Its task's next poll sees the empty slot and ends.
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    /// On a single-threaded runtime the session task cannot run while the caller does, so a
    /// request taken before the caller yields was taken by the caller's drive.
    #[tokio::test(flavor = "current_thread")]
    async fn drive_runs_the_session_inside_the_callers_turn() {
        let (req_tx, mut req_rx) = mpsc::channel::<u32>(4);
        let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
        let driver = Driver::spawn(async move {
            while let Some(n) = req_rx.recv().await {
                let _ = seen_tx.send(n);
            }
        });
        // The session task's first turn, so that its waker is known.
        tokio::task::yield_now().await;

        req_tx.try_send(1).unwrap();
        assert!(
            seen_rx.try_recv().is_err(),
            "nothing has run the session yet"
        );
        driver.drive();
        assert_eq!(seen_rx.try_recv(), Ok(1), "drive gave the session a turn");

        // Without a drive the session's own task still takes it, once the caller yields.
        req_tx.try_send(2).unwrap();
        assert!(seen_rx.try_recv().is_err());
        assert_eq!(seen_rx.recv().await, Some(2));

        // Ending the session inside a drive ends its task too.
        drop(req_tx);
        driver.drive();
        assert!(driver.lock().session.is_none());
        assert_eq!(
            seen_rx.recv().await,
            None,
            "the session's sender was dropped"
        );
    }

    /// A timer the session sets during a drive from another runtime still runs on its own, so
    /// it outlives the caller's runtime.
    #[test]
    fn a_drive_from_another_runtime_leaves_the_session_on_its_own() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        let (home, away) = (runtime(), runtime());
        let (req_tx, mut req_rx) = mpsc::channel::<u64>(4);
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let driver = home.block_on(async {
            let driver = Driver::spawn(async move {
                while let Some(ms) = req_rx.recv().await {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                    let _ = done_tx.send(ms);
                }
            });
            while driver.lock().waker.is_none() {
                tokio::task::yield_now().await;
            }
            driver
        });
        // `home` is not running now, so only the drive can take the request.
        away.block_on(async {
            req_tx.try_send(100).unwrap();
            driver.drive();
        });
        assert_eq!(req_tx.capacity(), 4, "the drive took the request");
        drop(away);
        let done = home.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(10), done_rx.recv()).await
        });
        assert_eq!(
            done,
            Ok(Some(100)),
            "the session's timer fired on its own runtime"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn drive_before_the_task_has_run_leaves_it_to_the_task() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let driver = Driver::spawn(async move {
            let _ = tx.send(());
        });
        driver.drive();
        assert!(driver.lock().session.is_some(), "no waker yet: not driven");
        rx.await.expect("the task ran the session");
        assert!(driver.lock().session.is_none());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_session_that_panicked_is_dropped_not_polled_again() {
        let (req_tx, mut req_rx) = mpsc::channel::<u32>(4);
        let driver = Driver::spawn(async move {
            while let Some(n) = req_rx.recv().await {
                assert!(n != 13, "session bug");
            }
        });
        tokio::task::yield_now().await;
        req_tx.try_send(13).unwrap();
        let d = driver.clone();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| d.drive()));
        assert!(panicked.is_err());
        driver.drive();
        assert!(driver.lock().session.is_none());
        assert!(req_tx.is_closed(), "callers are told the session has ended");
    }
}
