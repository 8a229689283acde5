//! Which daily work is due at `now`: a pure step over the schedules and posts the
//! database holds, unit-tested without any I/O. The scheduler executes the plan.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::port::PostFailure;
use crate::core::daily_schedule::local_date;
use crate::storage::{DailyPost, Schedule};

/// After Discord refused a channel for good (no permission, deleted channel).
pub const RETRY_REFUSED: TimeDelta = TimeDelta::minutes(15);
/// After Discord did not answer (5xx, 429, network), or the database failed.
pub const RETRY_TRANSIENT: TimeDelta = TimeDelta::seconds(30);

/// One piece of due work.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Post the channel's question for `date`.
    Post { schedule: Schedule, date: NaiveDate },
    /// Finish a post a failure or crash left half-done (send, 💡, thread, reveal).
    Finish { schedule: Schedule, post: DailyPost },
    /// A claim never confirmed, from a local day that is over: adopt the message if
    /// it went out, else skip the day.
    RecoverOrSkip { schedule: Schedule, post: DailyPost },
    /// Reveal a hint whose timeout passed.
    Reveal(DailyPost),
    /// Show the private answers of a post whose reveal timeout passed.
    RevealAnswers(DailyPost),
}

impl Job {
    pub fn channel_id(&self) -> u64 {
        match self {
            Job::Post { schedule, .. } => schedule.channel_id,
            Job::Finish { post, .. }
            | Job::RecoverOrSkip { post, .. }
            | Job::Reveal(post)
            | Job::RevealAnswers(post) => post.channel_id,
        }
    }

    /// The schedule the job serves (a reveal needs none).
    pub fn schedule(&self) -> Option<&Schedule> {
        match self {
            Job::Post { schedule, .. }
            | Job::Finish { schedule, .. }
            | Job::RecoverOrSkip { schedule, .. } => Some(schedule),
            Job::Reveal(_) | Job::RevealAnswers(_) => None,
        }
    }
}

/// What a job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Posted,
    /// The date already had its post.
    AlreadyPosted,
    Finished,
    /// The day ended before its post went out: skipped, no streak broken.
    DaySkipped,
    Revealed,
    /// Another caller revealed it first.
    AlreadyRevealed,
    /// Private answers shown: all of them (`true`), or some, the rest next pass.
    AnswersShown {
        all: bool,
    },
    /// Another process is showing the private answers (or crashed doing it: its lease
    /// runs out).
    AnswersElsewhere,
}

/// When each channel may be tried again after a failure (in memory: a restart retries
/// at once, which is what an admin who just fixed a permission wants).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RetryBook {
    not_before: HashMap<u64, DateTime<Utc>>,
}

impl RetryBook {
    pub fn allows(&self, channel_id: u64, now: DateTime<Utc>) -> bool {
        self.not_before.get(&channel_id).is_none_or(|at| *at <= now)
    }

    pub fn failed(&mut self, channel_id: u64, failure: &PostFailure, now: DateTime<Utc>) {
        let wait = match failure {
            PostFailure::Refused(_) => RETRY_REFUSED,
            PostFailure::Transient(_) | PostFailure::Database(_) => RETRY_TRANSIENT,
        };
        self.not_before.insert(channel_id, now + wait);
    }

    pub fn postpone(&mut self, channel_id: u64, until: DateTime<Utc>) {
        self.not_before.insert(channel_id, until);
    }

    pub fn succeeded(&mut self, channel_id: u64) {
        self.not_before.remove(&channel_id);
    }

    /// The earliest retry still ahead of `now`.
    pub fn earliest(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.not_before
            .values()
            .copied()
            .filter(|at| *at > now)
            .min()
    }
}

/// What the database says, as one pass sees it.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// Schedules not removed (paused ones included).
    pub schedules: Vec<Schedule>,
    /// Posts whose send, 💡, thread or shown reveal is missing.
    pub unfinished: Vec<DailyPost>,
    /// Sent posts whose timeout reveal is due.
    pub due_reveals: Vec<DailyPost>,
    /// Posts whose private answers are due to be shown.
    pub due_answers: Vec<DailyPost>,
}

