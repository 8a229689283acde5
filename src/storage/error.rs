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

/// Why the database refused work, when it is the file, the disk or the database
/// server rather than the query: what an operator has to fix. Each fault clears on its
/// own once fixed; the bot keeps what it could not write in memory and retries.
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
    #[error("the database server cannot be reached (connection refused, lost or timed out)")]
    Unreachable,
    #[error("the database server is starting up or shutting down")]
    ServerUnavailable,
    #[error("the database server accepts no writes (a read-only transaction or a standby)")]
    ServerReadOnly,
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

    /// The database cannot be reached at all: reads fail too, not only writes.
    pub fn blocks_reads(self) -> bool {
        matches!(self, Self::Unreachable | Self::ServerUnavailable)
    }

    /// Classifies a PostgreSQL SQLSTATE.
    fn from_sqlstate(code: &str) -> Option<Self> {
        // https://www.postgresql.org/docs/current/errcodes-appendix.html
        match code {
            "25006" => Some(Self::ServerReadOnly), // read_only_sql_transaction
            "53100" => Some(Self::DiskFull),       // disk_full
            // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
            "57P01" | "57P02" | "57P03" | "53300" => Some(Self::ServerUnavailable),
            _ if code.starts_with("08") => Some(Self::Unreachable), // connection_exception
            _ => None,
        }
    }
}

impl StorageError {
    /// Refuses a database migrated by a newer build (`found` is its highest applied
    /// migration): running old code on it could misread or damage data the newer
    /// schema added.
    pub(super) fn check_schema_version(
        found: Option<i64>,
        migrator: &sqlx::migrate::Migrator,
    ) -> Result<(), StorageError> {
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        match found {
            Some(found) if found > known => Err(StorageError::NewerSchema { found, known }),
            _ => Ok(()),
        }
    }

    /// Whether waiting can cure this error: the database server or file may become
    /// reachable, writable or unlocked (a server still starting at boot, a disk not yet
    /// mounted). A wrong `DATABASE_URL`, a schema from a newer qotd, a migration that
    /// does not match or a refused login stay wrong until the operator acts.
    pub fn may_clear(&self) -> bool {
        match self {
            StorageError::Database(error) => database_fault(error).is_some(),
            StorageError::Migrate(sqlx::migrate::MigrateError::Execute(error)) => {
                database_fault(error).is_some()
            }
            StorageError::CreateFile { .. } => true,
            StorageError::Migrate(_)
            | StorageError::NewerSchema { .. }
            | StorageError::InvalidUrl(_)
            | StorageError::Corrupt(_) => false,
        }
    }

    /// The file or disk fault behind this error, if it is one.
    pub fn fault(&self) -> Option<DatabaseFault> {
        match self {
            StorageError::Database(error) => database_fault(error),
            _ => None,
        }
    }
}

pub(super) fn database_fault(error: &sqlx::Error) -> Option<DatabaseFault> {
    match error {
        sqlx::Error::Database(error) => {
            if error
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                let code = error.code()?.parse::<i64>().ok()?;
                DatabaseFault::from_sqlite_code(code)
            } else {
                DatabaseFault::from_sqlstate(&error.code()?)
            }
        }
        // Only a server is reached over a connection (or waited for by the pool).
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => {
            Some(DatabaseFault::Unreachable)
        }
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_away_may_clear_a_wrong_setting_never_does() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(StorageError::Database(sqlx::Error::Io(refused)).may_clear());
        assert!(StorageError::Database(sqlx::Error::PoolTimedOut).may_clear());
        assert!(!StorageError::InvalidUrl("mysql://".into()).may_clear());
        assert!(!StorageError::NewerSchema { found: 9, known: 8 }.may_clear());
        assert!(!StorageError::Database(sqlx::Error::RowNotFound).may_clear());
    }
}
