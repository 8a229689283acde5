//! SQLite storage: one [`Store`] with every query the bot needs.
//!
//! Rows are converted to and from core types here; the rules themselves live in
//! `core/` (a query that must mirror one names the core function).

mod answers;
mod guilds;
mod posts;
mod quizzes;
mod schedules;
mod teams;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
    #[error("{}", describe_database_error(.0))]
    Database(sqlx::Error),
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

/// Why the database refused work, when it is the file or the disk rather than the
/// query: what an operator has to fix. Each fault clears on its own once fixed; the
/// bot keeps what it could not write in memory and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseFault {
    #[error("the disk holding the database is full")]
    DiskFull,
    #[error("the database file is read-only")]
    ReadOnly,
    #[error("the disk returned an I/O error (a read-only file, a failing disk or a removed mount)")]
    Io,
    #[error("the database is locked by another process")]
    Locked,
    #[error("the database file cannot be opened")]
    CannotOpen,
}

impl DatabaseFault {
    /// Classifies a SQLite result code (primary or extended).
    fn from_sqlite_code(code: i64) -> Option<Self> {
        // https://www.sqlite.org/rescode.html: the primary code is the low byte.
        match code & 0xff {
            13 => Some(Self::DiskFull),   // SQLITE_FULL
            8 => Some(Self::ReadOnly),    // SQLITE_READONLY
            10 => Some(Self::Io),         // SQLITE_IOERR
            5 | 6 => Some(Self::Locked),  // SQLITE_BUSY, SQLITE_LOCKED
            14 => Some(Self::CannotOpen), // SQLITE_CANTOPEN
            _ => None,
        }
    }
}

impl StorageError {
    /// The file or disk fault behind this error, if it is one.
    pub fn fault(&self) -> Option<DatabaseFault> {
        match self {
            StorageError::Database(error) => database_fault(error),
            _ => None,
        }
    }
}

/// The file or disk fault `error` stands for, if it is a storage error that is one
/// (for walking an error chain).
pub fn fault_of(error: &(dyn std::error::Error + 'static)) -> Option<DatabaseFault> {
    if let Some(error) = error.downcast_ref::<StorageError>() {
        return error.fault();
    }
    if let Some(TeamError::Storage(error)) = error.downcast_ref::<TeamError>() {
        return error.fault();
    }
    error.downcast_ref::<sqlx::Error>().and_then(database_fault)
}

fn database_fault(error: &sqlx::Error) -> Option<DatabaseFault> {
    let sqlx::Error::Database(error) = error else {
        return None;
    };
    error
        .code()
        .and_then(|code| code.parse::<i64>().ok())
        .and_then(DatabaseFault::from_sqlite_code)
}

fn describe_database_error(error: &sqlx::Error) -> String {
    match database_fault(error) {
        Some(fault) => format!("{fault} (database error: {error})"),
        None => format!("database error: {error}"),
    }
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
        let faults_seen = Arc::new(AtomicU64::new(FILE_FAULTS.load(Ordering::SeqCst)));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .after_release(move |conn, _| {
                let faults_seen = faults_seen.clone();
                Box::pin(async move { writer_still_usable(conn, &faults_seen).await })
            })
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

    /// Commits a write that changes nothing (the header's `user_version`, rewritten
    /// with its own value): fails when the database cannot be written now (a
    /// read-only file, a full disk, locked by another process). SQLite opens a file it
    /// cannot write read-only without a word, so only a real commit tells.
    pub async fn check_writable(&self) -> StorageResult<()> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "PRAGMA user_version = {version}"
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
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

/// Counts queries that failed because of the file or the disk (not the query). The
/// writer pool drops its connection when this moved since it was last released.
/// Process-wide because the error conversion has no `Store` at hand; a reconnect it
/// causes in another `Store` of the same process is harmless.
static FILE_FAULTS: AtomicU64 = AtomicU64::new(0);

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        if database_fault(&error).is_some_and(|fault| fault != DatabaseFault::Locked) {
            FILE_FAULTS.fetch_add(1, Ordering::SeqCst);
        }
        StorageError::Database(error)
    }
}

/// Keeps a released writer connection only if it can go on writing.
///
/// - When COMMIT fails on a full disk or an I/O error, SQLite rolls the transaction
///   back by itself, but sqlx still counts it as open: the rollback it then issues
///   fails ("no transaction is active") and every later BEGIN on that connection fails.
/// - A connection opened while the file (or its WAL) could not be written was opened
///   read-only by SQLite, without saying so, and stays read-only after the file is
///   fixed.
///
/// Either is closed, so the next write opens a fresh connection.
async fn writer_still_usable(
    conn: &mut sqlx::SqliteConnection,
    faults_seen: &AtomicU64,
) -> Result<bool, sqlx::Error> {
    use sqlx::Connection as _;
    if conn.is_in_transaction() {
        // A dropped transaction queued its rollback; the ping runs after it.
        conn.ping().await?;
        if conn.is_in_transaction() {
            return Ok(false);
        }
    }
    let faults = FILE_FAULTS.load(Ordering::SeqCst);
    Ok(faults_seen.swap(faults, Ordering::SeqCst) == faults)
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
