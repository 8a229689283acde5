//! Daily posts: claiming a date, confirming the send, rotation and hint reveal state.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::convert::{from_db_id, from_millis, to_db_id, to_millis};
use super::error::{StorageError, StorageResult};
use super::store::Store;
use sqlx::Row as _;

use super::answers::StreakRow;
use crate::core::hint_reveal::{RevealReason, RevealRule};
use crate::core::rotation::{Pick, RotationState, TOPIC_GAP};

/// How many of a channel's latest posts the rotation looks back on (topic spacing).
const RECENT_KEPT: i64 = TOPIC_GAP as i64 - 1;
use crate::core::streak_rules::{self, MemberStreak};

/// A daily question of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyPost {
    pub id: i64,
    pub channel_id: u64,
    pub guild_id: u64,
    pub local_date: NaiveDate,
    /// Number in the channel's series, from 1.
    pub seq: i64,
    pub question_id: String,
    pub pass: u32,
    /// Sent with the message (`enforce_nonce`) so a retried send cannot post twice.
    pub nonce: String,
    pub claimed_at: DateTime<Utc>,
    /// Set once Discord confirmed the message.
    pub message_id: Option<u64>,
    pub thread_id: Option<u64>,
    pub reacted: bool,
    pub reveal_reactions: u32,
    pub reveal_due_at: DateTime<Utc>,
    pub revealed_at: Option<DateTime<Utc>>,
    pub reveal_reason: Option<RevealReason>,
    /// The revealed hint is on the post and announced in the thread.
    pub reveal_shown: bool,
}

/// What the scheduler wants to post.
#[derive(Debug, Clone)]
pub struct NewDailyPost {
    pub channel_id: u64,
    pub local_date: NaiveDate,
    pub pick: Pick,
    pub nonce: String,
    pub reveal: RevealRule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The date is ours: send the message.
    Claimed(DailyPost),
    /// The date already has a post (claimed by an earlier run or a concurrent call).
    AlreadyPosted(DailyPost),
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    channel_id: i64,
    guild_id: i64,
    local_date: String,
    seq: i64,
    question_id: String,
    pass: i64,
    nonce: String,
    claimed_at: i64,
    message_id: Option<i64>,
    thread_id: Option<i64>,
    reacted: bool,
    reveal_reactions: i64,
    reveal_due_at: i64,
    revealed_at: Option<i64>,
    reveal_reason: Option<String>,
    reveal_shown: bool,
}

impl TryFrom<PostRow> for DailyPost {
    type Error = StorageError;

    fn try_from(row: PostRow) -> Result<Self, Self::Error> {
        let corrupt = |what: &str| StorageError::Corrupt(format!("daily post {}: {what}", row.id));
        Ok(DailyPost {
            id: row.id,
            channel_id: from_db_id(row.channel_id),
            guild_id: from_db_id(row.guild_id),
            local_date: row.local_date.parse().map_err(|_| corrupt("local_date"))?,
            seq: row.seq,
            question_id: row.question_id,
            pass: u32::try_from(row.pass).map_err(|_| corrupt("pass"))?,
            nonce: row.nonce,
            claimed_at: from_millis(row.claimed_at),
            message_id: row.message_id.map(from_db_id),
            thread_id: row.thread_id.map(from_db_id),
            reacted: row.reacted,
            reveal_reactions: u32::try_from(row.reveal_reactions)
                .map_err(|_| corrupt("reveal_reactions"))?,
            reveal_due_at: from_millis(row.reveal_due_at),
            revealed_at: row.revealed_at.map(from_millis),
            reveal_reason: row.reveal_reason.as_deref().and_then(RevealReason::parse),
            reveal_shown: row.reveal_shown,
        })
    }
}

macro_rules! select_post {
    () => {
        "SELECT id, channel_id, guild_id, local_date, seq, question_id, pass, nonce, claimed_at, \
         message_id, thread_id, reacted, reveal_reactions, reveal_due_at, revealed_at, \
         reveal_reason, reveal_shown FROM daily_posts"
    };
}

fn convert(rows: Vec<PostRow>) -> StorageResult<Vec<DailyPost>> {
    rows.into_iter().map(DailyPost::try_from).collect()
}

