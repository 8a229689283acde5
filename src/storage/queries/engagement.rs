//! Reminders, role rewards and seasons: the queries.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use crate::core::lease::{self, Taken};
use crate::core::rewards::RoleReward;
use crate::core::seasons::SeasonEntry;
use crate::storage::convert::{from_db_id, from_millis, to_db_id, to_millis};
use crate::storage::engagement::{ChampionRole, ReminderOptIn, RewardSetting};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Lock, Row, Value};
use crate::storage::error::StorageResult;

type ReminderRow = (i64, i64, i64, Option<String>);

fn opt_in((guild, user, hours, last): ReminderRow) -> ReminderOptIn {
    ReminderOptIn {
        guild_id: from_db_id(guild),
        user_id: from_db_id(user),
        hours_before: u32::try_from(hours).unwrap_or(0),
        last_sent_on: last.and_then(|day| day.parse().ok()),
    }
}

/// A lease row as `core::lease::take` reads it: (taken_at, done).
fn held(row: Option<(i64, bool)>) -> Option<(DateTime<Utc>, bool)> {
    row.map(|(taken_at, done)| (from_millis(taken_at), done))
}

/// `champion`, unless their data in the server was deleted since the season was
/// ranked (the month then has no champion, as when it is deleted after).
async fn still_answering<E>(
    tx: &mut crate::storage::engine::Tx<E>,
    guild_id: u64,
    champion: Option<u64>,
) -> StorageResult<Option<u64>>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    usize: ColumnIndex<Row<E>>,
{
    let Some(user) = champion else {
        return Ok(None);
    };
    let answers: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM answers a JOIN daily_posts p ON p.id = a.post_id \
         WHERE p.guild_id = $1 AND a.user_id = $2",
    )
    .bind(to_db_id(guild_id))
    .bind(to_db_id(user))
    .fetch_one(&mut **tx)
    .await?;
    Ok((answers > 0).then_some(user))
}

