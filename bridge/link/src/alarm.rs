//! One timer for a loop that works out its next deadline on every pass.

use tokio::time::{Instant, Sleep};

/// A deadline timer that is moved earlier only when it must be.
///
/// A fresh `sleep_until` on every pass registers a timer each time, and tokio wakes its I/O
/// driver whenever a new timer is due before the driver's next wake: on a link that answers a
/// request every few milliseconds, that was a write to its eventfd on almost every request. Here a
/// later deadline leaves the armed one in place. It then fires early, the loop's check finds
/// nothing due, and the next pass arms it at the deadline wanted then. So whatever the loop
/// does when it fires must go by the clock, not by the firing.
pub struct Alarm {
    /// Made on first use, inside the runtime.
    sleep: Option<std::pin::Pin<Box<Sleep>>>,
}

impl Default for Alarm {
    fn default() -> Self {
        Alarm::new()
    }
}

impl Alarm {
    pub fn new() -> Self {
        Alarm { sleep: None }
    }

    /// Completes at `at` or earlier (see the type's note); never when `at` is `None`.
    pub async fn until(&mut self, at: Option<Instant>) {
        let Some(at) = at else {
            return std::future::pending().await;
        };
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        if sleep.is_elapsed() || sleep.deadline() > at {
            sleep.as_mut().reset(at);
        }
        sleep.as_mut().await
    }

    /// When it will fire if left alone.
    pub fn armed_for(&self) -> Option<Instant> {
        self.sleep.as_ref().map(|s| s.deadline())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn fires_at_an_earlier_deadline_and_keeps_an_earlier_one_for_a_later() {
        let t0 = Instant::now();
        let mut alarm = Alarm::new();
        alarm.until(Some(t0 + Duration::from_millis(100))).await;
        assert_eq!(Instant::now(), t0 + Duration::from_millis(100));

        // Fired: the next deadline arms it again.
        let second = Instant::now() + Duration::from_millis(300);
        alarm.until(Some(second)).await;
        assert_eq!(Instant::now(), second);

        // Armed for 500 ms ahead; a later wish keeps it there, and it fires early.
        let early = Instant::now() + Duration::from_millis(500);
        let waited =
            tokio::time::timeout(Duration::from_millis(200), alarm.until(Some(early))).await;
        assert!(waited.is_err(), "fired before its deadline");
        assert_eq!(alarm.armed_for(), Some(early));
        alarm.until(Some(early + Duration::from_secs(30))).await;
        assert_eq!(Instant::now(), early, "kept the earlier deadline");

        // An earlier wish moves it.
        let far = Instant::now() + Duration::from_secs(60);
        let _ = tokio::time::timeout(Duration::from_millis(1), alarm.until(Some(far))).await;
        let near = Instant::now() + Duration::from_millis(10);
        alarm.until(Some(near)).await;
        assert_eq!(Instant::now(), near);
    }

    #[test]
    fn can_be_made_outside_a_runtime() {
        assert_eq!(Alarm::new().armed_for(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn no_deadline_never_fires() {
        let mut alarm = Alarm::new();
        let waited = tokio::time::timeout(Duration::from_secs(3600), alarm.until(None)).await;
        assert!(waited.is_err());
    }
}
