//! Channel schedules.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::convert::{from_db_id, from_millis};
use super::error::StorageError;
use super::error::StorageResult;
use crate::core::daily_schedule::{self, PostTime};
use crate::core::hint_reveal::RevealRule;
use crate::core::refusals::RefusalRun;
use crate::core::schedule_options::ScheduleOptions;

/// What an admin sets with `/qotd setup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSettings {
    pub channel_id: u64,
    pub guild_id: u64,
    pub post_time: PostTime,
    pub timezone: Tz,
    pub reveal_after_minutes: u32,
    pub reveal_reactions: u32,
    pub category: Option<String>,
    /// The bank's id (`None`: the default bank).
    pub bank: Option<String>,
    /// Private answers (SPEC §13).
    pub private_answers: bool,
}

impl ScheduleSettings {
    pub fn new(
        channel_id: u64,
        guild_id: u64,
        post_time: PostTime,
        timezone: Tz,
        options: ScheduleOptions,
    ) -> Self {
        Self {
            channel_id,
            guild_id,
            post_time,
            timezone,
            reveal_after_minutes: options.reveal_after_minutes,
            reveal_reactions: options.reveal_reactions,
            category: options.category,
            bank: options.bank,
            private_answers: options.private_answers,
        }
    }
}

/// A channel's schedule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub channel_id: u64,
    pub guild_id: u64,
    pub post_time: PostTime,
    pub timezone: Tz,
    pub reveal_after_minutes: u32,
    pub reveal_reactions: u32,
    pub category: Option<String>,
    /// The bank's id (`None`: the default bank).
    pub bank: Option<String>,
    pub paused: bool,
    pub removed: bool,
    pub active_since: DateTime<Utc>,
    pub rotation_seed: u64,
    pub rotation_pass: u32,
    pub alert: Option<String>,
    /// The local date of the channel's latest daily post, if any.
    pub last_posted_date: Option<NaiveDate>,
    /// The local days in a row on which Discord refused the channel's post.
    pub refusals: Option<RefusalRun>,
    /// Answers are given privately and revealed together (SPEC §13).
    pub private_answers: bool,
}

impl Schedule {
    pub fn reveal_rule(&self) -> RevealRule {
        RevealRule {
            reactions_needed: self.reveal_reactions,
            reveal_after: TimeDelta::minutes(i64::from(self.reveal_after_minutes)),
        }
    }

    /// The settings `/qotd setup` merges new options into.
    pub fn options(&self) -> ScheduleOptions {
        ScheduleOptions {
            reveal_after_minutes: self.reveal_after_minutes,
            reveal_reactions: self.reveal_reactions,
            category: self.category.clone(),
            bank: self.bank.clone(),
            private_answers: self.private_answers,
        }
    }

    /// Whether the schedule posts at all (not paused, not removed).
    pub fn is_running(&self) -> bool {
        !self.paused && !self.removed
    }

    /// The local date whose post is due at `now` and not yet made, if any.
    pub fn due_date(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        if !self.is_running() {
            return None;
        }
        daily_schedule::due_date(now, self.post_time, self.timezone, self.active_since)
            .filter(|&date| self.last_posted_date.is_none_or(|last| last < date))
    }

