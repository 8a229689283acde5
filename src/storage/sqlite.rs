//! The SQLite backend: the embedded default. The shared queries of `queries/`
//! compiled for SQLite, and what only SQLite needs (the file, its pragmas, the single
//! writer connection, and recovering that connection after a file fault).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::error::{FILE_FAULTS, StorageError, StorageResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

type Connection = sqlx::SqliteConnection;

/// `Store::unfinished_posts`'s filter, term for term the partial index's
/// (`migrations/sqlite/0002_indexes.sql`): SQLite uses a partial index only then.
macro_rules! unfinished_posts_filter {
    () => {
        "message_id IS NULL OR thread_id IS NULL OR reacted = 0 \
         OR (revealed_at IS NOT NULL AND reveal_shown = 0)"
    };
}

/// The rows `(user_id, current, freezes, last_kept_seq, last_freeze_seq)` of a JSON
/// array of such arrays bound as `$param`.
macro_rules! changed_streaks {
    ($param:literal) => {
        concat!(
            "(SELECT value ->> 0 AS user_id, value ->> 1 AS current, value ->> 2 AS freezes, \
             value ->> 3 AS last_kept_seq, value ->> 4 AS last_freeze_seq FROM json_each(",
            $param,
            "))"
        )
    };
}

/// For a JSON array of `[post_id, user_id]` bound as `$param`: `b` (`i`, counting from
/// 0, `post_id`, `user_id`), each answer's post `p` and the member's streak `m` in its
/// channel, if any. SQLite joins row by row through the keys.
macro_rules! answers_posts_and_streaks {
    ($param:literal) => {
        concat!(
            "(SELECT key AS i, value ->> 0 AS post_id, value ->> 1 AS user_id FROM json_each(",
            $param,
            ")) AS b JOIN daily_posts p ON p.id = b.post_id \
             LEFT JOIN member_streaks m ON m.channel_id = p.channel_id AND m.user_id = b.user_id"
        )
    };
}

/// The rows `(post_id, user_id, answered_at, unaided, counted)` of a JSON array of such
/// arrays bound as `$param`.
macro_rules! new_answers {
    ($param:literal) => {
        concat!(
            "(SELECT value ->> 0 AS post_id, value ->> 1 AS user_id, value ->> 2 AS answered_at, \
             value ->> 3 AS unaided, value ->> 4 AS counted FROM json_each(",
            $param,
            "))"
        )
    };
}

/// The `member_streaks` rows (every column, in table order) of a JSON array of such
/// arrays bound as `$param`.
macro_rules! streak_rows {
    ($param:literal) => {
        concat!(
            "(SELECT value ->> 0 AS channel_id, value ->> 1 AS user_id, value ->> 2 AS guild_id, \
             value ->> 3 AS current, value ->> 4 AS best, value ->> 5 AS total, \
             value ->> 6 AS unaided, value ->> 7 AS last_answered_seq, value ->> 8 AS freezes, \
             value ->> 9 AS last_kept_seq, value ->> 10 AS last_freeze_seq FROM json_each(",
            $param,
            "))"
        )
    };
}

#[path = "queries/answers.rs"]
mod answers;
#[path = "queries/guilds.rs"]
mod guilds;
#[path = "queries/posts.rs"]
mod posts;
#[path = "queries/practice.rs"]
mod practice;
#[path = "queries/quizzes.rs"]
mod quizzes;
#[path = "queries/schedules.rs"]
mod schedules;
#[path = "queries/suggestions.rs"]
mod suggestions;
#[path = "queries/teams.rs"]
mod teams;

/// The SQLite database.
///
/// Reads use a small pool; every write goes through one dedicated connection, so
/// concurrent writers queue in order in-process instead of contending for SQLite's
/// write lock (whose busy handler sleeps for milliseconds at a time under contention).
#[derive(Debug, Clone)]
pub(super) struct Backend {
    pool: SqlitePool,
    writer: SqlitePool,
    /// Stops the WAL checkpoints when the last clone of the backend goes.
    _checkpoints: Arc<tokio::sync::oneshot::Sender<()>>,
}

/// SQLite has no INSERT inside a WITH: a round's answers and streaks are two
/// statements (see `queries/answers.rs`).
const ONE_STATEMENT_WRITES: bool = false;

/// How often the WAL is copied back into the database file (see [`checkpoint_wal`]).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

impl Backend {
    /// Opens (creating if needed) the database at `url` and applies migrations.
    ///
    /// SQLite runs in WAL mode with foreign keys on and a busy timeout, so readers never
    /// block the writer and a briefly locked file is waited for rather than failed.
    /// A new file is created readable by its owner only.
    pub(super) async fn open(url: &str) -> StorageResult<Self> {
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
        // The writer never checkpoints: a checkpoint copies the WAL back into the
        // database file and syncs both, and on the writer it would stall whichever
        // commit crossed the WAL's 1,000 pages, one answer batch in a hundred.
        let writer_options = options.clone().pragma("wal_autocheckpoint", "0");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .after_release(move |conn, _| {
                let faults_seen = faults_seen.clone();
                Box::pin(async move { writer_still_usable(conn, &faults_seen).await })
            })
            .connect_with(writer_options)
            .await?;
        // Two readers are plenty: every read is a short indexed query.
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(60))
            .connect_with(options)
            .await?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(checkpoint_wal(pool.clone(), stopped));
        let store = Self {
            pool,
            writer,
            _checkpoints: Arc::new(stop),
        };
        store.check_schema_version().await?;
        MIGRATOR.run(&store.writer).await?;
        // The writer's one connection prepares the statements recording answers now
        // rather than at the first answer.
        answers::prepare_record_statements(&mut *store.writer.acquire().await?).await?;
        Ok(store)
    }

    /// Commits a write that changes nothing (the header's `user_version`, rewritten
    /// with its own value): fails when the database cannot be written now (a
    /// read-only file, a full disk, locked by another process). SQLite opens a file it
    /// cannot write read-only without a word, so only a real commit tells.
    pub(super) async fn check_writable(&self) -> StorageResult<()> {
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

    /// Reads go to the reader pool.
    fn reader(&self) -> &SqlitePool {
        &self.pool
    }

    /// Single-statement writes go to the one writer connection.
    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// A write transaction: `BEGIN IMMEDIATE` takes the database's write lock at once,
    /// so what the transaction reads stays true until it commits.
    async fn begin_write(&self) -> StorageResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The write transaction that records answers: any write transaction (SQLite's
    /// triggers keep the counts of every write).
    async fn begin_record(&self) -> StorageResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.begin_write().await
    }

    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(super) async fn close(&self) {
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
        StorageError::check_schema_version(found, &MIGRATOR)
    }
}

/// Copies the WAL back into the database file every [`CHECKPOINT_EVERY`], from a
/// reader connection, until `stopped` or the pool is closed. A passive checkpoint
/// waits for nobody and runs beside the writer's commits; with nothing new in the WAL
/// it does nothing. Once it has copied everything, the writer's next transaction
/// starts the WAL over, so the file stays small.
async fn checkpoint_wal(pool: SqlitePool, mut stopped: tokio::sync::oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            () = tokio::time::sleep(CHECKPOINT_EVERY) => {}
        }
        if pool.is_closed() {
            return;
        }
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::debug!(%error, "the WAL checkpoint failed; the next one tries again");
        }
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
