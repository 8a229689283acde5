//! The one scheduler loop of the process, around a testable step: [`run_due_work`].
//!
//! Each pass reads what is due ([`plan`]), posts every schedule whose post time has
//! come, finishes posts a failure or crash left half-done, and fires due timeout
//! reveals; then it sleeps until the earliest next post or reveal, or until a schedule
//! changes.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::watch;
use tracing::{debug, error, info, warn};

use super::answers::{self, Revealed};
use super::plan::{self, Job, JobOutcome, PlanInput, RETRY_TRANSIENT, RetryBook};
use super::port::{DiscordPort, PostFailure};
use super::post::{self, PostOutcome};
use super::retention;
use super::reveal;
use crate::core::daily_schedule;
use crate::core::hint_reveal::RevealReason;
use crate::state::Handles;
use crate::storage::StorageError;

/// The longest the loop sleeps without re-reading the schedules.
const MAX_SLEEP: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// How long the first pass waits for the gateway session and the catch-up of missed
/// answers (posting needs neither, so the wait is bounded).
const FIRST_CATCH_UP: Duration = Duration::from_secs(60);
/// How long a pass waits for answers still being committed before posting.
const SETTLE_ANSWERS: Duration = Duration::from_secs(2);

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub posted: usize,
    pub finished: usize,
    pub revealed: usize,
    pub failed: usize,
    /// When the next post, reveal or retry is due.
    pub next_wake: Option<DateTime<Utc>>,
    /// A post has private answers left to show: the next pass starts at once.
    pub more_answers: bool,
    /// Another process holds a due reveal of private answers: look again shortly, in
    /// case it crashed.
    pub answers_elsewhere: bool,
}

impl Outcome {
    fn did_something(&self) -> bool {
        self.posted + self.finished + self.revealed + self.failed > 0
    }
}

/// What the loop keeps between passes.
#[derive(Debug, Default)]
pub struct PassMemory {
    pub retry: RetryBook,
    /// The database failed in an earlier pass and has not written since (so the
    /// operator gets one error line per fault, and one line when it clears).
    database_failing: bool,
    /// When data past its time was last looked for ([`retention::EVERY`]).
    retention_at: Option<DateTime<Utc>>,
}

/// A running scheduler loop.
pub struct SchedulerTask {
    stop: watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

impl SchedulerTask {
    /// Stops soon: channels already being served finish and are recorded; channels
    /// of the pass not yet started are left for the next start.
    pub async fn stop(self, handles: &Handles) -> Result<(), tokio::task::JoinError> {
        handles.scheduler.stop();
        let _ = self.stop.send(true);
        self.handle.await
    }
}

/// Starts the loop. Call once per process.
pub fn start<D: DiscordPort + 'static>(handles: Arc<Handles>, discord: Arc<D>) -> SchedulerTask {
    let (stop, mut stopped) = watch::channel(false);
    handles.stats.bump(&handles.stats.schedulers_started);
    let handle = tokio::spawn(async move {
        // Answers posted while the bot was away go in before any new question.
        tokio::select! {
            () = handles.catch_up.wait_first(FIRST_CATCH_UP) => {}
            _ = stopped.changed() => return,
        }
        let mut memory = PassMemory::default();
        loop {
            let now = handles.clock.now();
            let outcome = run_due_work(&handles, discord.as_ref(), now, &mut memory).await;
            handles.stats.pass_finished(now.timestamp_millis());
            if outcome.did_something() {
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
                biased;
                _ = stopped.changed() => break,
                () = handles.clock.sleep_until(wake_at) => {}
                () = handles.scheduler.woken() => {}
            }
            if handles.scheduler.is_stopping() {
                break;
            }
        }
    });
    SchedulerTask { stop, handle }
}

