//! The one way tests wait: a condition re-checked whenever something that could make
//! it true happened (the fake Discord changed, the bot's Stats changed), until a
//! deadline, with a panic that says what was awaited.

use std::time::Duration;

use fake_discord::{FakeDiscord, Request};
use qotd::stats::Stats;
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long a wait lasts unless a test says otherwise.
pub const DEFAULT_TIMEOUT: Duration = fake_discord::DEFAULT_TIMEOUT;

/// The slow re-check for conditions that have no signal of their own: a row written
/// by a `qotd` subprocess (its Stats live in another process, and its last database
/// write is not followed by a request to the fake), a log line, a database write that
/// no request or Stats counter follows. Everything that does signal wakes the waiter
/// at once; this only bounds how late the others are noticed.
const FALLBACK_RECHECK: Duration = Duration::from_millis(100);

/// What a condition returns: `true`/`false`, or `Some(value)` once it holds.
pub trait Met {
    type Value;
    fn met(self) -> Option<Self::Value>;
}

impl Met for bool {
    type Value = ();
    fn met(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Met for Option<T> {
    type Value = T;
    fn met(self) -> Option<T> {
        self
    }
}

/// The signals a wait re-checks on, and its deadline.
pub struct Waiter<'a> {
    fake: &'a FakeDiscord,
    stats: Option<watch::Receiver<()>>,
    timeout: Duration,
}

impl<'a> Waiter<'a> {
    /// Re-checks whenever `fake` records a request or changes state.
    pub fn on(fake: &'a FakeDiscord) -> Self {
        Self {
            fake,
            stats: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Also re-checks whenever one of the bot's counters changes.
    pub fn and_stats(mut self, stats: &Stats) -> Self {
        self.stats = Some(stats.changes());
        self
    }

    /// Fails after `timeout` instead of [`DEFAULT_TIMEOUT`].
    pub fn within(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Waits until `condition` holds and returns what it found; panics naming `what`
    /// (with the fake's latest requests and problems) when the deadline passes.
    pub async fn until<M: Met>(
        self,
        what: &str,
        mut condition: impl AsyncFnMut() -> M,
    ) -> M::Value {
        let mut fake_changes = Some(self.fake.changes());
        let mut stats_changes = self.stats;
        let deadline = Instant::now() + self.timeout;
        loop {
            // Marked seen before the check: a change during the check wakes the next wait.
            if let Some(changes) = &mut fake_changes {
                changes.borrow_and_update();
            }
            if let Some(changes) = &mut stats_changes {
                changes.borrow_and_update();
            }
            if let Some(value) = condition().await.met() {
                return value;
            }
            let now = Instant::now();
            if now >= deadline {
                panic!(
                    "timed out after {:?} waiting for {what}{}",
                    self.timeout,
                    diagnostics(self.fake)
                );
            }
            let recheck_at = deadline.min(now + FALLBACK_RECHECK);
            tokio::select! {
                changed = next_change(&mut fake_changes) => {
                    if !changed {
                        fake_changes = None;
                    }
                }
                changed = next_change(&mut stats_changes) => {
                    if !changed {
                        stats_changes = None;
                    }
                }
                () = tokio::time::sleep_until(recheck_at) => {}
            }
        }
    }
}

/// The fake's usual waits, through [`Waiter::until`].
impl Waiter<'_> {
    /// The first request after the first `since` ones that `matches`.
    pub async fn request(
        self,
        what: &str,
        since: usize,
        matches: impl Fn(&Request) -> bool,
    ) -> Request {
        let fake = self.fake;
        self.until(what, async || {
            fake.requests().into_iter().skip(since).find(|r| matches(r))
        })
        .await
    }

    /// The bot's slash commands registered (`PUT …/commands`), after the first `since`
    /// requests.
    pub async fn commands_registered(self, since: usize) -> Request {
        self.request("the slash commands registered", since, |r| {
            r.method == "PUT" && r.path.ends_with("/commands")
        })
        .await
    }

    /// The first callback (the bot's answer) to the interaction with `token`.
    pub async fn callback(self, token: &str) -> Value {
        let fake = self.fake;
        self.until(&format!("a callback to interaction {token}"), async || {
            fake.interaction(token)?.callbacks.first().cloned()
        })
        .await
    }

    /// At least `n` gateway sessions that reached READY or RESUMED.
    pub async fn sessions(self, n: u64) {
        let fake = self.fake;
        self.until(&format!("{n} gateway session(s)"), async || {
            let counts = fake.gateway_counts();
            counts.ready + counts.resumed >= n
        })
        .await
    }
}

/// Resolves on the next change: true, or false once the sender is gone (never, for
/// no receiver).
async fn next_change<T>(changes: &mut Option<watch::Receiver<T>>) -> bool {
    match changes {
        Some(changes) => changes.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

/// The fake's latest requests and its problems, for a timeout's panic message.
fn diagnostics(fake: &FakeDiscord) -> String {
    let requests = fake.requests();
    let recent: Vec<String> = requests
        .iter()
        .rev()
        .take(15)
        .map(|r| format!("  {} {} -> {}", r.method, r.path, r.status))
        .collect();
    format!(
        "; latest requests:\n{}\nproblems: {:?}",
        recent.join("\n"),
        fake.problems()
    )
}

/// Polls `met` every 20 ms for up to 30 s.
pub async fn wait_until_sync(what: &str, met: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !met() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
