//! Teams and memberships: the queries.

use chrono::{DateTime, Utc};
use const_format::concatcp;

use sqlx::{ColumnIndex, Executor, IntoArguments};

use sqlx::{Encode, Type};

use crate::core::ranking::{self, Standing};
use crate::core::team_name::TeamName;
use crate::storage::answers::StandingRow;
use crate::storage::convert::{to_db_id, to_millis};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Lock, Row, Value};
use crate::storage::error::StorageResult;
use crate::storage::teams::{RankedTeam, SELECT_TEAM, Team, TeamError, TeamRow, team};

#[async_trait::async_trait]
impl<E> crate::storage::teams::Teams for E
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
    async fn create_team(
        &self,
        guild_id: u64,
        name: &TeamName,
        now: DateTime<Utc>,
    ) -> Result<Team, TeamError> {
        let inserted = E::rows_affected(
            &sqlx::query(
                "INSERT INTO teams (guild_id, name, name_key, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
            )
            .bind(to_db_id(guild_id))
            .bind(name.as_str())
            .bind(name.key())
            .bind(to_millis(now))
            .execute(self.writer())
            .await?,
        );
        if inserted == 0 {
            return Err(TeamError::AlreadyExists(name.to_string()));
        }
        self.team(guild_id, name)
            .await?
            .ok_or_else(|| TeamError::NotFound(name.to_string()))
    }

    async fn delete_team(&self, guild_id: u64, name: &TeamName) -> Result<Team, TeamError> {
        let team = self
            .team(guild_id, name)
            .await?
            .ok_or_else(|| TeamError::NotFound(name.to_string()))?;
        sqlx::query("DELETE FROM teams WHERE id = $1")
            .bind(team.id)
            .execute(self.writer())
            .await?;
        Ok(team)
    }

    async fn team(&self, guild_id: u64, name: &TeamName) -> StorageResult<Option<Team>> {
        let row: Option<TeamRow> = sqlx::query_as(concatcp!(
            SELECT_TEAM,
            " WHERE t.guild_id = $1 AND t.name_key = $2"
        ))
        .bind(to_db_id(guild_id))
        .bind(name.key())
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(team))
    }

    async fn teams(&self, guild_id: u64) -> StorageResult<Vec<Team>> {
        let rows: Vec<TeamRow> = sqlx::query_as(concatcp!(
            SELECT_TEAM,
            " WHERE t.guild_id = $1 ORDER BY t.name_key"
        ))
        .bind(to_db_id(guild_id))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(team).collect())
    }

    async fn join_team(
        &self,
        guild_id: u64,
        user_id: u64,
        name: &TeamName,
        now: DateTime<Utc>,
    ) -> Result<Team, TeamError> {
        // The server's teams: a member in one team, a team's size under its limit.
        let mut tx = self.begin_write(&[Lock::Guild(guild_id)]).await?;
        let team_id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM teams WHERE guild_id = $1 AND name_key = $2")
                .bind(to_db_id(guild_id))
                .bind(name.key())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(team_id) = team_id else {
            return Err(TeamError::NotFound(name.to_string()));
        };
        sqlx::query(
            "INSERT INTO team_members (guild_id, user_id, team_id, joined_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (guild_id, user_id) DO UPDATE SET team_id = excluded.team_id, \
                 joined_at = excluded.joined_at WHERE team_members.team_id != excluded.team_id",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .bind(team_id)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.team(guild_id, name)
            .await?
            .ok_or_else(|| TeamError::NotFound(name.to_string()))
    }

    async fn leave_team(&self, guild_id: u64, user_id: u64) -> StorageResult<Option<Team>> {
        let current = self.member_team(guild_id, user_id).await?;
        sqlx::query("DELETE FROM team_members WHERE guild_id = $1 AND user_id = $2")
            .bind(to_db_id(guild_id))
            .bind(to_db_id(user_id))
            .execute(self.writer())
            .await?;
        Ok(current)
    }

    async fn member_team(&self, guild_id: u64, user_id: u64) -> StorageResult<Option<Team>> {
        let row: Option<TeamRow> = sqlx::query_as(concatcp!(
            SELECT_TEAM,
            " WHERE t.id = (SELECT team_id FROM team_members WHERE guild_id = $1 AND user_id = $2)"
        ))
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(team))
    }

    async fn team_leaderboard(
        &self,
        guild_id: u64,
        channel_id: Option<u64>,
    ) -> StorageResult<Vec<RankedTeam>> {
        let teams = self.teams(guild_id).await?;
        let rows: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(concatcp!(
            STANDINGS,
            "SELECT m.team_id, s.id, s.current, s.best, s.total FROM team_members m \
             JOIN standings s ON s.id = m.user_id WHERE m.guild_id = $2"
        ))
        .bind(channel_id.map(to_db_id))
        .bind(to_db_id(guild_id))
        .fetch_all(self.reader())
        .await?;
        let standings: Vec<Standing> = teams
            .iter()
            .map(|team| {
                let members = rows.iter().filter(|row| row.0 == team.id).map(|row| {
                    Standing::from(StandingRow {
                        id: row.1,
                        current: row.2,
                        best: row.3,
                        total: row.4,
                    })
                });
                ranking::team_standing(team.id as u64, members)
            })
            .collect();
        Ok(ranking::rank(standings)
            .into_iter()
            .filter_map(|ranked| {
                teams
                    .iter()
                    .find(|t| t.id as u64 == ranked.standing.id)
                    .map(|team| RankedTeam {
                        team: team.clone(),
                        ranked,
                    })
            })
            .collect())
    }
}

/// The standings CTE for a scope: one channel's streaks, or the server totals (each
/// member's streaks summed over the server's active channels, kept by triggers with every streak change).
/// Both forms bind `$1` = channel id (or NULL) and `$2` = guild id.
const STANDINGS: &str = "WITH standings AS ( \
             SELECT user_id AS id, current, best, total FROM member_streaks \
             WHERE $1 IS NOT NULL AND channel_id = $1 \
           UNION ALL \
             SELECT user_id AS id, current, best, total FROM member_totals \
             WHERE $1 IS NULL AND guild_id = $2 AND total > 0 \
         ) ";
