//! The contract's root: [`Storage`], every call the bot makes on its database, and
//! [`Lifecycle`], what a database is beside its queries (see `storage`'s module doc).

use super::answers::Answers;
use super::engagement::Engagement;
use super::error::StorageResult;
use super::posts::Posts;
use super::practice::Practice;
use super::privacy::Privacy;
use super::private_answers::PrivateAnswers;
use super::quizzes::Quizzes;
use super::schedules::Schedules;
use super::settings::Settings;
use super::suggestions::Suggestions;
use super::teams::Teams;

/// The contract: every call the bot makes on its database (see `storage`'s module doc).
pub trait Storage:
    Schedules
    + Posts
    + Answers
    + Practice
    + PrivateAnswers
    + Quizzes
    + Suggestions
    + Teams
    + Settings
    + Engagement
    + Privacy
    + Lifecycle
{
}

impl<T> Storage for T where
    T: Schedules
        + Posts
        + Answers
        + Practice
        + PrivateAnswers
        + Quizzes
        + Suggestions
        + Teams
        + Settings
        + Engagement
        + Privacy
        + Lifecycle
{
}

/// What a database is beside the queries: which one, its pool, whether it can be
/// written now, and closing it. Each engine implements it (`sqlite.rs`,
/// `postgres.rs`).
#[async_trait::async_trait]
pub trait Lifecycle: Send + Sync {
    fn kind(&self) -> DatabaseKind;

    /// The connection pool, for tools and tests that run their own SQL.
    fn pool(&self) -> Pool<'_>;

    /// Commits a write that changes nothing: fails when the database cannot be
    /// written now (a read-only or full disk, a file locked by another process, a
    /// PostgreSQL server that is away or read-only). SQLite opens a file it cannot
    /// write read-only without a word, so only a real commit tells.
    async fn check_writable(&self) -> StorageResult<()>;

    async fn close(&self);
}

/// The connection pool under a [`Store`], for tools and tests that run their own SQL.
pub enum Pool<'a> {
    Sqlite(&'a sqlx::SqlitePool),
    Postgres(&'a sqlx::PgPool),
}

/// Which database a `DATABASE_URL` names, by its scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// `SQLite` or `PostgreSQL`, for people.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }

    /// `sqlite` or `postgres` (a metric label).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }
}