/// The due work at `now`. Servers for which `present` is false (they removed the bot)
/// get nothing; channels the retry book holds back wait; every half-done post is
/// finished, and a channel with an unconfirmed claim gets no new post until it is
/// resolved.
pub fn plan(
    now: DateTime<Utc>,
    input: &PlanInput,
    retry: &RetryBook,
    present: impl Fn(u64) -> bool,
) -> Vec<Job> {
    let schedules: HashMap<u64, &Schedule> = input
        .schedules
        .iter()
        .filter(|s| present(s.guild_id))
        .map(|s| (s.channel_id, s))
        .collect();
    let mut jobs = Vec::new();
    // A claim not yet confirmed holds its channel: the next post must not be numbered
    // or picked before it is sent or released.
    let mut busy = HashSet::new();
    for post in &input.unfinished {
        let Some(schedule) = schedules.get(&post.channel_id) else {
            continue;
        };
        if post.message_id.is_none() {
            busy.insert(post.channel_id);
        }
        if !retry.allows(post.channel_id, now) {
            continue;
        }
        let (schedule, post) = ((*schedule).clone(), post.clone());
        let day_over = post.local_date != local_date(now, schedule.timezone);
        jobs.push(match post.message_id {
            None if day_over => Job::RecoverOrSkip { schedule, post },
            _ => Job::Finish { schedule, post },
        });
    }
    let mut due: Vec<&Schedule> = schedules
        .values()
        .copied()
        .filter(|s| !busy.contains(&s.channel_id) && retry.allows(s.channel_id, now))
        .collect();
    due.sort_by_key(|s| s.channel_id);
    jobs.extend(due.into_iter().filter_map(|schedule| {
        schedule.due_date(now).map(|date| Job::Post {
            schedule: schedule.clone(),
            date,
        })
    }));
    jobs.extend(
        input
            .due_reveals
            .iter()
            .filter(|post| present(post.guild_id))
            .map(|post| Job::Reveal(post.clone())),
    );
    jobs.extend(
        input
            .due_answers
            .iter()
            .filter(|post| present(post.guild_id))
            .map(|post| Job::RevealAnswers(post.clone())),
    );
    jobs
}

/// Takes the new posts out of `jobs` and holds their channels back until
/// `now + RETRY_TRANSIENT` (answers must be committed before the next question).
pub fn postpone_posts(jobs: &mut Vec<Job>, retry: &mut RetryBook, now: DateTime<Utc>) -> usize {
    let before = jobs.len();
    jobs.retain(|job| match job {
        Job::Post { schedule, .. } => {
            retry.postpone(schedule.channel_id, now + RETRY_TRANSIENT);
            false
        }
        _ => true,
    });
    before - jobs.len()
}