#[async_trait::async_trait]
impl<E> crate::storage::engagement::Engagement for E
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    Option<String>: Value<Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    async fn set_reminder(
        &self,
        guild_id: u64,
        user_id: u64,
        hours_before: Option<u32>,
    ) -> StorageResult<bool> {
        let was_on = self.reminder(guild_id, user_id).await?.is_some();
        let (guild, user) = (to_db_id(guild_id), to_db_id(user_id));
        let query = match hours_before {
            Some(hours) => sqlx::query(
                "INSERT INTO reminders (guild_id, user_id, hours_before) VALUES ($1, $2, $3) \
                 ON CONFLICT (guild_id, user_id) DO UPDATE SET hours_before = excluded.hours_before",
            )
            .bind(guild)
            .bind(user)
            .bind(i64::from(hours)),
            None => sqlx::query("DELETE FROM reminders WHERE guild_id = $1 AND user_id = $2")
                .bind(guild)
                .bind(user),
        };
        query.execute(self.writer()).await?;
        Ok(was_on)
    }

    async fn reminder(&self, guild_id: u64, user_id: u64) -> StorageResult<Option<ReminderOptIn>> {
        let row: Option<ReminderRow> = sqlx::query_as(
            "SELECT guild_id, user_id, hours_before, last_sent_on FROM reminders \
             WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(opt_in))
    }

    async fn reminders_on(&self) -> StorageResult<Vec<ReminderOptIn>> {
        let rows: Vec<ReminderRow> = sqlx::query_as(
            "SELECT guild_id, user_id, hours_before, last_sent_on FROM reminders \
             ORDER BY guild_id, user_id",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(opt_in).collect())
    }

    async fn take_reminder(
        &self,
        guild_id: u64,
        user_id: u64,
        today: NaiveDate,
    ) -> StorageResult<bool> {
        // One statement: of two processes, one changes the row, the other finds it
        // already taken today.
        let taken = sqlx::query(
            "UPDATE reminders SET last_sent_on = $3 WHERE guild_id = $1 AND user_id = $2 \
             AND (last_sent_on IS NULL OR last_sent_on <> $3)",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .bind(today.to_string())
        .execute(self.writer())
        .await?;
        Ok(E::rows_affected(&taken) == 1)
    }

    async fn set_role_reward(&self, guild_id: u64, reward: RoleReward) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO role_rewards (guild_id, role_id, streak) VALUES ($1, $2, $3) \
             ON CONFLICT (guild_id, role_id) DO UPDATE \
             SET streak = excluded.streak, refused_at = NULL",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(reward.role_id))
        .bind(i64::from(reward.streak))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn remove_role_reward(&self, guild_id: u64, role_id: u64) -> StorageResult<bool> {
        let removed = sqlx::query("DELETE FROM role_rewards WHERE guild_id = $1 AND role_id = $2")
            .bind(to_db_id(guild_id))
            .bind(to_db_id(role_id))
            .execute(self.writer())
            .await?;
        Ok(E::rows_affected(&removed) == 1)
    }

    async fn role_rewards(&self, guild_id: u64) -> StorageResult<Vec<RewardSetting>> {
        let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT role_id, streak, refused_at FROM role_rewards WHERE guild_id = $1 \
             ORDER BY streak, role_id",
        )
        .bind(to_db_id(guild_id))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(role, streak, refused)| RewardSetting {
                reward: RoleReward {
                    streak: u32::try_from(streak).unwrap_or(u32::MAX),
                    role_id: from_db_id(role),
                },
                refused: refused.is_some(),
            })
            .collect())
    }

    async fn servers_with_rewards(&self) -> StorageResult<Vec<u64>> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT guild_id FROM role_rewards WHERE refused_at IS NULL ORDER BY guild_id",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(from_db_id).collect())
    }

    async fn best_streaks(&self, guild_id: u64, at_least: u32) -> StorageResult<Vec<(u64, u32)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT user_id, MAX(best) FROM member_streaks WHERE guild_id = $1 AND best >= $2 \
             GROUP BY user_id ORDER BY user_id",
        )
        .bind(to_db_id(guild_id))
        .bind(i64::from(at_least))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user, best)| (from_db_id(user), u32::try_from(best).unwrap_or(0)))
            .collect())
    }

    async fn rewards_given(&self, guild_id: u64) -> StorageResult<Vec<(u64, u64)>> {
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT user_id, role_id FROM rewards_given WHERE guild_id = $1")
                .bind(to_db_id(guild_id))
                .fetch_all(self.reader())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(user, role)| (from_db_id(user), from_db_id(role)))
            .collect())
    }

    async fn take_reward(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<Taken> {
        let (guild, user, role) = (to_db_id(guild_id), to_db_id(user_id), to_db_id(role_id));
        // The member: the row read stays as read until the take is written.
        let lock = Lock::Member {
            guild: guild_id,
            user: user_id,
        };
        let mut tx = self.begin_write(&[lock]).await?;
        let row: Option<(i64, bool)> = sqlx::query_as(
            "SELECT taken_at, given_at IS NOT NULL FROM rewards_given \
             WHERE guild_id = $1 AND user_id = $2 AND role_id = $3",
        )
        .bind(guild)
        .bind(user)
        .bind(role)
        .fetch_optional(&mut *tx)
        .await?;
        // A member whose data was deleted since their streak was read earns nothing.
        let streaks: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM member_streaks WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild)
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
        let taken = match streaks {
            0 => Taken::No,
            _ => lease::take(held(row), stale_before),
        };
        if taken != Taken::No {
            sqlx::query(
                "INSERT INTO rewards_given (guild_id, user_id, role_id, taken_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id, user_id, role_id) \
                 DO UPDATE SET taken_at = excluded.taken_at",
            )
            .bind(guild)
            .bind(user)
            .bind(role)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(taken)
    }

    async fn reward_given(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query(
            "UPDATE rewards_given SET given_at = $4 \
             WHERE guild_id = $1 AND user_id = $2 AND role_id = $3",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .bind(to_db_id(role_id))
        .bind(to_millis(now))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn give_back_reward(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
    ) -> StorageResult<()> {
        sqlx::query(
            "DELETE FROM rewards_given \
             WHERE guild_id = $1 AND user_id = $2 AND role_id = $3 AND given_at IS NULL",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .bind(to_db_id(role_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn refuse_role_reward(
        &self,
        guild_id: u64,
        role_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let refused = sqlx::query(
            "UPDATE role_rewards SET refused_at = $3 \
             WHERE guild_id = $1 AND role_id = $2 AND refused_at IS NULL",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(role_id))
        .bind(to_millis(now))
        .execute(self.writer())
        .await?;
        Ok(E::rows_affected(&refused) == 1)
    }

    async fn set_champion_role(&self, guild_id: u64, role_id: Option<u64>) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO guild_settings (guild_id, champion_role_id) VALUES ($1, $2) \
             ON CONFLICT (guild_id) DO UPDATE \
             SET champion_role_id = excluded.champion_role_id, champion_refused_at = NULL",
        )
        .bind(to_db_id(guild_id))
        .bind(role_id.map(to_db_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn champion_role(&self, guild_id: u64) -> StorageResult<Option<ChampionRole>> {
        let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT champion_role_id, champion_refused_at FROM guild_settings WHERE guild_id = $1",
        )
        .bind(to_db_id(guild_id))
        .fetch_optional(self.reader())
        .await?;
        Ok(row.and_then(|(role, refused)| {
            role.map(|role| ChampionRole {
                role_id: from_db_id(role),
                refused: refused.is_some(),
            })
        }))
    }

    async fn refuse_champion_role(&self, guild_id: u64, now: DateTime<Utc>) -> StorageResult<bool> {
        let refused = sqlx::query(
            "UPDATE guild_settings SET champion_refused_at = $2 \
             WHERE guild_id = $1 AND champion_refused_at IS NULL",
        )
        .bind(to_db_id(guild_id))
        .bind(to_millis(now))
        .execute(self.writer())
        .await?;
        Ok(E::rows_affected(&refused) == 1)
    }

    async fn season_entries(
        &self,
        guild_id: u64,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> StorageResult<Vec<SeasonEntry>> {
        let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT a.user_id, COUNT(*), SUM(CASE WHEN a.unaided = TRUE THEN 1 ELSE 0 END), \
                 MAX(a.answered_at) \
             FROM answers a JOIN daily_posts p ON p.id = a.post_id \
             WHERE p.guild_id = $1 AND a.counted = TRUE \
                 AND a.answered_at >= $2 AND a.answered_at < $3 \
                 AND a.user_id NOT IN (SELECT user_id FROM hidden_members WHERE guild_id = $1) \
             GROUP BY a.user_id",
        )
        .bind(to_db_id(guild_id))
        .bind(to_millis(start))
        .bind(to_millis(end))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user, answers, unaided, last)| SeasonEntry {
                user_id: from_db_id(user),
                answers: u32::try_from(answers).unwrap_or(0),
                unaided: u32::try_from(unaided).unwrap_or(0),
                reached_at: from_millis(last),
            })
            .collect())
    }

    async fn take_season_post(
        &self,
        guild_id: u64,
        channel_id: u64,
        season: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<Taken> {
        // The channel: the row read stays as read until the take is written.
        let mut tx = self.begin_write(&[Lock::Channel(channel_id)]).await?;
        let row: Option<(i64, bool)> = sqlx::query_as(
            "SELECT taken_at, message_id IS NOT NULL FROM season_posts \
             WHERE channel_id = $1 AND season = $2",
        )
        .bind(to_db_id(channel_id))
        .bind(season)
        .fetch_optional(&mut *tx)
        .await?;
        let taken = lease::take(held(row), stale_before);
        if taken != Taken::No {
            sqlx::query(
                "INSERT INTO season_posts (channel_id, season, guild_id, taken_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (channel_id, season) \
                 DO UPDATE SET taken_at = excluded.taken_at",
            )
            .bind(to_db_id(channel_id))
            .bind(season)
            .bind(to_db_id(guild_id))
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(taken)
    }

    async fn season_posted(
        &self,
        channel_id: u64,
        season: &str,
        message_id: u64,
    ) -> StorageResult<()> {
        sqlx::query(
            "UPDATE season_posts SET message_id = $3 WHERE channel_id = $1 AND season = $2",
        )
        .bind(to_db_id(channel_id))
        .bind(season)
        .bind(to_db_id(message_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn give_back_season_post(&self, channel_id: u64, season: &str) -> StorageResult<()> {
        sqlx::query(
            "UPDATE season_posts SET taken_at = 0 \
             WHERE channel_id = $1 AND season = $2 AND message_id IS NULL",
        )
        .bind(to_db_id(channel_id))
        .bind(season)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn take_champion_move(
        &self,
        guild_id: u64,
        season: &str,
        champion: Option<u64>,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<Taken> {
        // The server: the row read stays as read until the take is written.
        let mut tx = self.begin_write(&[Lock::Guild(guild_id)]).await?;
        let row: Option<(i64, bool)> = sqlx::query_as(
            "SELECT taken_at, moved_at IS NOT NULL FROM season_champions \
             WHERE guild_id = $1 AND season = $2",
        )
        .bind(to_db_id(guild_id))
        .bind(season)
        .fetch_optional(&mut *tx)
        .await?;
        let taken = lease::take(held(row), stale_before);
        if taken != Taken::No {
            let champion = still_answering::<E>(&mut tx, guild_id, champion).await?;
            // The champion named first stays: the season's answers no longer change.
            sqlx::query(
                "INSERT INTO season_champions (guild_id, season, user_id, taken_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id, season) \
                 DO UPDATE SET taken_at = excluded.taken_at",
            )
            .bind(to_db_id(guild_id))
            .bind(season)
            .bind(champion.map(to_db_id))
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(taken)
    }

    async fn champion_moved(
        &self,
        guild_id: u64,
        season: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query(
            "UPDATE season_champions SET moved_at = $3 WHERE guild_id = $1 AND season = $2",
        )
        .bind(to_db_id(guild_id))
        .bind(season)
        .bind(to_millis(now))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn give_back_champion_move(&self, guild_id: u64, season: &str) -> StorageResult<()> {
        sqlx::query(
            "UPDATE season_champions SET taken_at = 0 \
             WHERE guild_id = $1 AND season = $2 AND moved_at IS NULL",
        )
        .bind(to_db_id(guild_id))
        .bind(season)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn season_champion(&self, guild_id: u64, season: &str) -> StorageResult<Option<u64>> {
        let champion: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT user_id FROM season_champions WHERE guild_id = $1 AND season = $2",
        )
        .bind(to_db_id(guild_id))
        .bind(season)
        .fetch_optional(self.reader())
        .await?;
        Ok(champion.flatten().map(from_db_id))
    }
}
