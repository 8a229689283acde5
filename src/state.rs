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
use poise::serenity_prelude as serenity;
use tokio::sync::{Notify, watch};
use tracing::warn;

use crate::active_questions::ActiveQuestions;
use crate::answer_queue::AnswerQueue;
use crate::clock::Clock;
use crate::core::library::Library;
use crate::core::question_bank::{Question, QuestionBank};
use crate::core::quiz_cooldown;
use crate::core::sharding::{self, ShardRange};
use crate::guild_presence::GuildPresence;
use crate::locks;
use crate::metrics::Metrics;
use crate::pacer::Pacer;
use crate::post_turns::PostTurns;
use crate::stats::Stats;
use crate::storage::{DailyPost, NewAnswer, StorageError, Store};

/// How many channels the scheduler serves at once. Discord, not the bot, should be
/// the limit: at 50 ms a call this is about 600 calls a second.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// The handles the scheduled work (`daily/`), the answer writer and the handlers
/// share: the database, the banks, the clock, the in-memory indexes and signals.
/// Nothing of Discord's client is here.
pub struct Handles {
    pub store: Store,
    /// The question banks (`QUESTIONS_PATH`); a server's approved suggestions join
    /// them through [`Handles::bank_for`].
    pub library: Arc<Library>,
    pub clock: Arc<dyn Clock>,
    pub scheduler: SchedulerControl,
    pub active: Arc<ActiveQuestions>,
    /// Which daily posts a task of this process is working on.
    pub post_turns: PostTurns,
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
    /// `DISCORD_SHARDS`: the shards this process runs (`None`: all of them).
    pub shards: Option<ShardRange>,
    /// What `/metrics` shows.
    pub metrics: Arc<Metrics>,
    /// Paces every REST call of the daily work below Discord's global limit.
    pub pacer: Arc<Pacer>,
    /// `ANSWER_RETENTION_DAYS`: how long a private answer's text is kept after its
    /// reveal.
    pub answer_retention_days: u32,
    /// Wakes the loop of reminders, role rewards and seasons for a full pass
    /// (`engagement::start`): a setting changed.
    pub engagement: Notify,
}

/// Everything the handlers share: the [`Handles`] (reached through `Deref`), and what
/// only the Discord side uses.
pub struct App {
    pub handles: Arc<Handles>,
    /// When each channel may get its next `/quiz`.
    pub quiz_cooldowns: QuizCooldowns,
    /// The invite link was logged (a bot in no server yet logs it once).
    pub invite_shown: AtomicBool,
    /// The gateway shards this process runs, for `/healthz`.
    pub gateway: GatewayStatus,
    /// Where `/metrics` and `/healthz` are served (`METRICS_ADDR`), once bound.
    pub metrics_addr: OnceLock<std::net::SocketAddr>,
    /// `/healthz`'s database check, made at most once a second.
    pub write_probe: crate::write_probe::WriteProbe,
    /// Notified when every server of the gateway sessions started so far has
    /// arrived (its GUILD_CREATE): start-up is over.
    pub settled: Notify,
}

impl std::ops::Deref for App {
    type Target = Handles;

    fn deref(&self) -> &Handles {
        &self.handles
    }
}

impl App {
    pub fn new(
        store: Store,
        library: impl Into<Arc<Library>>,
        clock: Arc<dyn Clock>,
        scheduler: SchedulerControl,
    ) -> Self {
        Self {
            handles: Arc::new(Handles::new(store, library, clock, scheduler)),
            quiz_cooldowns: Default::default(),
            invite_shown: AtomicBool::new(false),
            gateway: Default::default(),
            metrics_addr: OnceLock::new(),
            write_probe: Default::default(),
            settled: Notify::new(),
        }
    }

    /// The same, running only `shards` (`DISCORD_SHARDS`).
    pub fn with_shards(mut self, shards: Option<ShardRange>) -> Self {
        Arc::get_mut(&mut self.handles)
            .expect("shards are set on a new App, before its handles are shared")
            .shards = shards;
        self
    }

