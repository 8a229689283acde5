//! Daily posts: claiming a date, confirming the send, rotation and hint reveal state.

use const_format::concatcp;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sqlx::Row as _;

use sqlx::{ColumnIndex, Executor, IntoArguments};

use sqlx::{Encode, Type};

use crate::core::hint_reveal::RevealReason;
use crate::core::question_stats::PostRecord;
use crate::core::rotation::{Pick, RotationState};
use crate::core::streak_rules::{self, MemberStreak, StoredStreak};
use crate::storage::answers::{STREAK_COLUMNS, StreakRow};
use crate::storage::convert::{from_db_id, from_millis, to_db_id, to_millis};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Lock, Row, Value};
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::posts::{
    ClaimOutcome, DailyPost, NewDailyPost, PostRow, RECENT_KEPT, SELECT_POST, convert,
};
use crate::storage::queries::answers::before_json;

#[async_trait::async_trait]
impl<E> crate::storage::posts::Posts for E
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    /// Every daily post of a channel with its answer counts and its reveal: what
    /// `/qotd stats` reads. The counts follow the answers by trigger
    /// (`post_answer_counts`): one row per post, never the answers themselves.
    async fn post_records(&self, channel_id: u64) -> StorageResult<Vec<PostRecord>> {
        type Row = (
            String,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT p.question_id, c.answers, c.unaided, p.reveal_reason, \
                 p.revealed_at - p.claimed_at \
             FROM daily_posts p LEFT JOIN post_answer_counts c ON c.post_id = p.id \
             WHERE p.channel_id = $1 AND p.message_id IS NOT NULL ORDER BY p.seq",
        )
        .bind(to_db_id(channel_id))
        .fetch_all(self.reader())
        .await?;
        let count = |n: Option<i64>| u32::try_from(n.unwrap_or(0)).unwrap_or(0);
        Ok(rows
            .into_iter()
            .map(
                |(question_id, answers, unaided, reason, after)| PostRecord {
                    question_id,
                    answers: count(answers),
                    unaided: count(unaided),
                    reveal: reason
                        .as_deref()
                        .and_then(RevealReason::parse)
                        .zip(after.map(TimeDelta::milliseconds)),
                },
            )
            .collect())
    }

    async fn claim_daily_post(
        &self,
        new: &NewDailyPost,
        now: DateTime<Utc>,
    ) -> StorageResult<ClaimOutcome> {
        // The channel's posts: one claim per local date, the next number in its series.
        let mut tx = self.begin_write(&[Lock::Channel(new.channel_id)]).await?;
        let channel = to_db_id(new.channel_id);
        let date = new.local_date.to_string();
        const EXISTING: &str = concatcp!(SELECT_POST, " WHERE channel_id = $1 AND local_date = $2");
        if let Some(row) = sqlx::query_as::<_, PostRow>(EXISTING)
            .bind(channel)
            .bind(&date)
            .fetch_optional(&mut *tx)
            .await?
        {
            return Ok(ClaimOutcome::AlreadyPosted(row.try_into()?));
        }
        let guild_id: i64 =
            sqlx::query_scalar("SELECT guild_id FROM schedules WHERE channel_id = $1")
                .bind(channel)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StorageError::Corrupt(format!("no schedule for channel {channel}"))
                })?;
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM daily_posts WHERE channel_id = $1",
        )
        .bind(channel)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO daily_posts (channel_id, guild_id, local_date, seq, question_id, pass, \
                 nonce, claimed_at, reveal_reactions, reveal_due_at, private_answers) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                 (SELECT private_answers FROM schedules WHERE channel_id = $1)) RETURNING id",
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
            "UPDATE schedules SET rotation_pass = $1 WHERE channel_id = $2 AND rotation_pass < $3",
        )
        .bind(i64::from(new.pick.pass))
        .bind(channel)
        .bind(i64::from(new.pick.pass))
        .execute(&mut *tx)
        .await?;
        const CLAIMED: &str = concatcp!(SELECT_POST, " WHERE id = $1");
        let post = sqlx::query_as::<_, PostRow>(CLAIMED)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ClaimOutcome::Claimed(post.try_into()?))
    }

    async fn confirm_post_sent(&self, post_id: i64, message_id: u64) -> StorageResult<()> {
        // The channel's streaks and the server's totals: the post closes the previous
        // question for each of them once, and no answer of the channel is recorded in
        // between.
        let locks = self.locks_of_posts(&[post_id]).await?;
        let mut tx = self.begin_write(&locks).await?;
        let confirmed = sqlx::query(
            "UPDATE daily_posts SET message_id = $1 WHERE id = $2 AND message_id IS NULL \
             RETURNING channel_id, seq",
        )
        .bind(to_db_id(message_id))
        .bind(post_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = confirmed {
            let (channel_id, seq): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            reset_broken_streaks::<E>(&mut tx, channel_id, seq).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn release_claim(&self, post_id: i64) -> StorageResult<bool> {
        let deleted = E::rows_affected(
            &sqlx::query("DELETE FROM daily_posts WHERE id = $1 AND message_id IS NULL")
                .bind(post_id)
                .execute(self.writer())
                .await?,
        );
        Ok(deleted == 1)
    }

    async fn record_post_thread(&self, post_id: i64, thread_id: u64) -> StorageResult<()> {
        sqlx::query("UPDATE daily_posts SET thread_id = $1 WHERE id = $2")
            .bind(to_db_id(thread_id))
            .bind(post_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn record_post_reacted(&self, post_id: i64) -> StorageResult<()> {
        sqlx::query("UPDATE daily_posts SET reacted = TRUE WHERE id = $1")
            .bind(post_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn unfinished_posts(&self) -> StorageResult<Vec<DailyPost>> {
        convert(
            sqlx::query_as(E::UNFINISHED_POSTS)
                .fetch_all(self.reader())
                .await?,
        )
    }

    async fn daily_post(&self, post_id: i64) -> StorageResult<Option<DailyPost>> {
        const QUERY: &str = concatcp!(SELECT_POST, " WHERE id = $1");
        sqlx::query_as::<_, PostRow>(QUERY)
            .bind(post_id)
            .fetch_optional(self.reader())
            .await?
            .map(DailyPost::try_from)
            .transpose()
    }

    async fn daily_post_on(
        &self,
        channel_id: u64,
        local_date: NaiveDate,
    ) -> StorageResult<Option<DailyPost>> {
        const QUERY: &str = concatcp!(SELECT_POST, " WHERE channel_id = $1 AND local_date = $2");
        sqlx::query_as::<_, PostRow>(QUERY)
            .bind(to_db_id(channel_id))
            .bind(local_date.to_string())
            .fetch_optional(self.reader())
            .await?
            .map(DailyPost::try_from)
            .transpose()
    }

    async fn latest_daily_post(&self, channel_id: u64) -> StorageResult<Option<DailyPost>> {
        const QUERY: &str = concatcp!(
            SELECT_POST,
            " WHERE channel_id = $1 ORDER BY seq DESC LIMIT 1"
        );
        sqlx::query_as::<_, PostRow>(QUERY)
            .bind(to_db_id(channel_id))
            .fetch_optional(self.reader())
            .await?
            .map(DailyPost::try_from)
            .transpose()
    }

    async fn latest_daily_posts(&self) -> StorageResult<Vec<DailyPost>> {
        const QUERY: &str = concatcp!(
            SELECT_POST,
            " p WHERE message_id IS NOT NULL AND seq = (SELECT MAX(seq) FROM daily_posts q \
               WHERE q.channel_id = p.channel_id AND q.message_id IS NOT NULL)"
        );
        convert(sqlx::query_as(QUERY).fetch_all(self.reader()).await?)
    }

    async fn rotation_state(&self, channel_id: u64) -> StorageResult<RotationState> {
        let channel = to_db_id(channel_id);
        let pass: i64 =
            sqlx::query_scalar("SELECT rotation_pass FROM schedules WHERE channel_id = $1")
                .bind(channel)
                .fetch_optional(self.reader())
                .await?
                .unwrap_or(1);
        let asked: Vec<String> = sqlx::query_scalar(
            "SELECT question_id FROM daily_posts WHERE channel_id = $1 AND pass = $2 \
             UNION SELECT question_id FROM rotation_skips WHERE channel_id = $1 AND pass = $2",
        )
        .bind(channel)
        .bind(pass)
        .fetch_all(self.reader())
        .await?;
        let recent: Vec<String> = sqlx::query_scalar(
            "SELECT question_id FROM daily_posts WHERE channel_id = $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(channel)
        .bind(RECENT_KEPT)
        .fetch_all(self.reader())
        .await?;
        Ok(RotationState {
            pass: u32::try_from(pass).unwrap_or(1),
            asked_in_pass: asked.into_iter().collect::<HashSet<_>>(),
            recent,
        })
    }

    async fn guild_rotation_states(
        &self,
        guild_id: u64,
    ) -> StorageResult<HashMap<u64, RotationState>> {
        let guild = to_db_id(guild_id);
        let mut tx = self.reader().begin().await?;
        let passes: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT channel_id, rotation_pass FROM schedules WHERE guild_id = $1 AND removed = FALSE",
        )
        .bind(guild)
        .fetch_all(&mut *tx)
        .await?;
        let asked: Vec<(i64, String)> = sqlx::query_as(
            "SELECT s.channel_id, p.question_id FROM schedules s JOIN daily_posts p \
                 ON p.channel_id = s.channel_id AND p.pass = s.rotation_pass \
             WHERE s.guild_id = $1 AND s.removed = FALSE \
             UNION SELECT s.channel_id, k.question_id FROM schedules s JOIN rotation_skips k \
                 ON k.channel_id = s.channel_id AND k.pass = s.rotation_pass \
             WHERE s.guild_id = $1 AND s.removed = FALSE",
        )
        .bind(guild)
        .fetch_all(&mut *tx)
        .await?;
        let recent: Vec<(i64, String)> = sqlx::query_as(
            "SELECT p.channel_id, p.question_id FROM schedules s JOIN daily_posts p \
                 ON p.channel_id = s.channel_id \
             WHERE s.guild_id = $1 AND s.removed = FALSE AND p.seq IN ( \
                 SELECT q.seq FROM daily_posts q WHERE q.channel_id = s.channel_id \
                 ORDER BY q.seq DESC LIMIT $2) \
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

    async fn record_skip(
        &self,
        channel_id: u64,
        pick: &Pick,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        // The channel's rotation: a skip recorded once in its pass.
        let mut tx = self.begin_write(&[Lock::Channel(channel_id)]).await?;
        sqlx::query(
            "INSERT INTO rotation_skips (channel_id, pass, question_id, skipped_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(to_db_id(channel_id))
        .bind(i64::from(pick.pass))
        .bind(&pick.question_id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE schedules SET rotation_pass = $1 WHERE channel_id = $2 AND rotation_pass < $3",
        )
        .bind(i64::from(pick.pass))
        .bind(to_db_id(channel_id))
        .bind(i64::from(pick.pass))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_reveal_reactor(&self, post_id: i64, user_id: u64) -> StorageResult<u32> {
        sqlx::query(
            "INSERT INTO reveal_reactors (post_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(post_id)
        .bind(to_db_id(user_id))
        .execute(self.writer())
        .await?;
        reveal_reactor_count(self, post_id).await
    }

    async fn remove_reveal_reactor(&self, post_id: i64, user_id: u64) -> StorageResult<u32> {
        sqlx::query("DELETE FROM reveal_reactors WHERE post_id = $1 AND user_id = $2")
            .bind(post_id)
            .bind(to_db_id(user_id))
            .execute(self.writer())
            .await?;
        reveal_reactor_count(self, post_id).await
    }

    async fn reveal_reactors(&self, post_id: i64) -> StorageResult<Vec<u64>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT user_id FROM reveal_reactors WHERE post_id = $1")
                .bind(post_id)
                .fetch_all(self.reader())
                .await?;
        Ok(ids.into_iter().map(from_db_id).collect())
    }

    async fn mark_revealed(
        &self,
        post_id: i64,
        reason: RevealReason,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let result = sqlx::query(
            "UPDATE daily_posts SET revealed_at = $1, reveal_reason = $2 WHERE id = $3 AND revealed_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(reason.as_str())
        .bind(post_id)
        .execute(self.writer())
        .await?;
        Ok(E::rows_affected(&result) == 1)
    }

    async fn take_reveal_show(
        &self,
        post_id: i64,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let result = sqlx::query(
            "UPDATE daily_posts SET reveal_show_taken_at = $1 \
             WHERE id = $2 AND revealed_at IS NOT NULL AND reveal_shown = FALSE \
                 AND (reveal_show_taken_at IS NULL OR reveal_show_taken_at < $3)",
        )
        .bind(to_millis(now))
        .bind(post_id)
        .bind(to_millis(stale_before))
        .execute(self.writer())
        .await?;
        Ok(E::rows_affected(&result) == 1)
    }

    async fn give_back_reveal_show(&self, post_id: i64) -> StorageResult<()> {
        sqlx::query("UPDATE daily_posts SET reveal_show_taken_at = NULL WHERE id = $1")
            .bind(post_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn mark_reveal_shown(&self, post_id: i64) -> StorageResult<()> {
        sqlx::query("UPDATE daily_posts SET reveal_shown = TRUE WHERE id = $1")
            .bind(post_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn due_reveals(&self, now: DateTime<Utc>) -> StorageResult<Vec<DailyPost>> {
        const QUERY: &str = concatcp!(
            SELECT_POST,
            " WHERE revealed_at IS NULL AND reveal_due_at <= $1 AND message_id IS NOT NULL ORDER BY reveal_due_at"
        );
        convert(
            sqlx::query_as(QUERY)
                .bind(to_millis(now))
                .fetch_all(self.reader())
                .await?,
        )
    }

    async fn upcoming_reveals(
        &self,
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<(u64, DateTime<Utc>)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT guild_id, reveal_due_at FROM daily_posts WHERE reveal_due_at > $1 \
             AND (revealed_at IS NULL OR (private_answers = TRUE AND answers_shown_at IS NULL))",
        )
        .bind(to_millis(now))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(guild, due)| (from_db_id(guild), from_millis(due)))
            .collect())
    }
}

/// Applies `streak_rules::on_question_posted` to the channel's running streaks once
/// question `seq` is posted: one read, the rule in Rust, one write of what changed.
async fn reset_broken_streaks<E>(conn: &mut Conn<E>, channel_id: i64, seq: i64) -> StorageResult<()>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    #[derive(sqlx::FromRow)]
    struct Running {
        user_id: i64,
        #[sqlx(flatten)]
        streak: StreakRow,
    }
    const RUNNING: &str = concatcp!(
        "SELECT user_id, ",
        STREAK_COLUMNS,
        " FROM member_streaks WHERE channel_id = $1 AND current > 0"
    );
    let running: Vec<Running> = sqlx::query_as(RUNNING)
        .bind(channel_id)
        .fetch_all(&mut *conn)
        .await?;
    // (user, current, freezes, last kept, last freeze, the streak before) of each
    // streak that changed.
    type Changed = (i64, i64, i64, Option<i64>, Option<i64>, Option<String>);
    let changed: Vec<Changed> = running
        .into_iter()
        .filter_map(|row| {
            let before = StoredStreak::from(MemberStreak::from(row.streak));
            let after = streak_rules::after_post(before, seq);
            let streak = after.streak;
            (after != before).then(|| {
                (
                    row.user_id,
                    i64::from(streak.current),
                    i64::from(streak.freezes),
                    streak.last_kept_seq,
                    streak.last_freeze_seq,
                    before_json(&after),
                )
            })
        })
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let changed =
        serde_json::to_string(&changed).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    sqlx::query(E::UPDATE_CHANGED_STREAKS)
        .bind(channel_id)
        .bind(&changed)
        .execute(&mut *conn)
        .await?;
    // Each freeze spent now bridged the question before `seq`.
    sqlx::query(E::INSERT_SPENT_FREEZES)
        .bind(channel_id)
        .bind(&changed)
        .bind(seq - 1)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn reveal_reactor_count<E>(engine: &E, post_id: i64) -> StorageResult<u32>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reveal_reactors WHERE post_id = $1")
        .bind(post_id)
        .fetch_one(engine.reader())
        .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}
