//! One pacer for the REST calls of the process (SPEC §12): Discord allows a bot about
//! 50 requests a second in all and answers `429` past that, and each 429 counts toward
//! the ban of the IP at 10,000 invalid requests in ten minutes. Every call of the
//! daily work (`DiscordHttp`: posts, reactions, threads, edits, reads, alerts) waits
//! for its turn here, ahead of the limit, instead of collecting 429s; a 429 that comes
//! anyway pauses every call of the process.
//!
//! The token bucket is `governor`'s (GCRA), with a burst of one: the calls are spread
//! evenly, so no one-second window holds more than the rate and one.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

use crate::locks;

/// How long a 429 pauses every call when Discord's answer does not say (serenity
/// does not pass a `retry_after` on): the global limit's own window.
pub const PAUSE_AFTER_429: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Pacer {
    /// `None`: not paced (a test's switch, to show what pacing prevents).
    limiter: Option<DefaultDirectRateLimiter>,
    /// Until when every call waits (after a 429).
    paused_until: Mutex<Option<Instant>>,
    rate: f64,
}

impl Pacer {
    /// At most `per_second` calls a second, spread evenly.
    pub fn new(per_second: f64) -> Self {
        let period = Duration::from_secs_f64(1.0 / per_second.max(0.001));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::MIN);
        Self {
            limiter: Some(RateLimiter::direct(quota)),
            paused_until: Mutex::new(None),
            rate: per_second,
        }
    }

    /// No pacing at all: only for tests and benchmarks that show the 429s pacing
    /// prevents.
    pub fn unpaced() -> Self {
        Self {
            limiter: None,
            paused_until: Mutex::new(None),
            rate: f64::INFINITY,
        }
    }

    /// The calls a second it allows.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Waits for this call's turn: past any pause, then the rate.
    pub async fn ready(&self) {
        loop {
            let until = *locks::lock(&self.paused_until);
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => break,
            }
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
    }

    /// Runs `calls`, which makes `burst` REST calls at once that cannot wait for their
    /// turns one by one (serenity's own calls while its client is built). The burst
    /// takes a turn, with `burst - 1` turns left unused on each side of it: any
    /// one-second window that holds the burst also holds at least that many of the
    /// unused turns, so no window holds more calls than the rate allows.
    pub async fn burst<T>(&self, burst: usize, calls: impl Future<Output = T>) -> T {
        for _ in 0..burst.max(1) {
            self.ready().await;
        }
        let made = calls.await;
        for _ in 1..burst {
            self.ready().await;
        }
        made
    }

    /// Discord answered 429: every call of the process waits `retry_after`.
    pub fn pause(&self, retry_after: Duration) {
        let until = Instant::now() + retry_after;
        let mut paused = locks::lock(&self.paused_until);
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_are_spread_evenly_at_the_rate() {
        let pacer = Pacer::new(100.0);
        let started = std::time::Instant::now();
        for _ in 0..21 {
            pacer.ready().await;
        }
        // 21 calls at 100 a second: the first at once, then one every 10 ms.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(195), "{took:?}");
    }

    #[tokio::test]
    async fn a_burst_of_calls_keeps_every_window_within_the_rate() {
        // 20 calls a second (one every 50 ms): no 500 ms window may hold more than 11.
        let pacer = Pacer::new(20.0);
        let mut calls = Vec::new();
        for _ in 0..12 {
            pacer.ready().await;
            calls.push(Instant::now());
        }
        pacer
            .burst(3, async { calls.extend([Instant::now(); 3]) })
            .await;
        for _ in 0..12 {
            pacer.ready().await;
            calls.push(Instant::now());
        }
        let window = Duration::from_millis(500);
        for (i, start) in calls.iter().enumerate() {
            let within = calls[i..]
                .iter()
                .filter(|&&at| at - *start < window)
                .count();
            assert!(within <= 11, "{within} calls in 500 ms from call {i}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_call_until_it_ends() {
        let pacer = Pacer::unpaced();
        pacer.pause(Duration::from_secs(2));
        pacer.pause(Duration::from_secs(1));
        let started = Instant::now();
        pacer.ready().await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(2),
            "the longer pause"
        );
    }
}
