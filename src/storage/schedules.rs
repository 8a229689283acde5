//! Channel schedules.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::convert::{from_db_id, from_millis, to_db_id, to_millis};
use super::error::{StorageError, StorageResult};
use super::store::Store;
use crate::core::daily_schedule::{self, PostTime};
use crate::core::hint_reveal::RevealRule;
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
    pub paused: bool,
    pub removed: bool,
    pub active_since: DateTime<Utc>,
    pub rotation_seed: u64,
    pub rotation_pass: u32,
    pub alert: Option<String>,
    /// The local date of the channel's latest daily post, if any.
    pub last_posted_date: Option<NaiveDate>,
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
struct ScheduleRow {
    channel_id: i64,
    guild_id: i64,
    post_time: String,
    timezone: String,
    reveal_after_minutes: i64,
    reveal_reactions: i64,
    category: Option<String>,
    paused: bool,
    removed: bool,
    active_since: i64,
    rotation_seed: i64,
    rotation_pass: i64,
    alert: Option<String>,
    last_posted_date: Option<String>,
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
        })
    }
}

/// The schedule columns plus the channel's last posted date (a literal, for `concat!`).
macro_rules! select_schedule {
    () => {
        "SELECT s.channel_id, s.guild_id, s.post_time, s.timezone, \
     s.reveal_after_minutes, s.reveal_reactions, s.category, s.paused, s.removed, \
     s.active_since, s.rotation_seed, s.rotation_pass, s.alert, \
     (SELECT local_date FROM daily_posts p WHERE p.channel_id = s.channel_id \
      ORDER BY p.seq DESC LIMIT 1) AS last_posted_date \
     FROM schedules s"
    };
}

impl Store {
    /// Creates or updates a channel's schedule (and re-activates a removed one).
    ///
    /// `active_since` becomes `now`: a post time that already passed today is not owed,
    /// so the next post is the next occurrence of the (new) time.
    pub async fn upsert_schedule(
        &self,
        settings: &ScheduleSettings,
        now: DateTime<Utc>,
    ) -> StorageResult<Schedule> {
        let seed: i64 = rand::random();
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let was_removed: Option<bool> = sqlx::query_scalar(
            "SELECT removed FROM schedules WHERE channel_id = ? AND guild_id = ?",
        )
        .bind(to_db_id(settings.channel_id))
        .bind(to_db_id(settings.guild_id))
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO schedules (channel_id, guild_id, post_time, timezone, reveal_after_minutes, \
                 reveal_reactions, category, paused, removed, active_since, rotation_seed, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 0, ?8, ?9, ?8) \
             ON CONFLICT (channel_id) DO UPDATE SET \
                 post_time = excluded.post_time, timezone = excluded.timezone, \
                 reveal_after_minutes = excluded.reveal_after_minutes, \
                 reveal_reactions = excluded.reveal_reactions, category = excluded.category, \
                 removed = 0, active_since = excluded.active_since, updated_at = excluded.updated_at \
             WHERE schedules.guild_id = excluded.guild_id",
        )
        .bind(to_db_id(settings.channel_id))
        .bind(to_db_id(settings.guild_id))
        .bind(settings.post_time.to_string())
        .bind(settings.timezone.name())
        .bind(i64::from(settings.reveal_after_minutes))
        .bind(i64::from(settings.reveal_reactions))
        .bind(settings.category.as_deref())
        .bind(to_millis(now))
        .bind(seed)
        .execute(&mut *tx)
        .await?;
        if was_removed == Some(true) {
            adjust_totals(&mut tx, settings.channel_id, 1).await?;
        }
        tx.commit().await?;
        self.schedule(settings.channel_id)
            .await?
            .filter(|s| s.guild_id == settings.guild_id)
            .ok_or_else(|| StorageError::Corrupt("channel is scheduled by another server".into()))
    }

    pub async fn schedule(&self, channel_id: u64) -> StorageResult<Option<Schedule>> {
        const QUERY: &str = concat!(select_schedule!(), " WHERE s.channel_id = ?");
        sqlx::query_as::<_, ScheduleRow>(QUERY)
            .bind(to_db_id(channel_id))
            .fetch_optional(&self.pool)
            .await?
            .map(Schedule::try_from)
            .transpose()
    }

    /// The server's schedules that were not removed, by channel id.
    pub async fn guild_schedules(&self, guild_id: u64) -> StorageResult<Vec<Schedule>> {
        const QUERY: &str = concat!(
            select_schedule!(),
            " WHERE s.guild_id = ? AND s.removed = 0 ORDER BY s.channel_id"
        );
        sqlx::query_as::<_, ScheduleRow>(QUERY)
            .bind(to_db_id(guild_id))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Schedule::try_from)
            .collect()
    }

    /// Every schedule of every server that was not removed (paused ones included).
    pub async fn all_schedules(&self) -> StorageResult<Vec<Schedule>> {
        const QUERY: &str = concat!(select_schedule!(), " WHERE s.removed = 0");
        sqlx::query_as::<_, ScheduleRow>(QUERY)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Schedule::try_from)
            .collect()
    }

    /// Pauses or resumes; resuming owes no post time that passed while paused.
    /// Returns false when the channel has no (unremoved) schedule.
    pub async fn set_paused(
        &self,
        channel_id: u64,
        paused: bool,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let result = sqlx::query(
            "UPDATE schedules SET paused = ?2, updated_at = ?3, \
                 active_since = CASE WHEN ?2 = 0 AND paused = 1 THEN ?3 ELSE active_since END \
             WHERE channel_id = ?1 AND removed = 0",
        )
        .bind(to_db_id(channel_id))
        .bind(paused)
        .bind(to_millis(now))
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Stops a schedule, keeping its history. Returns false when there was none.
    pub async fn remove_schedule(
        &self,
        channel_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let result = sqlx::query(
            "UPDATE schedules SET removed = 1, alert = NULL, updated_at = ?2 \
             WHERE channel_id = ?1 AND removed = 0",
        )
        .bind(to_db_id(channel_id))
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() == 1 {
            adjust_totals(&mut tx, channel_id, -1).await?;
        }
        tx.commit().await?;
        Ok(result.rows_affected() == 1)
    }

    /// Records the problem that keeps a channel from posting (shown by `/qotd status`).
    pub async fn set_schedule_alert(
        &self,
        channel_id: u64,
        alert: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE schedules SET alert = ?2, alert_at = ?3 WHERE channel_id = ?1")
            .bind(to_db_id(channel_id))
            .bind(alert)
            .bind(to_millis(now))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn clear_schedule_alert(&self, channel_id: u64) -> StorageResult<()> {
        sqlx::query(
            "UPDATE schedules SET alert = NULL, alert_at = NULL WHERE channel_id = ? AND alert IS NOT NULL",
        )
        .bind(to_db_id(channel_id))
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

/// Adds (`sign` 1) or subtracts (-1) a channel's streaks to its members' server totals.
async fn adjust_totals(
    conn: &mut sqlx::SqliteConnection,
    channel_id: u64,
    sign: i64,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO member_totals (guild_id, user_id, current, best, total) \
         SELECT guild_id, user_id, ?2 * current, ?2 * best, ?2 * total FROM member_streaks \
         WHERE channel_id = ?1 AND true \
         ON CONFLICT (guild_id, user_id) DO UPDATE SET current = current + excluded.current, \
             best = best + excluded.best, total = total + excluded.total",
    )
    .bind(to_db_id(channel_id))
    .bind(sign)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