/// One pass of due work at `now`.
#[tracing::instrument(skip_all, fields(%now))]
pub async fn run_due_work(
    handles: &Handles,
    discord: &impl DiscordPort,
    now: DateTime<Utc>,
    memory: &mut PassMemory,
) -> Outcome {
    let input = match read_plan_input(handles, now).await {
        Ok(input) => input,
        Err(error) => {
            error!(%error, "cannot read the schedules; retrying shortly");
            return Outcome {
                next_wake: Some(now + RETRY_TRANSIENT),
                ..Outcome::default()
            };
        }
    };
    let present = |guild_id| handles.serves(guild_id);
    let mut jobs = plan::plan(now, &input, &memory.retry, present);
    let has_posts = jobs.iter().any(|job| matches!(job, Job::Post { .. }));
    // A new question resets the streaks of members who missed the last one: answers
    // still waiting to be committed (held through a database fault) go first.
    if has_posts && !handles.answers.settle(SETTLE_ANSWERS).await {
        let channels = plan::postpone_posts(&mut jobs, &mut memory.retry, now);
        warn!(
            channels,
            pending_answers = handles.answers.pending(),
            "answers are still waiting for the database; posting after they are recorded"
        );
    }
    let results = execute(handles, discord, jobs, now).await;
    let mut outcome = record_results(handles, discord, results, now, memory).await;
    // Re-read: this pass changed which dates have posts.
    let schedules = handles
        .store
        .all_schedules()
        .await
        .unwrap_or(input.schedules);
    // Only this process's reveals: another shard's overdue one must not hide them.
    let reveals = handles
        .store
        .upcoming_reveals(now)
        .await
        .unwrap_or_default();
    let next_reveal = reveals
        .into_iter()
        .filter(|(guild, _)| handles.serves(*guild))
        .map(|(_, at)| at)
        .min();
    let next_wake = plan::next_wake(now, &schedules, next_reveal, &memory.retry, present);
    outcome.next_wake = match (outcome.more_answers, outcome.answers_elsewhere) {
        (true, _) => Some(now),
        (false, true) => {
            Some(next_wake.map_or(now + RETRY_TRANSIENT, |at| at.min(now + RETRY_TRANSIENT)))
        }
        (false, false) => next_wake,
    };
    if memory
        .retention_at
        .is_none_or(|at| now - at >= retention::EVERY)
    {
        memory.retention_at = Some(now);
        retention::run(handles, now).await;
    }
    outcome
}

async fn read_plan_input(handles: &Handles, now: DateTime<Utc>) -> Result<PlanInput, StorageError> {
    let schedules = handles.store.all_schedules().await?;
    let unfinished = handles
        .store
        .unfinished_posts()
        .await
        .unwrap_or_else(|error| {
            error!(%error, "cannot read unfinished posts");
            Vec::new()
        });
    let due_reveals = handles
        .store
        .due_reveals(now)
        .await
        .unwrap_or_else(|error| {
            error!(%error, "cannot read due reveals");
            Vec::new()
        });
    let due_answers = handles
        .store
        .due_answer_reveals(now)
        .await
        .unwrap_or_else(|error| {
            error!(%error, "cannot read the private answers due to be shown");
            Vec::new()
        });
    Ok(PlanInput {
        schedules,
        unfinished,
        due_reveals,
        due_answers,
    })
}

type JobResult = (Job, Result<JobOutcome, PostFailure>);

/// Runs the jobs, a bounded number at once. On shutdown no further job starts; those
/// in flight finish.
async fn execute(
    handles: &Handles,
    discord: &impl DiscordPort,
    jobs: Vec<Job>,
    now: DateTime<Utc>,
) -> Vec<JobResult> {
    futures::stream::iter(jobs)
        .take_while(|_| std::future::ready(!handles.scheduler.is_stopping()))
        .map(|job| async move {
            let result = run_job(handles, discord, &job, now).await;
            (job, result)
        })
        .buffer_unordered(handles.scheduler.concurrency())
        .collect()
        .await
}