/// When the scheduler should look again: the next post, reveal or retry after `now`.
pub fn next_wake(
    now: DateTime<Utc>,
    schedules: &[Schedule],
    next_reveal: Option<DateTime<Utc>>,
    retry: &RetryBook,
    present: impl Fn(u64) -> bool,
) -> Option<DateTime<Utc>> {
    let next_post = schedules
        .iter()
        .filter(|s| present(s.guild_id))
        .filter_map(|s| s.upcoming_post(now).map(|(_, at)| at))
        .filter(|at| *at > now)
        .min();
    [
        next_post,
        next_reveal.filter(|at| *at > now),
        retry.earliest(now),
    ]
    .into_iter()
    .flatten()
    .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::daily_schedule::PostTime;

    const GUILD: u64 = 10;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// A 09:00 New York schedule set up on 2026-06-01 at midnight UTC.
    fn schedule(channel_id: u64) -> Schedule {
        Schedule {
            channel_id,
            guild_id: GUILD,
            post_time: PostTime::new(9, 0).unwrap(),
            timezone: chrono_tz::America::New_York,
            reveal_after_minutes: 240,
            reveal_reactions: 1,
            category: None,
            bank: None,
            paused: false,
            removed: false,
            active_since: at("2026-06-01T00:00:00Z"),
            rotation_seed: 7,
            rotation_pass: 1,
            alert: None,
            last_posted_date: None,
            refusals: None,
            private_answers: false,
        }
    }

    fn post(id: i64, channel_id: u64, local_date: &str, sent: bool) -> DailyPost {
        DailyPost {
            id,
            channel_id,
            guild_id: GUILD,
            local_date: date(local_date),
            seq: id,
            question_id: "q".into(),
            pass: 1,
            nonce: "n".into(),
            claimed_at: at("2026-06-01T13:00:00Z"),
            message_id: sent.then_some(1000 + id as u64),
            thread_id: None,
            reacted: false,
            reveal_reactions: 1,
            reveal_due_at: at("2026-06-01T17:00:00Z"),
            revealed_at: None,
            reveal_reason: None,
            reveal_shown: false,
            private_answers: false,
            answers_shown_at: None,
        }
    }

    fn input(schedules: Vec<Schedule>) -> PlanInput {
        PlanInput {
            schedules,
            ..PlanInput::default()
        }
    }

    fn everywhere(_: u64) -> bool {
        true
    }

    /// The plan at `now` for `schedules`, nothing unfinished, no retries pending.
    fn jobs_at(now: &str, schedules: Vec<Schedule>) -> Vec<Job> {
        plan(
            at(now),
            &input(schedules),
            &RetryBook::default(),
            everywhere,
        )
    }

    /// The post of `schedule(channel)` for `day`.
    fn post_job(channel: u64, day: &str) -> Job {
        Job::Post {
            schedule: schedule(channel),
            date: date(day),
        }
    }

    #[test]
    fn nothing_is_due_before_the_post_time() {
        let jobs = jobs_at("2026-06-01T12:59:00Z", vec![schedule(1)]);
        assert!(jobs.is_empty(), "{jobs:?}");
    }

    #[test]
    fn a_post_is_due_at_its_local_time() {
        let jobs = jobs_at("2026-06-01T13:00:00Z", vec![schedule(1)]);
        assert_eq!(jobs, [post_job(1, "2026-06-01")]);
    }

    #[test]
    fn a_post_missed_earlier_the_same_local_day_is_still_due_late() {
        // 23:30 in New York: the bot was down all day.
        let jobs = jobs_at("2026-06-02T03:30:00Z", vec![schedule(1)]);
        assert_eq!(jobs, [post_job(1, "2026-06-01")]);
    }

    #[test]
    fn a_day_that_ended_while_the_bot_was_down_is_skipped() {
        // 08:00 the next day in New York: yesterday is over, today not due yet.
        let jobs = jobs_at("2026-06-02T12:00:00Z", vec![schedule(1)]);
        assert!(jobs.is_empty(), "{jobs:?}");
    }

    #[test]
    fn a_date_that_has_its_post_is_not_due_again() {
        let mut posted = schedule(1);
        posted.last_posted_date = Some(date("2026-06-01"));
        let jobs = jobs_at("2026-06-01T15:00:00Z", vec![posted]);
        assert!(jobs.is_empty(), "{jobs:?}");
    }

    #[test]
    fn a_paused_schedule_posts_nothing() {
        let mut paused = schedule(1);
        paused.paused = true;
        let jobs = jobs_at("2026-06-01T13:00:00Z", vec![paused]);
        assert!(jobs.is_empty(), "{jobs:?}");
    }

    #[test]
    fn several_channels_each_get_their_own_post_and_a_removed_server_none() {
        let mut elsewhere = schedule(3);
        elsewhere.guild_id = 99;
        let mut berlin = schedule(2);
        berlin.timezone = chrono_tz::Europe::Berlin; // 09:00 Berlin is 07:00 UTC
        let schedules = vec![schedule(1), berlin.clone(), elsewhere];
        let jobs = plan(
            at("2026-06-01T13:00:00Z"),
            &input(schedules),
            &RetryBook::default(),
            |g| g == GUILD,
        );
        assert_eq!(
            jobs,
            [
                Job::Post {
                    schedule: schedule(1),
                    date: date("2026-06-01")
                },
                Job::Post {
                    schedule: berlin,
                    date: date("2026-06-01")
                },
            ]
        );
    }

    #[test]
    fn half_done_posts_are_finished_and_an_old_unsent_claim_is_recovered_or_skipped() {
        let now = at("2026-06-02T13:30:00Z");
        let mut posted_today = schedule(1);
        posted_today.last_posted_date = Some(date("2026-06-02"));
        let plan_input = PlanInput {
            schedules: vec![posted_today.clone(), schedule(2), schedule(3)],
            unfinished: vec![
                post(1, 1, "2026-06-02", true),  // sent today, thread missing
                post(2, 2, "2026-06-01", false), // claimed yesterday, never confirmed
                post(3, 3, "2026-06-02", false), // claimed today, never confirmed
            ],
            due_reveals: vec![],
            due_answers: vec![],
        };
        let jobs = plan(now, &plan_input, &RetryBook::default(), everywhere);
        assert_eq!(
            jobs,
            [
                Job::Finish {
                    schedule: posted_today,
                    post: post(1, 1, "2026-06-02", true)
                },
                Job::RecoverOrSkip {
                    schedule: schedule(2),
                    post: post(2, 2, "2026-06-01", false)
                },
                Job::Finish {
                    schedule: schedule(3),
                    post: post(3, 3, "2026-06-02", false)
                },
            ]
        );
    }

    #[test]
    fn every_half_done_post_of_a_channel_is_finished_and_only_an_unsent_claim_holds_the_next_post()
    {
        let now = at("2026-06-02T13:00:00Z");
        let mut revealed_not_shown = post(5, 1, "2026-05-31", true);
        revealed_not_shown.thread_id = Some(77);
        revealed_not_shown.reacted = true;
        let thread_missing = post(6, 1, "2026-06-01", true);
        let plan_input = PlanInput {
            unfinished: vec![revealed_not_shown.clone(), thread_missing.clone()],
            ..input(vec![schedule(1), schedule(2)])
        };
        let jobs = plan(now, &plan_input, &RetryBook::default(), everywhere);
        assert_eq!(
            jobs,
            [
                Job::Finish {
                    schedule: schedule(1),
                    post: revealed_not_shown
                },
                Job::Finish {
                    schedule: schedule(1),
                    post: thread_missing
                },
                post_job(1, "2026-06-02"),
                post_job(2, "2026-06-02"),
            ]
        );
        let unsent = PlanInput {
            unfinished: vec![post(7, 2, "2026-06-02", false)],
            ..input(vec![schedule(2)])
        };
        let jobs = plan(now, &unsent, &RetryBook::default(), everywhere);
        assert_eq!(
            jobs,
            [Job::Finish {
                schedule: schedule(2),
                post: post(7, 2, "2026-06-02", false)
            }]
        );
    }

    #[test]
    fn a_channel_that_failed_waits_for_its_retry_and_reveals_follow_the_posts() {
        let now = at("2026-06-01T13:00:00Z");
        let mut retry = RetryBook::default();
        retry.failed(
            1,
            &PostFailure::Refused("403".into()),
            now - TimeDelta::minutes(1),
        );
        let plan_input = PlanInput {
            due_reveals: vec![post(9, 2, "2026-05-31", true)],
            ..input(vec![schedule(1), schedule(2)])
        };
        let jobs = plan(now, &plan_input, &retry, everywhere);
        assert_eq!(
            jobs,
            [
                Job::Post {
                    schedule: schedule(2),
                    date: date("2026-06-01")
                },
                Job::Reveal(post(9, 2, "2026-05-31", true)),
            ]
        );
        let later = now + RETRY_REFUSED;
        assert!(
            plan(later, &plan_input, &retry, everywhere)
                .iter()
                .any(|j| j.channel_id() == 1)
        );
    }

    #[test]
    fn posts_held_back_for_uncommitted_answers_wait_for_a_transient_retry() {
        let now = at("2026-06-01T13:00:00Z");
        let mut retry = RetryBook::default();
        let mut jobs = plan(now, &input(vec![schedule(1)]), &retry, everywhere);
        jobs.push(Job::Reveal(post(9, 2, "2026-05-31", true)));
        assert_eq!(postpone_posts(&mut jobs, &mut retry, now), 1);
        assert_eq!(jobs.len(), 1, "the reveal stays");
        assert!(!retry.allows(1, now));
        assert_eq!(retry.earliest(now), Some(now + RETRY_TRANSIENT));
    }

    #[test]
    fn the_next_wake_is_the_earliest_post_reveal_or_retry() {
        let now = at("2026-06-01T12:00:00Z");
        let schedules = vec![schedule(1)];
        assert_eq!(
            next_wake(now, &schedules, None, &RetryBook::default(), everywhere),
            Some(at("2026-06-01T13:00:00Z"))
        );
        let reveal = Some(at("2026-06-01T12:30:00Z"));
        assert_eq!(
            next_wake(now, &schedules, reveal, &RetryBook::default(), everywhere),
            reveal
        );
        let mut retry = RetryBook::default();
        retry.postpone(5, at("2026-06-01T12:10:00Z"));
        assert_eq!(
            next_wake(now, &schedules, reveal, &retry, everywhere),
            Some(at("2026-06-01T12:10:00Z"))
        );
        assert_eq!(
            next_wake(now, &schedules, None, &RetryBook::default(), |_| false),
            None
        );
    }
}
