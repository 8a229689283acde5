//! Metrics and health (SPEC §11): what the bot did, in the Prometheus text format
//! (prometheus-client: one registry per [`App`](crate::state::App), so bots in one
//! test process keep their own counts), and whether it can do its work.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::core::hint_reveal::RevealReason;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ShardLabel {
    pub shard: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DatabaseLabel {
    pub database: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 5 ms … ~20 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

/// The bot's metrics. Counters only go up; `answers_held` is a level.
pub struct Metrics {
    registry: Registry,
    posts: Counter,
    post_failures: Family<ReasonLabel, Counter>,
    reveals: Family<ReasonLabel, Counter>,
    answers_recorded: Counter,
    answers_held: Gauge,
    requests: Family<RequestLabels, Counter>,
    request_seconds: HistogramFamily<RouteLabel>,
    sessions: Family<ShardLabel, Counter>,
    resumes: Family<ShardLabel, Counter>,
    reconnects: Family<ShardLabel, Counter>,
    scheduler_lag: Histogram,
    write_errors: Family<DatabaseLabel, Counter>,
    /// The shards that had a session (a later one is a reconnect).
    shards_seen: Mutex<BTreeSet<u32>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut metrics = Self {
            registry: Registry::with_prefix("qotd"),
            posts: Counter::default(),
            post_failures: Family::default(),
            reveals: Family::default(),
            answers_recorded: Counter::default(),
            answers_held: Gauge::default(),
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(latency_histogram),
            sessions: Family::default(),
            resumes: Family::default(),
            reconnects: Family::default(),
            scheduler_lag: Histogram::new(exponential_buckets(0.01, 2.0, 16)),
            write_errors: Family::default(),
            shards_seen: Mutex::default(),
        };
        metrics.register();
        metrics.start_at_zero();
        metrics
    }

    /// The same, for a process on `database` (`sqlite` or `postgres`).
    pub fn for_database(database: &str) -> Self {
        let metrics = Self::new();
        let _ = metrics.write_errors.get_or_create(&DatabaseLabel {
            database: database.to_owned(),
        });
        metrics
    }

    /// Every series whose labels are known ahead starts at 0, so a dashboard's
    /// `rate()` sees the first failure, and no family is served empty.
    fn start_at_zero(&self) {
        for reason in ["refused", "discord_unavailable", "database"] {
            let _ = self.post_failures.get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            });
        }
        for reason in [RevealReason::Reactions, RevealReason::Timeout] {
            let _ = self.reveals.get_or_create(&ReasonLabel {
                reason: reason.as_str().to_owned(),
            });
        }
    }

    fn register(&mut self) {
        let r = &mut self.registry;
        r.register("daily_posts", "Daily questions posted", self.posts.clone());
        r.register(
            "daily_post_failures",
            "Daily posts that failed, by reason",
            self.post_failures.clone(),
        );
        r.register(
            "reveals",
            "Hints revealed on daily posts, by reason",
            self.reveals.clone(),
        );
        r.register(
            "answers_recorded",
            "Answers committed to the database",
            self.answers_recorded.clone(),
        );
        r.register(
            "answers_held",
            "Answers waiting in memory for the database",
            self.answers_held.clone(),
        );
        r.register(
            "discord_requests",
            "REST calls of the daily work (posts, reactions, threads, reveals, catch-up), by route class and status",
            self.requests.clone(),
        );
        r.register(
            "discord_request_duration_seconds",
            "Latency of those REST calls, by route class",
            self.request_seconds.clone(),
        );
        r.register(
            "gateway_sessions",
            "New gateway sessions (READY), by shard",
            self.sessions.clone(),
        );
        r.register(
            "gateway_resumes",
            "Resumed gateway sessions, by shard",
            self.resumes.clone(),
        );
        r.register(
            "gateway_reconnects",
            "Gateway connections lost and reopened, by shard",
            self.reconnects.clone(),
        );
        r.register(
            "scheduler_lag_seconds",
            "From a daily post's due time to its message",
            self.scheduler_lag.clone(),
        );
        r.register(
            "database_write_errors",
            "Writes the database refused",
            self.write_errors.clone(),
        );
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    pub fn post_made(&self, lag: Duration) {
        self.posts.inc();
        self.scheduler_lag.observe(lag.as_secs_f64());
    }

    pub fn post_failed(&self, reason: &str) {
        self.post_failures
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    pub fn revealed(&self, reason: &str) {
        self.reveals
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    pub fn answers_committed(&self, count: u64) {
        self.answers_recorded.inc_by(count);
    }

    pub fn set_answers_held(&self, count: usize) {
        self.answers_held
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// One REST call: its route class, status (`2xx` for a success, `error` when no
    /// answer came) and latency.
    pub fn discord_request(&self, route: &str, status: &str, took: Duration) {
        let labels = RequestLabels {
            route: route.to_owned(),
            status: status.to_owned(),
        };
        self.requests.get_or_create(&labels).inc();
        self.request_seconds
            .get_or_create(&RouteLabel {
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn write_error(&self, database: &str) {
        self.write_errors
            .get_or_create(&DatabaseLabel {
                database: database.to_owned(),
            })
            .inc();
    }

    fn shard(shard: u32) -> ShardLabel {
        ShardLabel {
            shard: shard.to_string(),
        }
    }

    /// A shard's new gateway session (READY).
    pub fn session_started(&self, shard: u32) {
        self.sessions.get_or_create(&Self::shard(shard)).inc();
        self.connected_again(shard);
    }

    /// A shard's session resumed after its connection dropped.
    pub fn session_resumed(&self, shard: u32) {
        self.resumes.get_or_create(&Self::shard(shard)).inc();
        self.connected_again(shard);
    }

    /// Every session of a shard after its first is a reconnect.
    fn connected_again(&self, shard: u32) {
        let mut seen = self.shards_seen.lock().unwrap_or_else(|p| p.into_inner());
        let label = Self::shard(shard);
        if seen.insert(shard) {
            // The shard's other series start at 0.
            let _ = self.sessions.get_or_create(&label);
            let _ = self.resumes.get_or_create(&label);
            let _ = self.reconnects.get_or_create(&label);
        } else {
            self.reconnects.get_or_create(&label).inc();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_session_of_a_shard_after_its_first_is_a_reconnect() {
        let metrics = Metrics::new();
        metrics.session_started(0);
        metrics.session_started(1);
        metrics.session_resumed(0);
        metrics.session_started(0);
        let text = metrics.render();
        assert!(
            text.contains("qotd_gateway_reconnects_total{shard=\"0\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("qotd_gateway_reconnects_total{shard=\"1\"} 0"),
            "a shard's series start at 0: {text}"
        );
        assert!(
            text.contains("qotd_gateway_resumes_total{shard=\"0\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("qotd_gateway_sessions_total{shard=\"0\"} 2"),
            "{text}"
        );
    }
}
