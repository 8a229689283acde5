//! `qotd backup PATH` (SPEC §11): a consistent copy of the SQLite database while the
//! bot runs. `VACUUM INTO` writes a snapshot of one read transaction (WAL lets the
//! bot keep writing meanwhile) into a new, compact file; the copy is then checked
//! (`integrity_check`, every table readable and counted, the same schema version).

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::contract::DatabaseKind;
use super::copy::copied_tables;
use super::error::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "qotd backup copies a SQLite database; this DATABASE_URL is PostgreSQL: back it up with pg_dump (e.g. `pg_dump --format=custom --file=qotd.dump \"$DATABASE_URL\"`) and restore with pg_restore"
    )]
    Postgres,
    #[error("DATABASE_URL is not a SQLite or PostgreSQL URL")]
    UnknownDatabase,
    #[error("{0} already exists: qotd backup never overwrites a file; choose a new path")]
    TargetExists(PathBuf),
    #[error("the database {0} does not exist")]
    NoSource(PathBuf),
    #[error("the copy at {path} failed its check ({problem}); it was removed")]
    Unverified { path: PathBuf, problem: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for BackupError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(error.into())
    }
}

/// What the copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
    /// Every table's rows in the copy.
    pub counts: Vec<(&'static str, i64)>,
}

/// Copies the SQLite database of `url` to `target`, a path that must not exist.
pub async fn backup_sqlite(url: &str, target: &Path) -> Result<BackupReport, BackupError> {
    match DatabaseKind::of_url(url) {
        Some(DatabaseKind::Sqlite) => {}
        Some(DatabaseKind::Postgres) => return Err(BackupError::Postgres),
        None => return Err(BackupError::UnknownDatabase),
    }
    if target.exists() {
        return Err(BackupError::TargetExists(target.to_path_buf()));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|error| StorageError::InvalidUrl(error.to_string()))?
        .busy_timeout(std::time::Duration::from_secs(5));
    let source_file = options.get_filename().to_path_buf();
    if !source_file.exists() {
        return Err(BackupError::NoSource(source_file));
    }
    let mut source = SqliteConnection::connect_with(&options).await?;
    let schema_version = schema_version(&mut source).await?;
    let target_text = target.to_string_lossy().into_owned();
    sqlx::query("VACUUM INTO $1")
        .bind(&target_text)
        .execute(&mut source)
        .await?;
    source.close().await?;
    private(target);
    match verify(target, schema_version).await {
        Ok(counts) => Ok(BackupReport {
            path: target.to_path_buf(),
            bytes: std::fs::metadata(target).map(|m| m.len()).unwrap_or(0),
            schema_version,
            counts,
        }),
        Err(problem) => {
            let _ = std::fs::remove_file(target);
            Err(BackupError::Unverified {
                path: target.to_path_buf(),
                problem,
            })
        }
    }
}

/// The copy holds member ids: readable by its owner only, like the database.
fn private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

async fn schema_version(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
        .fetch_one(conn)
        .await
}

/// Checks the copy: SQLite's integrity check, the source's schema version, and every
/// table counted. Returns the counts, or what is wrong.
async fn verify(path: &Path, expected_version: i64) -> Result<Vec<(&'static str, i64)>, String> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut copy = SqliteConnection::connect_with(&options)
        .await
        .map_err(|error| format!("cannot open it: {error}"))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await
        .map_err(|error| format!("integrity_check failed: {error}"))?;
    if integrity != "ok" {
        return Err(format!("integrity_check says: {integrity}"));
    }
    let version = schema_version(&mut copy)
        .await
        .map_err(|error| format!("no schema version: {error}"))?;
    if version != expected_version {
        return Err(format!(
            "schema version {version}, the database has {expected_version}"
        ));
    }
    let mut counts = Vec::new();
    for (table, _) in copied_tables() {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut copy)
            .await
            .map_err(|error| format!("table {table} cannot be read: {error}"))?;
        counts.push((table, rows));
    }
    let _ = copy.close().await;
    Ok(counts)
}
