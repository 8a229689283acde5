//! The one scheduler loop of the process, around a testable step: [`run_due_work`].
//!
//! Each pass posts every schedule whose post time has come and whose local date has no
//! post yet, finishes posts a failure or crash left half-done, and fires due timeout
//! reveals; then it sleeps until the earliest next post or reveal, or until a schedule
//! changes.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone as _, Utc};
use futures::StreamExt;
use poise::serenity_prelude as serenity;
use tokio::sync::{Notify, watch};
use tracing::{debug, error, info, warn};

use crate::core::hint_reveal::RevealReason;
use crate::discord::App;
use crate::discord::daily::{self, PostFailure, PostOutcome};
use crate::storage::{DailyPost, Schedule};

/// How many channels are served at once. Discord, not the bot, should be the limit:
/// at 50 ms a call this is about 600 calls a second.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// The longest the loop sleeps without re-reading the schedules.
const MAX_SLEEP: TimeDelta = TimeDelta::hours(1);
/// After Discord refused a channel for good (no permission, deleted channel).
const RETRY_REFUSED: TimeDelta = TimeDelta::minutes(15);
/// After Discord did not answer (5xx, 429, network), or the database failed.
const RETRY_TRANSIENT: TimeDelta = TimeDelta::seconds(30);
/// How long the first pass waits for the gateway session and the catch-up of missed
/// answers (posting needs neither, so the wait is bounded).
const FIRST_CATCH_UP: std::time::Duration = std::time::Duration::from_secs(60);
/// How long a pass waits for answers still being committed before posting.
const SETTLE_ANSWERS: std::time::Duration = std::time::Duration::from_secs(2);

