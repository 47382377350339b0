//! Polls a connection's future again at once when it wakes itself while being polled.
//!
//! hyper's request-body channel wakes the connection's own task when the handler takes the
//! body. tokio's multi-thread scheduler treats a task woken during its own poll as a yield,
//! and a yield wakes an idle worker thread to come and steal it: every request with a body
//! would hop threads (a futex wake and a migration each). Re-polling here keeps the request
//! on the thread that has its data in cache.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;

/// Re-polls in one go at most this many times. A future that keeps waking itself (tokio's
/// cooperative budget ran out, say) then goes back to the scheduler so others get to run.
const MAX_REPOLLS: usize = 4;

const IDLE: u8 = 0;
const POLLING: u8 = 1;
const WOKEN: u8 = 2;

/// A future that absorbs wake-ups arriving while it is being polled, by polling again.
pub(crate) struct Repoll<F> {
    inner: F,
    shared: Arc<Shared>,
    /// The waker handed to `inner`: always the same, so wakers it stores stay current.
    waker: Waker,
}

struct Shared {
    state: AtomicU8,
    task: AtomicWaker,
}

impl<F: Future + Unpin> Repoll<F> {
    pub(crate) fn new(inner: F) -> Self {
        let shared = Arc::new(Shared {
            state: AtomicU8::new(IDLE),
            task: AtomicWaker::new(),
        });
        let waker = Waker::from(shared.clone());
        Self {
            inner,
            shared,
            waker,
        }
    }
}

impl<F: Future + Unpin> Future for Repoll<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        this.shared.task.register(cx.waker());
        let mut inner_cx = Context::from_waker(&this.waker);
        for _ in 0..MAX_REPOLLS {
            this.shared.state.store(POLLING, Ordering::SeqCst);
            if let Poll::Ready(out) = Pin::new(&mut this.inner).poll(&mut inner_cx) {
                this.shared.state.store(IDLE, Ordering::SeqCst);
                return Poll::Ready(out);
            }
            let woken = this
                .shared
                .state
                .compare_exchange(POLLING, IDLE, Ordering::SeqCst, Ordering::SeqCst)
                .is_err();
            if !woken {
                return Poll::Pending;
            }
        }
        this.shared.state.store(IDLE, Ordering::SeqCst);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Wake for Shared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // While a poll runs, note the wake for it; otherwise wake the task as usual.
        let noted = self
            .state
            .compare_exchange(POLLING, WOKEN, Ordering::SeqCst, Ordering::SeqCst);
        if let Err(IDLE) = noted {
            self.task.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts the wakes of the task that polls the `Repoll`.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_cx() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    #[test]
    fn a_wake_during_its_own_poll_polls_again_without_waking_the_task() {
        let mut polls = 0;
        let fut = std::future::poll_fn(|cx| {
            polls += 1;
            if polls < 3 {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(polls)
            }
        });
        let (counter, waker) = counting_cx();
        let mut repoll = Repoll::new(fut);
        let out = Pin::new(&mut repoll).poll(&mut Context::from_waker(&waker));
        assert_eq!(out, Poll::Ready(3));
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_future_that_always_wakes_itself_goes_back_to_the_scheduler() {
        let mut polls = 0;
        let fut = std::future::poll_fn(|cx| {
            polls += 1;
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        });
        let (counter, waker) = counting_cx();
        let mut repoll = Repoll::new(fut);
        let out = Pin::new(&mut repoll).poll(&mut Context::from_waker(&waker));
        assert!(out.is_pending());
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        drop(repoll);
        assert_eq!(polls, MAX_REPOLLS);
    }

    #[test]
    fn a_wake_after_the_poll_wakes_the_task_once() {
        let mut stored: Option<Waker> = None;
        let fut = std::future::poll_fn(|cx| {
            stored = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        let (counter, waker) = counting_cx();
        let mut repoll = Repoll::new(fut);
        assert!(Pin::new(&mut repoll)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(repoll);
        let inner_waker = stored.expect("the inner future stored its waker");
        inner_waker.wake_by_ref();
        inner_waker.wake_by_ref();
        // The second wake finds the task's waker already taken: one wake until the next poll.
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn wakes_from_another_thread_reach_the_task() {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let waiter = tokio::spawn(Repoll::new(rx));
        std::thread::spawn(move || tx.send(7))
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(waiter.await.unwrap().unwrap(), 7);
    }
}
