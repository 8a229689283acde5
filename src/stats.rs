//! Counters of work done, for tests and benchmarks to wait on (and, later, metrics).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use tokio::sync::watch;

/// Monotonic counters of handled work. Every change is announced on [`Stats::changes`],
/// so a waiter re-checks its condition when something happened instead of polling.
#[derive(Debug)]
pub struct Stats {
    pub messages_handled: AtomicU64,
    pub reactions_handled: AtomicU64,
    pub scheduler_passes: AtomicU64,
    /// Scheduler loops started: exactly one per process.
    pub schedulers_started: AtomicU64,
    /// Answers the answer writer has committed (or given up on).
    pub answers_committed: AtomicU64,
    /// Commits of answers the database refused (a full disk, a locked file, …).
    pub answer_commit_failures: AtomicU64,
    /// The `now` of the latest finished scheduler pass, in Unix milliseconds.
    pub last_pass_at: AtomicI64,
    /// Passes of the loop of reminders, role rewards and seasons.
    pub engagement_passes: AtomicU64,
    /// The `now` of its latest finished pass, in Unix milliseconds.
    pub last_engagement_at: AtomicI64,
    changed: watch::Sender<()>,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            messages_handled: AtomicU64::new(0),
            reactions_handled: AtomicU64::new(0),
            scheduler_passes: AtomicU64::new(0),
            schedulers_started: AtomicU64::new(0),
            answers_committed: AtomicU64::new(0),
            answer_commit_failures: AtomicU64::new(0),
            last_pass_at: AtomicI64::new(0),
            engagement_passes: AtomicU64::new(0),
            last_engagement_at: AtomicI64::new(0),
            changed: watch::Sender::new(()),
        }
    }
}

impl Stats {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }

    /// Adds `by` to `counter` and announces the change.
    pub fn add(&self, counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::SeqCst);
        // Every gateway event lands here: only pay for the signal when someone waits.
        if self.changed.receiver_count() > 0 {
            self.changed.send_replace(());
        }
    }

    pub fn bump(&self, counter: &AtomicU64) {
        self.add(counter, 1);
    }

    /// Records a finished scheduler pass that saw `now_millis`.
    pub fn pass_finished(&self, now_millis: i64) {
        self.last_pass_at.store(now_millis, Ordering::SeqCst);
        self.bump(&self.scheduler_passes);
    }

    /// Records a finished pass of the engagement loop that saw `now_millis`.
    pub fn engagement_finished(&self, now_millis: i64) {
        self.last_engagement_at.store(now_millis, Ordering::SeqCst);
        self.bump(&self.engagement_passes);
    }

    /// Resolves on the next change of any counter after this call.
    pub fn changes(&self) -> watch::Receiver<()> {
        self.changed.subscribe()
    }
}
