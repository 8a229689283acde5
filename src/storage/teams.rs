//! Teams and memberships.

use super::convert::from_db_id;
use super::error::StorageError;
use super::error::StorageResult;
use crate::core::ranking::Ranked;
use crate::core::team_name::TeamName;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: i64,
    pub guild_id: u64,
    pub name: String,
    pub member_count: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("a team named `{0}` already exists")]
    AlreadyExists(String),
    #[error("there is no team named `{0}`")]
    NotFound(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for TeamError {
    fn from(error: sqlx::Error) -> Self {
        TeamError::Storage(error.into())
    }
}

/// A team's place on the team leaderboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedTeam {
    pub team: Team,
    pub ranked: Ranked,
}

pub(super) const SELECT_TEAM: &str = "SELECT t.id, t.guild_id, t.name, \
         (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) AS member_count \
         FROM teams t";

pub(super) type TeamRow = (i64, i64, String, i64);

pub(super) fn team(row: TeamRow) -> Team {
    Team {
        id: row.0,
        guild_id: from_db_id(row.1),
        name: row.2,
        member_count: u64::try_from(row.3).unwrap_or(0),
    }
}

/// Teams and their leaderboard.
#[async_trait::async_trait]
pub trait Teams: Send + Sync {
    async fn create_team(
        &self,
        guild_id: u64,
        name: &TeamName,
        now: DateTime<Utc>,
    ) -> Result<Team, TeamError>;
    /// Deletes a team; its members become teamless.
    async fn delete_team(&self, guild_id: u64, name: &TeamName) -> Result<Team, TeamError>;
    async fn team(&self, guild_id: u64, name: &TeamName) -> StorageResult<Option<Team>>;
    /// The server's teams by name.
    async fn teams(&self, guild_id: u64) -> StorageResult<Vec<Team>>;
    /// Joins `name`, leaving any other team of the server.
    async fn join_team(
        &self,
        guild_id: u64,
        user_id: u64,
        name: &TeamName,
        now: DateTime<Utc>,
    ) -> Result<Team, TeamError>;
    /// Leaves the member's team; returns the team left, if any.
    async fn leave_team(&self, guild_id: u64, user_id: u64) -> StorageResult<Option<Team>>;
    async fn member_team(&self, guild_id: u64, user_id: u64) -> StorageResult<Option<Team>>;
    /// Every team of the server ranked by the sum of its members' standings in one
    /// channel (or across the server's channels), with `ranking::team_standing`.
    async fn team_leaderboard(
        &self,
        guild_id: u64,
        channel_id: Option<u64>,
    ) -> StorageResult<Vec<RankedTeam>>;
}
