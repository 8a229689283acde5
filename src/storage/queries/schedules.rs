//! Channel schedules: the queries.

use chrono::{DateTime, Utc};
use const_format::concatcp;

use sqlx::{ColumnIndex, Executor, IntoArguments};

use sqlx::{Encode, Type};

use crate::core::refusals::RefusalRun;
use crate::storage::convert::{to_db_id, to_millis};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Lock, Row, Value};
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::schedules::{SELECT_SCHEDULE, Schedule, ScheduleRow, ScheduleSettings};

#[async_trait::async_trait]
impl<E> crate::storage::schedules::Schedules for E
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
    async fn upsert_schedule(
        &self,
        settings: &ScheduleSettings,
        now: DateTime<Utc>,
    ) -> StorageResult<Schedule> {
        let seed: i64 = rand::random();
        // The channel's schedule, and the server's totals its streaks join again.
        let locks = [
            Lock::Guild(settings.guild_id),
            Lock::Channel(settings.channel_id),
        ];
        let mut tx = self.begin_write(&locks).await?;
        let was_removed: Option<bool> = sqlx::query_scalar(
            "SELECT removed FROM schedules WHERE channel_id = $1 AND guild_id = $2",
        )
        .bind(to_db_id(settings.channel_id))
        .bind(to_db_id(settings.guild_id))
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO schedules (channel_id, guild_id, post_time, timezone, reveal_after_minutes, \
                 reveal_reactions, category, paused, removed, active_since, rotation_seed, updated_at, bank, \
                 private_answers) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, FALSE, $8, $9, $8, $10, $11) \
             ON CONFLICT (channel_id) DO UPDATE SET \
                 post_time = excluded.post_time, timezone = excluded.timezone, \
                 reveal_after_minutes = excluded.reveal_after_minutes, \
                 reveal_reactions = excluded.reveal_reactions, category = excluded.category, \
                 bank = excluded.bank, private_answers = excluded.private_answers, removed = FALSE, \
                 active_since = excluded.active_since, updated_at = excluded.updated_at \
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
        .bind(settings.bank.as_deref())
        .bind(settings.private_answers)
        .execute(&mut *tx)
        .await?;
        if was_removed == Some(true) {
            adjust_totals::<E>(&mut tx, settings.channel_id, 1).await?;
        }
        tx.commit().await?;
        self.schedule(settings.channel_id)
            .await?
            .filter(|s| s.guild_id == settings.guild_id)
            .ok_or_else(|| StorageError::Corrupt("channel is scheduled by another server".into()))
    }

    async fn schedule(&self, channel_id: u64) -> StorageResult<Option<Schedule>> {
        const QUERY: &str = concatcp!(SELECT_SCHEDULE, " WHERE s.channel_id = $1");
        sqlx::query_as::<_, ScheduleRow>(QUERY)
            .bind(to_db_id(channel_id))
            .fetch_optional(self.reader())
            .await?
            .map(Schedule::try_from)
            .transpose()
    }

    async fn guild_schedules(&self, guild_id: u64) -> StorageResult<Vec<Schedule>> {
        const QUERY: &str = concatcp!(
            SELECT_SCHEDULE,
            " WHERE s.guild_id = $1 AND s.removed = FALSE ORDER BY s.channel_id"
        );
        sqlx::query_as::<_, ScheduleRow>(QUERY)
            .bind(to_db_id(guild_id))
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(Schedule::try_from)
            .collect()
    }

    async fn all_schedules(&self) -> StorageResult<Vec<Schedule>> {
        const QUERY: &str = concatcp!(SELECT_SCHEDULE, " WHERE s.removed = FALSE");
        sqlx::query_as::<_, ScheduleRow>(QUERY)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(Schedule::try_from)
            .collect()
    }

    async fn set_paused(
        &self,
        channel_id: u64,
        paused: bool,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let result = sqlx::query(
            "UPDATE schedules SET paused = $2, updated_at = $3, \
                 active_since = CASE WHEN NOT $2 AND paused THEN $3 ELSE active_since END, \
                 refused_first = CASE WHEN $2 THEN refused_first END, \
                 refused_last = CASE WHEN $2 THEN refused_last END \
             WHERE channel_id = $1 AND removed = FALSE",
        )
        .bind(to_db_id(channel_id))
        .bind(paused)
        .bind(to_millis(now))
        .execute(self.writer())
        .await?;
        Ok(E::rows_affected(&result) == 1)
    }

    async fn remove_schedule(&self, channel_id: u64, now: DateTime<Utc>) -> StorageResult<bool> {
        // The channel's streaks leave the server's totals once.
        let locks = self.locks_of_channel(channel_id).await?;
        let mut tx = self.begin_write(&locks).await?;
        let result = sqlx::query(
            "UPDATE schedules SET removed = TRUE, alert = NULL, updated_at = $2 \
             WHERE channel_id = $1 AND removed = FALSE",
        )
        .bind(to_db_id(channel_id))
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        if E::rows_affected(&result) == 1 {
            adjust_totals::<E>(&mut tx, channel_id, -1).await?;
        }
        tx.commit().await?;
        Ok(E::rows_affected(&result) == 1)
    }

    async fn set_schedule_alert(
        &self,
        channel_id: u64,
        alert: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE schedules SET alert = $2, alert_at = $3 WHERE channel_id = $1")
            .bind(to_db_id(channel_id))
            .bind(alert)
            .bind(to_millis(now))
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn record_refusals(
        &self,
        channel_id: u64,
        run: RefusalRun,
        pause: bool,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query(
            "UPDATE schedules SET refused_first = $2, refused_last = $3, \
                 paused = paused OR $4, updated_at = $5 WHERE channel_id = $1",
        )
        .bind(to_db_id(channel_id))
        .bind(run.first.to_string())
        .bind(run.last.to_string())
        .bind(pause)
        .bind(to_millis(now))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Also ends the run of refused days: the post went out.
    async fn clear_schedule_alert(&self, channel_id: u64) -> StorageResult<()> {
        sqlx::query(
            "UPDATE schedules SET alert = NULL, alert_at = NULL, refused_first = NULL, \
                 refused_last = NULL WHERE channel_id = $1 AND alert IS NOT NULL",
        )
        .bind(to_db_id(channel_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }
}

/// Adds (`sign` 1) or subtracts (-1) a channel's streaks to its members' server totals.
async fn adjust_totals<E>(conn: &mut Conn<E>, channel_id: u64, sign: i64) -> StorageResult<()>
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
    sqlx::query(
        "INSERT INTO member_totals (guild_id, user_id, current, best, total) \
         SELECT guild_id, user_id, $2 * current, $2 * best, $2 * total FROM member_streaks \
         WHERE channel_id = $1 AND true \
         ON CONFLICT (guild_id, user_id) DO UPDATE SET \
             current = member_totals.current + excluded.current, \
             best = member_totals.best + excluded.best, \
             total = member_totals.total + excluded.total",
    )
    .bind(to_db_id(channel_id))
    .bind(sign)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