    /// The same, keeping private answers' text `days` after their reveal
    /// (`ANSWER_RETENTION_DAYS`).
    pub fn with_answer_retention(mut self, days: u32) -> Self {
        Arc::get_mut(&mut self.handles)
            .expect("the retention is set on a new App, before its handles are shared")
            .answer_retention_days = days;
        self
    }

    /// The same, its REST calls paced by `pacer` (`DISCORD_REST_RATE`).
    pub fn with_pacer(mut self, pacer: Pacer) -> Self {
        Arc::get_mut(&mut self.handles)
            .expect("the pacer is set on a new App, before its handles are shared")
            .pacer = Arc::new(pacer);
        self
    }
}

impl Handles {
    pub fn new(
        store: Store,
        library: impl Into<Arc<Library>>,
        clock: Arc<dyn Clock>,
        scheduler: SchedulerControl,
    ) -> Self {
        let metrics = Arc::new(Metrics::for_database(store.kind().name()));
        Self {
            store,
            library: library.into(),
            clock,
            scheduler,
            active: Default::default(),
            post_turns: Default::default(),
            answers: Default::default(),
            catch_up: Default::default(),
            bot_user_id: Default::default(),
            guilds: Default::default(),
            stats: Default::default(),
            shards: None,
            metrics,
            pacer: Arc::new(Pacer::new(crate::core::sharding::DEFAULT_REST_RATE)),
            answer_retention_days: crate::core::private_answers::DEFAULT_RETENTION_DAYS,
            engagement: Notify::new(),
        }
    }

    /// Makes `post` its channel's active question, and records the replies to it that
    /// came while it was being sent (before its id was known).
    pub fn activate(&self, post: &DailyPost) {
        for message in self.active.set(post) {
            if self.active.first_answer(post.id, message.author_id) {
                self.answers.push(NewAnswer {
                    post_id: post.id,
                    user_id: message.author_id,
                    at: message.at,
                });
            }
        }
    }

    /// Bank `id` (`None`: the default bank) as server `guild` sees it: the bank's
    /// questions and the server's approved suggestions for it. `None` when the bank
    /// is no longer in `QUESTIONS_PATH`.
    pub async fn bank_for(
        &self,
        guild: u64,
        id: Option<&str>,
    ) -> Result<Option<Arc<QuestionBank>>, StorageError> {
        let Some(bank) = self.library.bank(id) else {
            return Ok(None);
        };
        let bank_id = id.unwrap_or(self.library.default_id());
        let approved = self.store.approved_suggestions(guild).await?;
        let extra: Vec<Question> = approved
            .iter()
            .filter(|s| s.bank.as_deref().unwrap_or(self.library.default_id()) == bank_id)
            .map(|s| s.to_question())
            .collect();
        Ok(Some(if extra.is_empty() {
            Arc::clone(bank)
        } else {
            Arc::new(bank.with_questions(extra))
        }))
    }

    /// Every question server `guild` can be asked: the banks' and its approved
    /// suggestions', for looking many up at once.
    pub async fn guild_questions(&self, guild: u64) -> Result<GuildQuestions, StorageError> {
        let approved = self.store.approved_suggestions(guild).await?;
        let suggested = approved
            .into_iter()
            .filter_map(|s| {
                let bank = Arc::clone(self.library.bank(s.bank.as_deref())?);
                Some((s.question_id(), (bank, s.to_question())))
            })
            .collect();
        Ok(GuildQuestions {
            library: Arc::clone(&self.library),
            suggested,
        })
    }

    /// A question of any bank by id, as server `guild` sees it, with its bank (for
    /// the category names and title). `None`: no longer in any bank.
    pub async fn question(
        &self,
        guild: u64,
        id: &str,
    ) -> Result<Option<(Arc<QuestionBank>, Question)>, StorageError> {
        if let Some((bank, question)) = self.library.question(id) {
            return Ok(Some((Arc::clone(bank), question.clone())));
        }
        let Some(suggestion) = self.store.approved_suggestion(guild, id).await? else {
            return Ok(None);
        };
        let bank = self.library.bank(suggestion.bank.as_deref());
        Ok(bank.map(|bank| (Arc::clone(bank), suggestion.to_question())))
    }

