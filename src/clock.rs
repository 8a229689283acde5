//! The bot's time source. Production reads the system clock; tests drive a manual
//! clock across days, restarts and DST changes without sleeping.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// Where "now" comes from, and how to wait for a moment.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Resolves once `now() >= deadline`.
    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            // Sleep in bounded steps: a suspended laptop or an NTP jump must not leave
            // the scheduler asleep past a post time.
            loop {
                let left = deadline - Utc::now();
                let Ok(left) = left.to_std() else { return };
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left.min(std::time::Duration::from_secs(60))).await;
            }
        })
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(watch::channel(start).0),
        }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        self.now.send_replace(now);
    }

    pub fn advance(&self, by: chrono::TimeDelta) {
        self.now.send_modify(|now| *now += by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        let mut changes = self.now.subscribe();
        Box::pin(async move {
            let _ = changes.wait_for(|now| *now >= deadline).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_when_it_passes_their_deadline() {
        let start = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        let clock = ManualClock::new(start);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(start + TimeDelta::hours(1)).await })
        };
        clock.advance(TimeDelta::minutes(59));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(TimeDelta::minutes(1));
        sleeper.await.unwrap();
        assert_eq!(clock.now(), start + TimeDelta::hours(1));
    }
}
