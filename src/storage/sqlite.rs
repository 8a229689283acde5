//! The SQLite engine: the embedded default. What only SQLite needs (the file, its
//! pragmas, the single writer connection, recovering that connection after a file
//! fault) and its own SQL: the statements that unpack a JSON array parameter
//! (`json_each`), which PostgreSQL spells differently. Every other query is shared
//! (`queries/`). The server totals, standings and practice inbox are kept by row
//! triggers (`migrations/sqlite/`) on every write.

use const_format::concatcp;
use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};

use super::contract::{DatabaseKind, Lifecycle, Pool};
use super::engine::{Engine, Lock};
use super::error::{FILE_FAULTS, StorageError, StorageResult};
use super::posts::SELECT_POST;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The latest migration's number: the schema version this build brings a database to.
pub(super) fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

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
        prepare_record_statements(&mut *store.writer.acquire().await?).await?;
        Ok(store)
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

#[async_trait::async_trait]
impl Lifecycle for Backend {
    fn kind(&self) -> DatabaseKind {
        DatabaseKind::Sqlite
    }

    fn pool(&self) -> Pool<'_> {
        Pool::Sqlite(&self.pool)
    }

    /// Commits a write that changes nothing (the header's `user_version`, rewritten
    /// with its own value): fails when the database cannot be written now (a
    /// read-only file, a full disk, locked by another process). SQLite opens a file it
    /// cannot write read-only without a word, so only a real commit tells.
    async fn check_writable(&self) -> StorageResult<()> {
        let mut tx = self.begin_write(&[]).await?;
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

    async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

impl Engine for Backend {
    type Db = sqlx::Sqlite;

    /// Reads go to the reader pool.
    fn reader(&self) -> &SqlitePool {
        &self.pool
    }

    /// Single-statement writes go to the one writer connection.
    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// `BEGIN IMMEDIATE` takes the database's write lock at once, so what the
    /// transaction reads stays true until it commits, whatever its scopes.
    async fn begin_write(
        &self,
        _locks: &[Lock],
    ) -> StorageResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// None needed: `BEGIN IMMEDIATE` runs every write transaction alone.
    async fn locks_of_posts(&self, _posts: &[i64]) -> StorageResult<Vec<Lock>> {
        Ok(Vec::new())
    }

    /// None needed, as for [`Engine::locks_of_posts`].
    async fn locks_of_channel(&self, _channel_id: u64) -> StorageResult<Vec<Lock>> {
        Ok(Vec::new())
    }

    async fn locks_of_guild(&self, _guild_id: u64) -> StorageResult<Vec<Lock>> {
        Ok(Vec::new())
    }

    fn rows_affected(result: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    /// The filter of the partial index `daily_posts_unfinished`
    /// (`migrations/sqlite/0002_indexes.sql`), term for term: SQLite uses a partial
    /// index only then.
    const UNFINISHED_POSTS: &'static str = concatcp!(
        SELECT_POST,
        " WHERE message_id IS NULL OR thread_id IS NULL OR reacted = 0 \
         OR (revealed_at IS NOT NULL AND reveal_shown = 0) ORDER BY id"
    );

    const UPDATE_CHANGED_STREAKS: &'static str = "UPDATE member_streaks SET current = c.current, \
         freezes = c.freezes, last_kept_seq = c.last_kept_seq, \
         last_freeze_seq = c.last_freeze_seq, before_latest_post = c.before_latest_post \
         FROM (SELECT value ->> 0 AS user_id, value ->> 1 AS current, value ->> 2 AS freezes, \
             value ->> 3 AS last_kept_seq, value ->> 4 AS last_freeze_seq, \
             value ->> 5 AS before_latest_post FROM json_each($2)) AS c \
         WHERE member_streaks.channel_id = $1 AND member_streaks.user_id = c.user_id";

    const INSERT_SPENT_FREEZES: &'static str = "INSERT INTO streak_freezes (channel_id, user_id, seq) \
         SELECT $1, c.user_id, $3 \
         FROM (SELECT value ->> 0 AS user_id, value ->> 4 AS last_freeze_seq FROM json_each($2)) AS c \
         WHERE c.last_freeze_seq = $3 ON CONFLICT DO NOTHING";

    const SAVE_STREAKS: &'static str = SAVE_STREAKS;

    /// Joins row by row through the keys.
    const READ_ROUND: &'static str = "SELECT b.i, p.channel_id, p.guild_id, p.seq, p.revealed_at, \
             (SELECT COALESCE(MAX(q.seq), 0) FROM daily_posts q \
              WHERE q.channel_id = p.channel_id AND q.message_id IS NOT NULL) AS latest_seq, \
             (SELECT n.claimed_at FROM daily_posts n WHERE n.channel_id = p.channel_id \
              AND n.seq = p.seq + 1 AND n.message_id IS NOT NULL) AS next_claimed_at, \
             m.current, m.best, m.total, m.unaided, m.last_answered_seq, m.freezes, \
             m.last_kept_seq, m.last_freeze_seq, m.before_latest_post \
         FROM (SELECT key AS i, value ->> 0 AS post_id, value ->> 1 AS user_id FROM json_each($1)) AS b \
         JOIN daily_posts p ON p.id = b.post_id \
         LEFT JOIN member_streaks m ON m.channel_id = p.channel_id AND m.user_id = b.user_id";

    /// Two statements: SQLite has no INSERT inside a WITH.
    async fn write_round(
        conn: &mut SqliteConnection,
        answers: String,
        streaks: Vec<serde_json::Value>,
    ) -> StorageResult<HashSet<(i64, i64)>> {
        let inserted: HashSet<(i64, i64)> = sqlx::query_as(INSERT_ANSWERS)
            .bind(answers)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
        // A round has each member once: their streak is saved if their answer went in.
        let members: HashSet<i64> = inserted.iter().map(|&(_, user)| user).collect();
        let streaks: Vec<serde_json::Value> = streaks
            .into_iter()
            .filter(|streak| {
                streak[1]
                    .as_i64()
                    .is_some_and(|user| members.contains(&user))
            })
            .collect();
        if !streaks.is_empty() {
            sqlx::query(SAVE_STREAKS)
                .bind(serde_json::Value::Array(streaks).to_string())
                .execute(&mut *conn)
                .await?;
        }
        Ok(inserted)
    }
}

/// Inserts the answers of a JSON array `$1` of `[post, user, answered_at, unaided,
/// counted]` (one already there is left); returns the (post, user) pairs inserted.
const INSERT_ANSWERS: &str = "INSERT INTO answers (post_id, user_id, answered_at, unaided, counted) \
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each($1) \
     WHERE TRUE ON CONFLICT DO NOTHING RETURNING post_id, user_id";

/// [`Engine::SAVE_STREAKS`].
const SAVE_STREAKS: &str = "INSERT INTO member_streaks (channel_id, user_id, guild_id, current, \
         best, total, unaided, last_answered_seq, freezes, last_kept_seq, last_freeze_seq, \
         before_latest_post) \
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, \
         value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11 \
     FROM json_each($1) \
     WHERE TRUE ON CONFLICT (channel_id, user_id) DO UPDATE SET current = excluded.current, \
         best = excluded.best, total = excluded.total, unaided = excluded.unaided, \
         last_answered_seq = excluded.last_answered_seq, freezes = excluded.freezes, \
         last_kept_seq = excluded.last_kept_seq, last_freeze_seq = excluded.last_freeze_seq, \
         before_latest_post = excluded.before_latest_post";

/// Prepares the statements that record answers on the writer's connection, so that no
/// answer waits for SQLite to compile them.
async fn prepare_record_statements(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    use sqlx::Executor as _;
    for sql in [Backend::READ_ROUND, INSERT_ANSWERS, SAVE_STREAKS] {
        (&mut *conn).prepare(sqlx::SqlStr::from_static(sql)).await?;
    }
    Ok(())
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
