//! How the database can fail, and which failures are the file's or the disk's.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

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

pub(super) fn database_fault(error: &sqlx::Error) -> Option<DatabaseFault> {
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

/// Counts queries that failed because of the file or the disk (not the query). The
/// writer pool drops its connection when this moved since it was last released.
/// Process-wide because the error conversion has no `Store` at hand; a reconnect it
/// causes in another `Store` of the same process is harmless.
pub(super) static FILE_FAULTS: AtomicU64 = AtomicU64::new(0);

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        if database_fault(&error).is_some_and(|fault| fault != DatabaseFault::Locked) {
            FILE_FAULTS.fetch_add(1, Ordering::SeqCst);
        }
        StorageError::Database(error)
    }
}