impl Store {
    /// Claims the channel's post for `local_date` before anything is sent.
    ///
    /// In one transaction: refuses a date that already has a post (the UNIQUE rule
    /// backs this up), numbers the post and advances the rotation pass. Streaks change
    /// only once Discord confirms the message ([`Store::confirm_post_sent`]).
    pub async fn claim_daily_post(
        &self,
        new: &NewDailyPost,
        now: DateTime<Utc>,
    ) -> StorageResult<ClaimOutcome> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let channel = to_db_id(new.channel_id);
        let date = new.local_date.to_string();
        const EXISTING: &str = concat!(select_post!(), " WHERE channel_id = ? AND local_date = ?");
        if let Some(row) = sqlx::query_as::<_, PostRow>(EXISTING)
            .bind(channel)
            .bind(&date)
            .fetch_optional(&mut *tx)
            .await?
        {
            return Ok(ClaimOutcome::AlreadyPosted(row.try_into()?));
        }
        let guild_id: i64 =
            sqlx::query_scalar("SELECT guild_id FROM schedules WHERE channel_id = ?")
                .bind(channel)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StorageError::Corrupt(format!("no schedule for channel {channel}"))
                })?;
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM daily_posts WHERE channel_id = ?",
        )
        .bind(channel)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO daily_posts (channel_id, guild_id, local_date, seq, question_id, pass, \
                 nonce, claimed_at, reveal_reactions, reveal_due_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(channel)
        .bind(guild_id)
        .bind(&date)
        .bind(seq)
        .bind(&new.pick.question_id)
        .bind(i64::from(new.pick.pass))
        .bind(&new.nonce)
        .bind(to_millis(now))
        .bind(i64::from(new.reveal.reactions_needed))
        .bind(to_millis(new.reveal.due_at(now)))
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE schedules SET rotation_pass = ? WHERE channel_id = ? AND rotation_pass < ?",
        )
        .bind(i64::from(new.pick.pass))
        .bind(channel)
        .bind(i64::from(new.pick.pass))
        .execute(&mut *tx)
        .await?;
        const CLAIMED: &str = concat!(select_post!(), " WHERE id = ?");
        let post = sqlx::query_as::<_, PostRow>(CLAIMED)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ClaimOutcome::Claimed(post.try_into()?))
    }

    /// Records the message Discord created for a claimed post: the question is now
    /// posted, so in the same transaction the channel's streaks it breaks are reset
    /// with `streak_rules::on_question_posted`.
    pub async fn confirm_post_sent(&self, post_id: i64, message_id: u64) -> StorageResult<()> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let confirmed = sqlx::query(
            "UPDATE daily_posts SET message_id = ? WHERE id = ? AND message_id IS NULL \
             RETURNING channel_id, seq",
        )
        .bind(to_db_id(message_id))
        .bind(post_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = confirmed {
            let (channel_id, seq): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            reset_broken_streaks(&mut tx, channel_id, seq).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a claim whose message Discord refused for good (no permission, channel
    /// gone): nothing was posted, so the day is skipped and breaks no streak.
    /// Returns false when the post was already sent (then it stays).
    pub async fn release_claim(&self, post_id: i64) -> StorageResult<bool> {
        let deleted = sqlx::query("DELETE FROM daily_posts WHERE id = ? AND message_id IS NULL")
            .bind(post_id)
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(deleted == 1)
    }

    pub async fn record_post_thread(&self, post_id: i64, thread_id: u64) -> StorageResult<()> {
        sqlx::query("UPDATE daily_posts SET thread_id = ? WHERE id = ?")
            .bind(to_db_id(thread_id))
            .bind(post_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn record_post_reacted(&self, post_id: i64) -> StorageResult<()> {
        sqlx::query("UPDATE daily_posts SET reacted = 1 WHERE id = ?")
            .bind(post_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Posts whose send was never confirmed (a crash between claim and send), whose
    /// reaction or thread is still missing, or whose claimed reveal was not shown: the
    /// work to finish after a restart or a failed call.
    pub async fn unfinished_posts(&self) -> StorageResult<Vec<DailyPost>> {
        const QUERY: &str = concat!(
            select_post!(),
            " WHERE message_id IS NULL OR thread_id IS NULL OR reacted = 0 \
               OR (revealed_at IS NOT NULL AND reveal_shown = 0) ORDER BY id"
        );
        convert(sqlx::query_as(QUERY).fetch_all(&self.pool).await?)
    }

    pub async fn daily_post(&self, post_id: i64) -> StorageResult<Option<DailyPost>> {
        const QUERY: &str = concat!(select_post!(), " WHERE id = ?");
        sqlx::query_as::<_, PostRow>(QUERY)
            .bind(post_id)
            .fetch_optional(&self.pool)
            .await?
            .map(DailyPost::try_from)
            .transpose()
    }

    pub async fn daily_post_on(
        &self,
        channel_id: u64,
        local_date: NaiveDate,
    ) -> StorageResult<Option<DailyPost>> {
        const QUERY: &str = concat!(select_post!(), " WHERE channel_id = ? AND local_date = ?");
        sqlx::query_as::<_, PostRow>(QUERY)
            .bind(to_db_id(channel_id))
            .bind(local_date.to_string())
            .fetch_optional(&self.pool)
            .await?
            .map(DailyPost::try_from)
            .transpose()
    }

    pub async fn latest_daily_post(&self, channel_id: u64) -> StorageResult<Option<DailyPost>> {
        const QUERY: &str = concat!(
            select_post!(),
            " WHERE channel_id = ? ORDER BY seq DESC LIMIT 1"
        );
        sqlx::query_as::<_, PostRow>(QUERY)
            .bind(to_db_id(channel_id))
            .fetch_optional(&self.pool)
            .await?
            .map(DailyPost::try_from)
            .transpose()
    }

    /// Every channel's latest sent daily post: the questions members can still answer.
    pub async fn latest_daily_posts(&self) -> StorageResult<Vec<DailyPost>> {
        const QUERY: &str = concat!(
            select_post!(),
            " p WHERE message_id IS NOT NULL AND seq = (SELECT MAX(seq) FROM daily_posts q \
               WHERE q.channel_id = p.channel_id AND q.message_id IS NOT NULL)"
        );
        convert(sqlx::query_as(QUERY).fetch_all(&self.pool).await?)
    }

    /// The channel's rotation: its pass and what was asked (or skipped) in it.
    pub async fn rotation_state(&self, channel_id: u64) -> StorageResult<RotationState> {
        let channel = to_db_id(channel_id);
        let pass: i64 =
            sqlx::query_scalar("SELECT rotation_pass FROM schedules WHERE channel_id = ?")
                .bind(channel)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(1);
        let asked: Vec<String> = sqlx::query_scalar(
            "SELECT question_id FROM daily_posts WHERE channel_id = ?1 AND pass = ?2 \
             UNION SELECT question_id FROM rotation_skips WHERE channel_id = ?1 AND pass = ?2",
        )
        .bind(channel)
        .bind(pass)
        .fetch_all(&self.pool)
        .await?;
        let recent: Vec<String> = sqlx::query_scalar(
            "SELECT question_id FROM daily_posts WHERE channel_id = ? ORDER BY seq DESC LIMIT ?",
        )
        .bind(channel)
        .bind(RECENT_KEPT)
        .fetch_all(&self.pool)
        .await?;
        Ok(RotationState {
            pass: u32::try_from(pass).unwrap_or(1),
            asked_in_pass: asked.into_iter().collect::<HashSet<_>>(),
            recent,
        })
    }

    /// The rotation of every schedule of a server, by channel: three indexed queries in
    /// one read transaction, whatever the number of channels (`/qotd status`).
    pub async fn guild_rotation_states(
        &self,
        guild_id: u64,
    ) -> StorageResult<HashMap<u64, RotationState>> {
        let guild = to_db_id(guild_id);
        let mut tx = self.pool.begin().await?;
        let passes: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT channel_id, rotation_pass FROM schedules WHERE guild_id = ? AND removed = 0",
        )
        .bind(guild)
        .fetch_all(&mut *tx)
        .await?;
        let asked: Vec<(i64, String)> = sqlx::query_as(
            "SELECT s.channel_id, p.question_id FROM schedules s JOIN daily_posts p \
                 ON p.channel_id = s.channel_id AND p.pass = s.rotation_pass \
             WHERE s.guild_id = ?1 AND s.removed = 0 \
             UNION SELECT s.channel_id, k.question_id FROM schedules s JOIN rotation_skips k \
                 ON k.channel_id = s.channel_id AND k.pass = s.rotation_pass \
             WHERE s.guild_id = ?1 AND s.removed = 0",
        )
        .bind(guild)
        .fetch_all(&mut *tx)
        .await?;
        let recent: Vec<(i64, String)> = sqlx::query_as(
            "SELECT p.channel_id, p.question_id FROM schedules s JOIN daily_posts p \
                 ON p.channel_id = s.channel_id \
             WHERE s.guild_id = ?1 AND s.removed = 0 AND p.seq IN ( \
                 SELECT q.seq FROM daily_posts q WHERE q.channel_id = s.channel_id \
                 ORDER BY q.seq DESC LIMIT ?2) \
             ORDER BY p.channel_id, p.seq DESC",
        )
        .bind(guild)
        .bind(RECENT_KEPT)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut states: HashMap<u64, RotationState> = passes
            .into_iter()
            .map(|(channel, pass)| {
                let pass = u32::try_from(pass).unwrap_or(1);
                let state = RotationState {
                    pass,
                    ..RotationState::default()
                };
                (from_db_id(channel), state)
            })
            .collect();
        for (channel, question) in asked {
            if let Some(state) = states.get_mut(&from_db_id(channel)) {
                state.asked_in_pass.insert(question);
            }
        }
        for (channel, question) in recent {
            if let Some(state) = states.get_mut(&from_db_id(channel)) {
                state.recent.push(question);
            }
        }
        Ok(states)
    }

    /// Marks `pick` as asked without posting it (`/qotd skip`).
    pub async fn record_skip(
        &self,
        channel_id: u64,
        pick: &Pick,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO rotation_skips (channel_id, pass, question_id, skipped_at) \
             VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(to_db_id(channel_id))
        .bind(i64::from(pick.pass))
        .bind(&pick.question_id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE schedules SET rotation_pass = ? WHERE channel_id = ? AND rotation_pass < ?",
        )
        .bind(i64::from(pick.pass))
        .bind(to_db_id(channel_id))
        .bind(i64::from(pick.pass))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a distinct 💡 reactor; returns the number of distinct reactors.
    pub async fn add_reveal_reactor(&self, post_id: i64, user_id: u64) -> StorageResult<u32> {
        sqlx::query(
            "INSERT INTO reveal_reactors (post_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(post_id)
        .bind(to_db_id(user_id))
        .execute(&self.writer)
        .await?;
        self.reveal_reactor_count(post_id).await
    }

    pub async fn remove_reveal_reactor(&self, post_id: i64, user_id: u64) -> StorageResult<u32> {
        sqlx::query("DELETE FROM reveal_reactors WHERE post_id = ? AND user_id = ?")
            .bind(post_id)
            .bind(to_db_id(user_id))
            .execute(&self.writer)
            .await?;
        self.reveal_reactor_count(post_id).await
    }

    pub async fn reveal_reactors(&self, post_id: i64) -> StorageResult<Vec<u64>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT user_id FROM reveal_reactors WHERE post_id = ?")
                .bind(post_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(ids.into_iter().map(from_db_id).collect())
    }

    async fn reveal_reactor_count(&self, post_id: i64) -> StorageResult<u32> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reveal_reactors WHERE post_id = ?")
                .bind(post_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Marks the hint revealed. True only for the one call that made the change, so the
    /// caller that gets true is the one that edits the message: a reveal happens once.
    pub async fn mark_revealed(
        &self,
        post_id: i64,
        reason: RevealReason,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let result = sqlx::query(
            "UPDATE daily_posts SET revealed_at = ?, reveal_reason = ? WHERE id = ? AND revealed_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(reason.as_str())
        .bind(post_id)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Records that the revealed hint is on the post and announced in its thread.
    pub async fn mark_reveal_shown(&self, post_id: i64) -> StorageResult<()> {
        sqlx::query("UPDATE daily_posts SET reveal_shown = 1 WHERE id = ?")
            .bind(post_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Sent posts whose timeout reveal is due at `now` and has not happened.
    pub async fn due_reveals(&self, now: DateTime<Utc>) -> StorageResult<Vec<DailyPost>> {
        const QUERY: &str = concat!(
            select_post!(),
            " WHERE revealed_at IS NULL AND reveal_due_at <= ? AND message_id IS NOT NULL ORDER BY reveal_due_at"
        );
        convert(
            sqlx::query_as(QUERY)
                .bind(to_millis(now))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Every pending timeout reveal still ahead of `now`, as (server, due): at most one
    /// per channel (its open question), for the scheduler's next wake-up.
    pub async fn upcoming_reveals(
        &self,
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<(u64, DateTime<Utc>)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT guild_id, reveal_due_at FROM daily_posts \
             WHERE revealed_at IS NULL AND reveal_due_at > ?",
        )
        .bind(to_millis(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(guild, due)| (from_db_id(guild), from_millis(due)))
            .collect())
    }
}

/// Applies `streak_rules::on_question_posted` to the channel's running streaks once
/// question `seq` is posted: one read, the rule in Rust, one write of what changed.
async fn reset_broken_streaks(
    conn: &mut sqlx::SqliteConnection,
    channel_id: i64,
    seq: i64,
) -> StorageResult<()> {
    let running: Vec<(i64, i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT user_id, current, best, total, unaided, last_answered_seq FROM member_streaks \
         WHERE channel_id = ? AND current > 0",
    )
    .bind(channel_id)
    .fetch_all(&mut *conn)
    .await?;
    let changed: Vec<[i64; 2]> = running
        .into_iter()
        .filter_map(
            |(user_id, current, best, total, unaided, last_answered_seq)| {
                let row = StreakRow {
                    current,
                    best,
                    total,
                    unaided,
                    last_answered_seq,
                };
                let before = MemberStreak::from(row);
                let after = streak_rules::on_question_posted(before, seq);
                (after != before).then_some([user_id, i64::from(after.current)])
            },
        )
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let changed =
        serde_json::to_string(&changed).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    sqlx::query(
        "UPDATE member_streaks SET current = c.current \
         FROM (SELECT value ->> 0 AS user_id, value ->> 1 AS current FROM json_each(?2)) AS c \
         WHERE member_streaks.channel_id = ?1 AND member_streaks.user_id = c.user_id",
    )
    .bind(channel_id)
    .bind(changed)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
