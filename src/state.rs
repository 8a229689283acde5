//! What the handlers, the scheduler and the answer writer share: [`App`].
//!
//! Every type here is a handle (a store, an index, a signal); the workflows that use
//! them live in `daily/` and `discord/`, which depend on this module and never the
//! reverse. The answer writer (`answer_queue`) is given the handles it needs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tracing::warn;

use crate::active_questions::ActiveQuestions;
use crate::answer_queue::AnswerQueue;
use crate::clock::Clock;
use crate::core::question_bank::QuestionBank;
use crate::core::quiz_cooldown;
use crate::core::sharding::{self, ShardRange};
use crate::guild_presence::GuildPresence;
use crate::locks;
use crate::stats::Stats;
use crate::storage::Store;

/// How many channels the scheduler serves at once. Discord, not the bot, should be
/// the limit: at 50 ms a call this is about 600 calls a second.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// Everything the handlers share.
pub struct App {
    pub store: Store,
    pub bank: Arc<QuestionBank>,
    pub clock: Arc<dyn Clock>,
    pub scheduler: SchedulerControl,
    pub active: Arc<ActiveQuestions>,
    /// Answers waiting to be committed.
    pub answers: AnswerQueue,
    /// Reading answers posted while the bot was not listening.
    pub catch_up: CatchUpState,
    /// The servers the bot is in: schedules of servers that removed it wait.
    pub guilds: GuildPresence,
    /// The bot's user id, once known (crash recovery recognises its own messages).
    pub bot_user_id: OnceLock<u64>,
    /// Counters of work done, for tests and benchmarks to wait on.
    pub stats: Arc<Stats>,
    /// When each channel may get its next `/quiz`.
    pub quiz_cooldowns: QuizCooldowns,
    /// `DISCORD_SHARDS`: the shards this process runs (`None`: all of them).
    pub shards: Option<ShardRange>,
}

impl App {
    pub fn new(
        store: Store,
        bank: Arc<QuestionBank>,
        clock: Arc<dyn Clock>,
        scheduler: SchedulerControl,
    ) -> Self {
        Self {
            store,
            bank,
            clock,
            scheduler,
            active: Default::default(),
            answers: Default::default(),
            catch_up: Default::default(),
            bot_user_id: Default::default(),
            guilds: Default::default(),
            quiz_cooldowns: Default::default(),
            stats: Default::default(),
            shards: None,
        }
    }

    /// The same, running only `shards` (`DISCORD_SHARDS`).
    pub fn with_shards(self, shards: Option<ShardRange>) -> Self {
        Self { shards, ..self }
    }

    /// Whether this process does the scheduled work of server `guild_id`: the server
    /// is on one of its shards and has not removed the bot.
    pub fn serves(&self, guild_id: u64) -> bool {
        sharding::holds(self.shards.as_ref(), guild_id) && !self.guilds.is_absent(guild_id)
    }
}

/// Wakes and stops the scheduler loop (which lives in `daily::scheduler`).
#[derive(Clone)]
pub struct SchedulerControl {
    wake: Arc<Notify>,
    concurrency: usize,
    /// Set on shutdown: the pass in progress starts no new channel, finishes the
    /// ones in flight, and the loop ends.
    stopping: Arc<AtomicBool>,
}

impl Default for SchedulerControl {
    fn default() -> Self {
        Self::new(DEFAULT_CONCURRENCY)
    }
}

impl SchedulerControl {
    pub fn new(concurrency: usize) -> Self {
        Self {
            wake: Arc::new(Notify::new()),
            concurrency: concurrency.max(1),
            stopping: Default::default(),
        }
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Re-plans now (a schedule was created, changed, paused or resumed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when [`SchedulerControl::wake`] is called.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Starts no further channel; the loop ends after the pass in progress.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }
}

/// Whether a catch-up is running (and whether another READY asked for one meanwhile),
/// and whether the first one finished.
#[derive(Debug)]
pub struct CatchUpState {
    /// (running, asked again while running).
    runs: Mutex<(bool, bool)>,
    first_done: watch::Sender<bool>,
}

impl Default for CatchUpState {
    fn default() -> Self {
        Self {
            runs: Mutex::new((false, false)),
            first_done: watch::Sender::new(false),
        }
    }
}

impl CatchUpState {
    /// Claims the right to run a catch-up. When one is running, false, and it runs
    /// once more when it ends: another shard's READY must not go unread.
    pub fn start(&self) -> bool {
        let mut runs = locks::lock(&self.runs);
        if runs.0 {
            runs.1 = true;
            return false;
        }
        runs.0 = true;
        true
    }

    /// Ends the running catch-up; true when it must run again (a READY came meanwhile).
    pub fn finish(&self) -> bool {
        let mut runs = locks::lock(&self.runs);
        if std::mem::take(&mut runs.1) {
            return true;
        }
        runs.0 = false;
        drop(runs);
        self.first_done.send_replace(true);
        false
    }

    /// Waits until the first catch-up of the process finished, at most `limit`.
    pub async fn wait_first(&self, limit: Duration) {
        let mut done = self.first_done.subscribe();
        if tokio::time::timeout(limit, done.wait_for(|done| *done))
            .await
            .is_err()
        {
            warn!(
                "no gateway session after {} s; posting without reading missed answers first",
                limit.as_secs()
            );
        }
    }
}

/// When each channel may get its next `/quiz` (in memory: a restart forgets it).
#[derive(Debug, Default)]
pub struct QuizCooldowns(Mutex<HashMap<u64, DateTime<Utc>>>);

impl QuizCooldowns {
    /// Starts a quiz in `channel` at `now`, or says until when it must wait.
    pub fn try_start(&self, channel: u64, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut cooldowns = locks::lock(&self.0);
        let until = quiz_cooldown::try_start(cooldowns.get(&channel).copied(), now)?;
        cooldowns.insert(channel, until);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_during_a_catch_up_makes_it_run_once_more() {
        let state = CatchUpState::default();
        assert!(state.start(), "the first READY runs it");
        assert!(!state.start(), "a second shard's READY while it runs");
        assert!(!state.start(), "and a third: still one more run");
        assert!(state.finish(), "runs again");
        assert!(!state.finish(), "then ends");
        assert!(*state.first_done.borrow());
        assert!(state.start(), "a later READY runs it again");
    }
}
