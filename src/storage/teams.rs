//! Teams and memberships.

use super::convert::from_db_id;
use super::error::StorageError;
use crate::core::ranking::Ranked;

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

macro_rules! select_team {
    () => {
        "SELECT t.id, t.guild_id, t.name, \
         (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) AS member_count \
         FROM teams t"
    };
}

pub(super) type TeamRow = (i64, i64, String, i64);

pub(super) fn team(row: TeamRow) -> Team {
    Team {
        id: row.0,
        guild_id: from_db_id(row.1),
        name: row.2,
        member_count: u64::try_from(row.3).unwrap_or(0),
    }
}

pub(super) use select_team;