    /// The next post (date and instant) as of `now`; `None` when not running.
    pub fn upcoming_post(&self, now: DateTime<Utc>) -> Option<(NaiveDate, DateTime<Utc>)> {
        self.is_running().then(|| {
            daily_schedule::upcoming_post(
                now,
                self.post_time,
                self.timezone,
                self.active_since,
                self.last_posted_date,
            )
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ScheduleRow {
    channel_id: i64,
    guild_id: i64,
    post_time: String,
    timezone: String,
    reveal_after_minutes: i64,
    reveal_reactions: i64,
    category: Option<String>,
    bank: Option<String>,
    paused: bool,
    removed: bool,
    active_since: i64,
    rotation_seed: i64,
    rotation_pass: i64,
    alert: Option<String>,
    last_posted_date: Option<String>,
    refused_first: Option<String>,
    refused_last: Option<String>,
    private_answers: bool,
}

impl TryFrom<ScheduleRow> for Schedule {
    type Error = StorageError;

    fn try_from(row: ScheduleRow) -> Result<Self, Self::Error> {
        let corrupt = |what: &str| {
            StorageError::Corrupt(format!("schedule of channel {}: {what}", row.channel_id))
        };
        Ok(Schedule {
            channel_id: from_db_id(row.channel_id),
            guild_id: from_db_id(row.guild_id),
            post_time: row.post_time.parse().map_err(|_| corrupt("post_time"))?,
            timezone: row.timezone.parse().map_err(|_| corrupt("timezone"))?,
            reveal_after_minutes: u32::try_from(row.reveal_after_minutes)
                .map_err(|_| corrupt("reveal_after_minutes"))?,
            reveal_reactions: u32::try_from(row.reveal_reactions)
                .map_err(|_| corrupt("reveal_reactions"))?,
            category: row.category.clone(),
            bank: row.bank.clone(),
            paused: row.paused,
            removed: row.removed,
            active_since: from_millis(row.active_since),
            rotation_seed: row.rotation_seed as u64,
            rotation_pass: u32::try_from(row.rotation_pass)
                .map_err(|_| corrupt("rotation_pass"))?,
            alert: row.alert.clone(),
            last_posted_date: row
                .last_posted_date
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|_| corrupt("last posted date"))?,
            refusals: match (row.refused_first.as_deref(), row.refused_last.as_deref()) {
                (Some(first), Some(last)) => Some(RefusalRun {
                    first: first.parse().map_err(|_| corrupt("refused_first"))?,
                    last: last.parse().map_err(|_| corrupt("refused_last"))?,
                }),
                _ => None,
            },
            private_answers: row.private_answers,
        })
    }
}

/// The schedule columns plus the channel's last posted date (a literal, for `concat!`).
pub(super) const SELECT_SCHEDULE: &str = "SELECT s.channel_id, s.guild_id, s.post_time, s.timezone, \
     s.reveal_after_minutes, s.reveal_reactions, s.category, s.bank, s.paused, s.removed, \
     s.active_since, s.rotation_seed, s.rotation_pass, s.alert, s.refused_first, s.refused_last, \
     s.private_answers, \
     (SELECT local_date FROM daily_posts p WHERE p.channel_id = s.channel_id \
      ORDER BY p.seq DESC LIMIT 1) AS last_posted_date \
     FROM schedules s";

/// Channel schedules: what `/qotd setup`, pause, resume and remove change, and what the scheduler reads.
#[async_trait::async_trait]
pub trait Schedules: Send + Sync {
    /// Creates or updates a channel's schedule (and re-activates a removed one).
    ///
    /// `active_since` becomes `now`: a post time that already passed today is not owed,
    /// so the next post is the next occurrence of the (new) time.
    async fn upsert_schedule(
        &self,
        settings: &ScheduleSettings,
        now: DateTime<Utc>,
    ) -> StorageResult<Schedule>;
    async fn schedule(&self, channel_id: u64) -> StorageResult<Option<Schedule>>;
    /// The server's schedules that were not removed, by channel id.
    async fn guild_schedules(&self, guild_id: u64) -> StorageResult<Vec<Schedule>>;
    /// Every schedule of every server that was not removed (paused ones included).
    async fn all_schedules(&self) -> StorageResult<Vec<Schedule>>;
    /// Pauses or resumes; resuming owes no post time that passed while paused.
    /// Returns false when the channel has no (unremoved) schedule.
    async fn set_paused(
        &self,
        channel_id: u64,
        paused: bool,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Stops a schedule, keeping its history. Returns false when there was none.
    async fn remove_schedule(&self, channel_id: u64, now: DateTime<Utc>) -> StorageResult<bool>;
    /// Records the problem that keeps a channel from posting (shown by `/qotd status`).
    async fn set_schedule_alert(
        &self,
        channel_id: u64,
        alert: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
    async fn clear_schedule_alert(&self, channel_id: u64) -> StorageResult<()>;
    /// Records the run of local days on which Discord refused the channel's post and,
    /// when `pause`, pauses its schedule (SPEC §12), in one statement.
    async fn record_refusals(
        &self,
        channel_id: u64,
        run: RefusalRun,
        pause: bool,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;

    /// The schedule of `channel_id` if the channel is one of server `guild_id`'s: the
    /// one lookup for "is this channel a daily channel of this server" (a channel id
    /// from a member is hostile: it may be another server's). A removed schedule is
    /// returned too, with `removed` set, for the callers that restore or show history.
    async fn schedule_in(&self, guild_id: u64, channel_id: u64) -> StorageResult<Option<Schedule>> {
        Ok(self
            .schedule(channel_id)
            .await?
            .filter(|schedule| schedule.guild_id == guild_id))
    }
}
