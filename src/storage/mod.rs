//! SQLite storage: one [`Store`] with every query the bot needs.
//!
//! Rows are converted to and from core types here; no rule of the SPEC lives here
//! beyond what a query must mirror (each such place names the core function).

mod answers;
mod guilds;
mod posts;
mod quizzes;
mod schedules;
mod teams;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use answers::{AnswerRecord, ChannelStreak, LeaderboardPage, NewAnswer};
pub use posts::{ClaimOutcome, DailyPost, NewDailyPost};
pub use quizzes::QuizPost;
pub use schedules::{Schedule, ScheduleSettings};
pub use teams::{RankedTeam, Team, TeamError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("failed to apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "the database was written by a newer qotd (schema version {found}, this build knows up to {known}); upgrade qotd or use another DATABASE_URL"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("invalid DATABASE_URL: {0}")]
    InvalidUrl(String),
    #[error("failed to create the database file {path}: {source}")]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

pub type StorageResult<T> = Result<T, StorageError>;

/// The bot's database.
///
/// Reads use a small pool; every write goes through one dedicated connection, so
/// concurrent writers queue in order in-process instead of contending for SQLite's
/// write lock (whose busy handler sleeps for milliseconds at a time under contention).
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    writer: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies migrations.
    ///
    /// SQLite runs in WAL mode with foreign keys on and a busy timeout, so readers never
    /// block the writer and a briefly locked file is waited for rather than failed.
    /// A new file is created readable by its owner only.
    pub async fn open(url: &str) -> StorageResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|error| StorageError::InvalidUrl(error.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // 1 MiB of page cache per connection (SQLite's default is 2 MiB): the hot
            // set (open questions, streak rows) is small and the OS caches the file.
            .pragma("cache_size", "-1024");
        let file = options.get_filename().to_path_buf();
        if !is_memory(&file) {
            create_private_file(&file)?;
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        // Two readers are plenty: every read is a short indexed query.
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(60))
            .connect_with(options)
            .await?;
        let store = Self { pool, writer };
        store.check_schema_version().await?;
        MIGRATOR.run(&store.writer).await?;
        Ok(store)
    }

    /// Opens a database file by path (tests and tools).
    pub async fn open_path(path: &Path) -> StorageResult<Self> {
        Self::open(&format!("sqlite://{}", path.display())).await
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// Refuses a database migrated by a newer build: running old code on it could
    /// misread or damage data the newer schema added.
    async fn check_schema_version(&self) -> StorageResult<()> {
        let has_table: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&self.pool)
        .await?;
        if has_table.is_none() {
            return Ok(());
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await?;
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        match found {
            Some(found) if found > known => Err(StorageError::NewerSchema { found, known }),
            _ => Ok(()),
        }
    }
}

fn is_memory(file: &Path) -> bool {
    file.as_os_str().is_empty() || file.to_string_lossy().starts_with(":memory:")
}

/// Creates the database file with mode 0600 so other local users cannot read it.
fn create_private_file(path: &Path) -> StorageResult<()> {
    use std::fs::OpenOptions;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;

    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StorageError::CreateFile {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Instants are stored as milliseconds since the epoch.
pub(crate) fn to_millis(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_millis()
}

pub(crate) fn from_millis(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::UNIX_EPOCH)
}

/// Discord ids are stored as INTEGER: snowflakes fit in 63 bits.
pub(crate) fn to_db_id(id: u64) -> i64 {
    id as i64
}

pub(crate) fn from_db_id(id: i64) -> u64 {
    id as u64
}