/// A handle to wake the scheduler when a schedule changes.
#[derive(Clone)]
pub struct Scheduler {
    wake: Arc<Notify>,
    concurrency: usize,
    /// Set on shutdown: the pass in progress starts no new channel, finishes the
    /// ones in flight, and the loop ends.
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl Default for Scheduler {
    fn default() -> Self {
        Self::new(DEFAULT_CONCURRENCY)
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub posted: usize,
    pub finished: usize,
    pub revealed: usize,
    pub failed: usize,
    /// When the next post, reveal or retry is due.
    pub next_wake: Option<DateTime<Utc>>,
}

/// When each channel may be tried again after a failure (in memory: a restart retries
/// at once, which is what an admin who just fixed a permission wants).
#[derive(Debug, Default)]
pub struct RetryBook {
    not_before: HashMap<u64, DateTime<Utc>>,
    /// The database failed in an earlier pass and has not written since (so the
    /// operator gets one error line per fault, and one line when it clears).
    database_failing: bool,
}

impl RetryBook {
    fn allows(&self, channel_id: u64, now: DateTime<Utc>) -> bool {
        self.not_before.get(&channel_id).is_none_or(|at| *at <= now)
    }

    fn failed(&mut self, channel_id: u64, failure: &PostFailure, now: DateTime<Utc>) {
        let wait = match failure {
            PostFailure::Refused(_) => RETRY_REFUSED,
            PostFailure::Transient(_) | PostFailure::Database(_) => RETRY_TRANSIENT,
        };
        self.not_before.insert(channel_id, now + wait);
    }

    fn postpone(&mut self, channel_id: u64, until: DateTime<Utc>) {
        self.not_before.insert(channel_id, until);
    }

    fn succeeded(&mut self, channel_id: u64) {
        self.not_before.remove(&channel_id);
    }

    fn earliest(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.not_before
            .values()
            .copied()
            .filter(|at| *at > now)
            .min()
    }
}

/// A running scheduler loop.
pub struct SchedulerTask {
    stop: watch::Sender<bool>,
    stopping: Arc<std::sync::atomic::AtomicBool>,
    handle: tokio::task::JoinHandle<()>,
}

impl SchedulerTask {
    /// Stops soon: channels already being served finish and are recorded; channels
    /// of the pass not yet started are left for the next start.
    pub async fn stop(self) -> Result<(), tokio::task::JoinError> {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = self.stop.send(true);
        self.handle.await
    }
}

impl Scheduler {
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

    fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Re-plans now (a schedule was created, changed, paused or resumed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts the loop. Call once per process.
    pub fn start(self, app: Arc<App>, http: Arc<serenity::Http>) -> SchedulerTask {
        let (stop, mut stopped) = watch::channel(false);
        let stopping = self.stopping.clone();
        crate::discord::Stats::bump(&app.stats.schedulers_started);
        let handle = tokio::spawn(async move {
            // Answers posted while the bot was away go in before any new question.
            tokio::select! {
                () = app.catch_up.wait_first(FIRST_CATCH_UP) => {}
                _ = stopped.changed() => return,
            }
            let mut retry = RetryBook::default();
            loop {
                let now = app.clock.now();
                let outcome = run_due_work(&app, &http, now, &mut retry).await;
                app.stats
                    .last_pass_at
                    .store(now.timestamp_millis(), std::sync::atomic::Ordering::SeqCst);
                crate::discord::Stats::bump(&app.stats.scheduler_passes);
                if outcome.posted + outcome.revealed + outcome.failed + outcome.finished > 0 {
                    info!(
                        posted = outcome.posted,
                        finished = outcome.finished,
                        revealed = outcome.revealed,
                        failed = outcome.failed,
                        "scheduler pass"
                    );
                }
                if *stopped.borrow() {
                    break;
                }
                let wake_at = outcome
                    .next_wake
                    .map_or(now + MAX_SLEEP, |at| at.min(now + MAX_SLEEP));
                tokio::select! {
                    () = app.clock.sleep_until(wake_at) => {}
                    () = self.wake.notified() => {}
                    _ = stopped.changed() => break,
                }
            }
        });
        SchedulerTask {
            stop,
            stopping,
            handle,
        }
    }
}

enum Job {
    Post(Schedule, chrono::NaiveDate),
    Finish(Schedule, DailyPost),
    Reveal(DailyPost),
}

/// One pass of due work at `now`.
pub async fn run_due_work(
    app: &App,
    http: &serenity::Http,
    now: DateTime<Utc>,
    retry: &mut RetryBook,
) -> Outcome {
    let mut outcome = Outcome::default();
    let schedules = match app.store.all_schedules().await {
        // A server that removed the bot keeps its schedules; they wait for its return.
        Ok(mut schedules) => {
            schedules.retain(|schedule| !app.guilds.is_absent(schedule.guild_id));
            schedules
        }
        Err(error) => {
            error!(%error, "cannot read the schedules; retrying shortly");
            outcome.next_wake = Some(now + RETRY_TRANSIENT);
            return outcome;
        }
    };
    let by_channel: HashMap<u64, &Schedule> = schedules.iter().map(|s| (s.channel_id, s)).collect();

    let mut jobs = Vec::new();
    let unfinished = app.store.unfinished_posts().await.unwrap_or_else(|error| {
        error!(%error, "cannot read unfinished posts");
        Vec::new()
    });
    let mut busy = std::collections::HashSet::new();
    for post in unfinished {
        let Some(schedule) = by_channel.get(&post.channel_id) else {
            continue;
        };
        if retry.allows(post.channel_id, now) {
            busy.insert(post.channel_id);
            jobs.push(Job::Finish((*schedule).clone(), post));
        }
    }
    let mut due_posts = Vec::new();
    for schedule in &schedules {
        if busy.contains(&schedule.channel_id) || !retry.allows(schedule.channel_id, now) {
            continue;
        }
        if let Some(date) = schedule.due_date(now) {
            due_posts.push(Job::Post(schedule.clone(), date));
        }
    }
    // A new question resets the streaks of members who missed the last one: answers
    // still waiting to be committed (held through a database fault) go first.
    if !due_posts.is_empty() && !app.answers.settle(SETTLE_ANSWERS).await {
        warn!(
            channels = due_posts.len(),
            pending_answers = app.answers.pending(),
            "answers are still waiting for the database; posting after they are recorded"
        );
        for job in &due_posts {
            if let Job::Post(schedule, _) = job {
                retry.postpone(schedule.channel_id, now + RETRY_TRANSIENT);
            }
        }
        due_posts.clear();
    }
    jobs.extend(due_posts);
    match app.store.due_reveals(now).await {
        Ok(posts) => jobs.extend(
            posts
                .into_iter()
                .filter(|post| !app.guilds.is_absent(post.guild_id))
                .map(Job::Reveal),
        ),
        Err(error) => error!(%error, "cannot read due reveals"),
    }

    let results: Vec<(u64, Result<&'static str, PostFailure>, Option<Schedule>)> =
        futures::stream::iter(jobs)
            // On shutdown no further channel starts; those in flight finish.
            .take_while(|_| std::future::ready(!app.scheduler.is_stopping()))
            .map(|job| async move {
                match job {
                    Job::Post(schedule, date) => {
                        let result = daily::post_daily(app, http, &schedule, date, now)
                            .await
                            .map(|posted| match posted {
                                PostOutcome::Posted(_) => "posted",
                                PostOutcome::AlreadyPosted(_) => "already",
                            });
                        (schedule.channel_id, result, Some(schedule))
                    }
                    Job::Finish(schedule, post) => {
                        let today = schedule
                            .timezone
                            .from_utc_datetime(&now.naive_utc())
                            .date_naive();
                        let result = if post.message_id.is_none() && post.local_date != today {
                            daily::recover_or_skip(app, http, post)
                                .await
                                .map(|_| "finished")
                        } else {
                            daily::finish_post(app, http, post, true)
                                .await
                                .map(|_| "finished")
                        };
                        (schedule.channel_id, result, Some(schedule))
                    }
                    Job::Reveal(post) => {
                        let result = daily::reveal(app, http, &post, RevealReason::Timeout, now)
                            .await
                            .map(|revealed| if revealed { "revealed" } else { "already" })
                            .map_err(PostFailure::from);
                        (post.channel_id, result, None)
                    }
                }
            })
            .buffer_unordered(app.scheduler.concurrency())
            .collect()
            .await;

    let mut database_failures = 0;
    let mut database_error = None;
    for (channel_id, result, schedule) in results {
        match result {
            Ok("posted") => {
                outcome.posted += 1;
                retry.succeeded(channel_id);
                if schedule.as_ref().is_some_and(|s| s.alert.is_some())
                    && let Err(error) = app.store.clear_schedule_alert(channel_id).await
                {
                    warn!(%error, "failed to clear an alert");
                }
            }
            Ok("finished") => {
                outcome.finished += 1;
                retry.succeeded(channel_id);
            }
            Ok("revealed") => outcome.revealed += 1,
            Ok(_) => {}
            Err(failure) => {
                outcome.failed += 1;
                retry.failed(channel_id, &failure, now);
                match (failure, schedule) {
                    (PostFailure::Refused(problem), Some(schedule)) => {
                        daily::alert(app, http, &schedule, &problem, now).await;
                    }
                    (PostFailure::Database(error), _) => {
                        database_failures += 1;
                        database_error.get_or_insert(error);
                    }
                    (failure, _) => warn!(channel_id, %failure, "daily work failed; will retry"),
                }
            }
        }
    }
    match database_error {
        Some(error) if !retry.database_failing => {
            retry.database_failing = true;
            error!(
                channels = database_failures,
                %error,
                "cannot write the database; daily posts and reveals wait and are retried every {} s",
                RETRY_TRANSIENT.num_seconds()
            );
        }
        Some(error) => debug!(channels = database_failures, %error, "the database still fails"),
        None if retry.database_failing
            && outcome.posted + outcome.finished + outcome.revealed > 0 =>
        {
            retry.database_failing = false;
            info!("the database accepts writes again; postponed daily work is done");
        }
        None => {}
    }

    outcome.next_wake = next_wake(app, &schedules, now, retry).await;
    outcome
}

async fn next_wake(
    app: &App,
    schedules: &[Schedule],
    now: DateTime<Utc>,
    retry: &RetryBook,
) -> Option<DateTime<Utc>> {
    // Re-read: this pass changed which dates have posts.
    let fresh = app
        .store
        .all_schedules()
        .await
        .unwrap_or_else(|_| schedules.to_vec());
    let next_post = fresh
        .iter()
        .filter(|s| !app.guilds.is_absent(s.guild_id))
        .filter_map(|s| s.upcoming_post(now).map(|(_, at)| at))
        .filter(|at| *at > now)
        .min();
    let next_reveal = app
        .store
        .next_reveal_due()
        .await
        .ok()
        .flatten()
        .filter(|at| *at > now);
    [next_post, next_reveal, retry.earliest(now)]
        .into_iter()
        .flatten()
        .min()
}
