//! `/healthz`'s database check, made at most once a second whatever the probe rate.

use std::time::Duration;

use tokio::time::Instant;

/// How long one answer of the database check stands: probes within it share it.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);

/// The database check of `/healthz`, made at most once per [`PROBE_EVERY`] whatever
/// the probe rate (the endpoint is unauthenticated): probes that come meanwhile, or
/// while a check runs, get its answer.
#[derive(Debug, Default)]
pub struct WriteProbe {
    last: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
}

impl WriteProbe {
    /// The last answer if it is fresh, else `probe`'s.
    pub async fn check(
        &self,
        probe: impl AsyncFnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = last.as_ref()
            && at.elapsed() < PROBE_EVERY
        {
            return answer.clone();
        }
        let answer = probe().await;
        *last = Some((Instant::now(), answer.clone()));
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn the_database_is_checked_at_most_once_a_second_whatever_the_probe_rate() {
        let probe = WriteProbe::default();
        let checks = AtomicUsize::new(0);
        let check = async || {
            checks.fetch_add(1, Ordering::Relaxed);
            Ok(())
        };
        // 100 probes a second for three seconds.
        for _ in 0..300 {
            assert_eq!(probe.check(check).await, Ok(()));
            tokio::time::advance(Duration::from_millis(10)).await;
        }
        assert_eq!(checks.load(Ordering::Relaxed), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_is_shared_too_and_a_later_probe_sees_the_recovery() {
        let probe = WriteProbe::default();
        let down = async || Err("the disk is full".to_owned());
        assert_eq!(probe.check(down).await, Err("the disk is full".into()));
        assert_eq!(
            probe.check(async || Ok(())).await,
            Err("the disk is full".into()),
            "within the second"
        );
        tokio::time::advance(PROBE_EVERY).await;
        assert_eq!(probe.check(async || Ok(())).await, Ok(()));
    }
}