async fn run_job(
    handles: &Handles,
    discord: &impl DiscordPort,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<JobOutcome, PostFailure> {
    Ok(match job {
        Job::Post { schedule, date } => {
            match post::post_daily(handles, discord, schedule, *date, now).await? {
                PostOutcome::Posted(_) => {
                    let due = daily_schedule::post_instant_on(
                        *date,
                        schedule.post_time,
                        schedule.timezone,
                    );
                    let lag = (handles.clock.now() - due).to_std().unwrap_or_default();
                    handles.metrics.post_made(lag);
                    JobOutcome::Posted
                }
                PostOutcome::AlreadyPosted(_) => JobOutcome::AlreadyPosted,
            }
        }
        Job::Finish { post, .. } => {
            post::finish_post(handles, discord, post.clone(), true).await?;
            JobOutcome::Finished
        }
        Job::RecoverOrSkip { post, .. } => {
            match post::recover_or_skip(handles, discord, post.clone()).await? {
                Some(_) => JobOutcome::Finished,
                None => JobOutcome::DaySkipped,
            }
        }
        Job::Reveal(post) => {
            match reveal::reveal(handles, discord, post, RevealReason::Timeout, now).await? {
                true => JobOutcome::Revealed,
                false => JobOutcome::AlreadyRevealed,
            }
        }
        Job::RevealAnswers(post) => match answers::reveal_answers(handles, discord, post).await? {
            Revealed::All => JobOutcome::AnswersShown { all: true },
            Revealed::More => JobOutcome::AnswersShown { all: false },
            Revealed::Elsewhere => JobOutcome::AnswersElsewhere,
        },
    })
}

/// Counts the results, books retries, alerts admins of refused channels, and tells the
/// operator once when the database starts and stops failing.
async fn record_results(
    handles: &Handles,
    discord: &impl DiscordPort,
    results: Vec<JobResult>,
    now: DateTime<Utc>,
    memory: &mut PassMemory,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut database_errors = Vec::new();
    for (job, result) in results {
        let channel_id = job.channel_id();
        let failure = match result {
            Ok(done) => {
                count_success(handles, &mut outcome, &mut memory.retry, &job, done).await;
                continue;
            }
            Err(failure) => failure,
        };
        outcome.failed += 1;
        if !matches!(job, Job::Reveal(_) | Job::RevealAnswers(_)) {
            handles.metrics.post_failed(match &failure {
                PostFailure::Refused(_) => "refused",
                PostFailure::Transient(_) => "discord_unavailable",
                PostFailure::Database(_) => "database",
            });
        }
        if let PostFailure::Database(error) = &failure
            && error.fault().is_some()
        {
            handles.metrics.write_error(handles.store.kind().name());
        }
        memory.retry.failed(channel_id, &failure, now);
        match (failure, job.schedule()) {
            (PostFailure::Refused(problem), Some(schedule)) => {
                post::refused(handles, discord, schedule, &problem, now).await;
            }
            (PostFailure::Database(error), _) => database_errors.push(error),
            (failure, _) => warn!(channel_id, %failure, "daily work failed; will retry"),
        }
    }
    log_database_health(memory, &database_errors, &outcome);
    outcome
}

async fn count_success(
    handles: &Handles,
    outcome: &mut Outcome,
    retry: &mut RetryBook,
    job: &Job,
    done: JobOutcome,
) {
    let channel_id = job.channel_id();
    match done {
        JobOutcome::Posted => {
            outcome.posted += 1;
            retry.succeeded(channel_id);
            if job.schedule().is_some_and(|s| s.alert.is_some())
                && let Err(error) = handles.store.clear_schedule_alert(channel_id).await
            {
                warn!(%error, "failed to clear an alert");
            }
        }
        JobOutcome::Finished | JobOutcome::DaySkipped => {
            outcome.finished += 1;
            retry.succeeded(channel_id);
        }
        JobOutcome::Revealed => outcome.revealed += 1,
        JobOutcome::AnswersShown { all } => {
            outcome.revealed += 1;
            outcome.more_answers |= !all;
        }
        JobOutcome::AnswersElsewhere => outcome.answers_elsewhere = true,
        JobOutcome::AlreadyPosted | JobOutcome::AlreadyRevealed => {}
    }
}

fn log_database_health(memory: &mut PassMemory, errors: &[StorageError], outcome: &Outcome) {
    match errors.first() {
        Some(error) if !memory.database_failing => {
            memory.database_failing = true;
            error!(channels = errors.len(), %error, "cannot write the database; daily posts and reveals wait and are retried every {} s", RETRY_TRANSIENT.num_seconds());
        }
        Some(error) => debug!(channels = errors.len(), %error, "the database still fails"),
        None if memory.database_failing
            && outcome.posted + outcome.finished + outcome.revealed > 0 =>
        {
            memory.database_failing = false;
            info!("the database accepts writes again; postponed daily work is done");
        }
        None => {}
    }
}