    /// Whether this process does the scheduled work of server `guild_id`: the server
    /// is on one of its shards and has not removed the bot.
    pub fn serves(&self, guild_id: u64) -> bool {
        sharding::holds(self.shards.as_ref(), guild_id) && !self.guilds.is_absent(guild_id)
    }
}

/// The questions of one server's banks, looked up by id ([`Handles::guild_questions`]).
pub struct GuildQuestions {
    library: Arc<Library>,
    suggested: HashMap<String, (Arc<QuestionBank>, Question)>,
}

impl GuildQuestions {
    /// A question and its bank, if it is still in one.
    pub fn get(&self, id: &str) -> Option<(&QuestionBank, &Question)> {
        match self.library.question(id) {
            Some((bank, question)) => Some((bank.as_ref(), question)),
            None => self.suggested.get(id).map(|(bank, q)| (bank.as_ref(), q)),
        }
    }
}

/// The shards this process runs and serenity's view of their connections.
#[derive(Default)]
pub struct GatewayStatus {
    shards: OnceLock<(Arc<serenity::ShardManager>, std::ops::Range<u32>)>,
}

impl GatewayStatus {
    /// Records the shards this process starts (once).
    pub fn expect(&self, manager: Arc<serenity::ShardManager>, shards: std::ops::Range<u32>) {
        let _ = self.shards.set((manager, shards));
    }

    /// Whether every shard is connected; `Err` names the first that is not.
    pub async fn connected(&self) -> Result<(), String> {
        let Some((manager, shards)) = self.shards.get() else {
            return Err("the gateway is not started yet".to_owned());
        };
        let runners = manager.runners.lock().await;
        for shard in shards.clone() {
            match runners.get(&serenity::ShardId(shard)) {
                Some(runner) if runner.stage == serenity::ConnectionStage::Connected => {}
                Some(runner) => {
                    return Err(format!(
                        "gateway shard {shard} is not connected ({})",
                        runner.stage
                    ));
                }
                None => {
                    return Err(format!(
                        "gateway shard {shard} is not connected (reconnecting)"
                    ));
                }
            }
        }
        Ok(())
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
/// Only cooldowns still running are kept: each `/quiz` forgets those that have ended.
#[derive(Debug, Default)]
pub struct QuizCooldowns(Mutex<HashMap<u64, DateTime<Utc>>>);

impl QuizCooldowns {
    /// Starts a quiz in `channel` at `now`, or says until when it must wait.
    pub fn try_start(&self, channel: u64, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut cooldowns = locks::lock(&self.0);
        // An ended cooldown allows a quiz just as no cooldown does.
        cooldowns.retain(|_, until| *until > now);
        let until = quiz_cooldown::try_start(cooldowns.get(&channel).copied(), now)?;
        cooldowns.insert(channel, until);
        Ok(())
    }

    /// How many channels are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        locks::lock(&self.0).len()
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

    #[test]
    fn a_quiz_forgets_the_cooldowns_that_have_ended() {
        let cooldowns = QuizCooldowns::default();
        let start = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        let later = |seconds| start + chrono::TimeDelta::seconds(seconds);
        assert!(cooldowns.try_start(1, start).is_ok());
        assert!(cooldowns.try_start(2, later(10)).is_ok());
        assert_eq!(cooldowns.len(), 2, "both still running");
        assert!(cooldowns.try_start(3, later(35)).is_ok());
        assert_eq!(cooldowns.len(), 2, "channel 1's ended at 30 s");
        assert_eq!(cooldowns.try_start(2, later(36)), Err(later(40)));
        assert!(cooldowns.try_start(3, later(100)).is_ok());
        assert_eq!(cooldowns.len(), 1, "only channel 3's new one");
    }
}
