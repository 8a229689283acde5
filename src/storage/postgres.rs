//! The PostgreSQL backend, for several processes on one database. The shared queries
//! of `queries/` compiled for PostgreSQL, and what only PostgreSQL needs.
//!
//! Where SQLite's `BEGIN IMMEDIATE` makes every write transaction run alone, here each
//! write transaction takes one transaction-scoped advisory lock first: the same
//! guarantee across every process on the database, so a read-then-write (a claim, a
//! streak update) never interleaves with another. Single-statement writes need no
//! lock: their row locks and unique constraints decide between processes.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, PgPool};

use super::error::{StorageError, StorageResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

type Connection = PgConnection;

/// [`BEGIN_WRITE`]'s text, for the statements that begin with it.
macro_rules! begin_write {
    () => {
        "BEGIN; SELECT pg_advisory_xact_lock(1903129700)"
    };
}

/// Opens a write transaction holding the advisory lock every write transaction
/// holds, key 1903129700: "qotd" in ASCII (`BEGIN` and the lock in one round trip).
const BEGIN_WRITE: &str = begin_write!();

/// Opens the write transaction that records answers: [`BEGIN_WRITE`], and with
/// [`ONE_STATEMENT_WRITES`] the row triggers keeping counts stand aside, for the one
/// write statement writes those counts itself, once per round
/// (`migrations/postgres/0008_kept_counts_per_batch.sql`).
const BEGIN_RECORD: &str = if ONE_STATEMENT_WRITES {
    concat!(begin_write!(), "; SET LOCAL qotd.kept_counts = 'per batch'")
} else {
    BEGIN_WRITE
};

/// A round's answers and streaks, and the kept counts they move, are written by one
/// statement (a round trip fewer per answer batch, and no row triggers: see
/// `queries/answers.rs`); otherwise by two, the triggers keeping the counts.
const ONE_STATEMENT_WRITES: bool = true;

/// A pooled connection idle longer than this is pinged before it is used.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// `Store::unfinished_posts`'s filter, the partial index's
/// (`migrations/postgres/0001_initial.sql`).
macro_rules! unfinished_posts_filter {
    () => {
        "message_id IS NULL OR thread_id IS NULL OR reacted = FALSE \
         OR (revealed_at IS NOT NULL AND reveal_shown = FALSE)"
    };
}

/// The rows `(user_id, current, freezes, last_kept_seq, last_freeze_seq)` of a JSON
/// array of such arrays bound as `$param`.
macro_rules! changed_streaks {
    ($param:literal) => {
        concat!(
            "(SELECT (value ->> 0)::BIGINT AS user_id, (value ->> 1)::BIGINT AS current, \
             (value ->> 2)::BIGINT AS freezes, (value ->> 3)::BIGINT AS last_kept_seq, \
             (value ->> 4)::BIGINT AS last_freeze_seq FROM jsonb_array_elements(",
            $param,
            "::JSONB))"
        )
    };
}

/// For a JSON array of `[post_id, user_id]` bound as `$param`: `b` (`i`, counting from
/// 0, `post_id`, `user_id`), each answer's post `p` and the member's streak `m` in its
/// channel, if any. Lateral lookups by key: PostgreSQL guesses 100 rows for the array
/// and would otherwise hash-join whole tables (4 ms for one answer at 10,000 members).
macro_rules! answers_posts_and_streaks {
    ($param:literal) => {
        concat!(
            "(SELECT (e.n - 1)::BIGINT AS i, (e.value ->> 0)::BIGINT AS post_id, \
             (e.value ->> 1)::BIGINT AS user_id \
             FROM jsonb_array_elements(",
            $param,
            "::JSONB) WITH ORDINALITY AS e(value, n)) AS b \
             CROSS JOIN LATERAL (SELECT * FROM daily_posts WHERE id = b.post_id LIMIT 1) AS p \
             LEFT JOIN LATERAL (SELECT * FROM member_streaks \
                 WHERE channel_id = p.channel_id AND user_id = b.user_id LIMIT 1) AS m ON TRUE"
        )
    };
}

/// The rows `(post_id, user_id, answered_at, unaided, counted)` of a JSON array of such
/// arrays bound as `$param`.
macro_rules! new_answers {
    ($param:literal) => {
        concat!(
            "(SELECT (value ->> 0)::BIGINT AS post_id, (value ->> 1)::BIGINT AS user_id, \
             (value ->> 2)::BIGINT AS answered_at, (value ->> 3)::BOOLEAN AS unaided, \
             (value ->> 4)::BOOLEAN AS counted FROM jsonb_array_elements(",
            $param,
            "::JSONB))"
        )
    };
}

/// The `member_streaks` rows (every column, in table order) of a JSON array of such
/// arrays bound as `$param`.
macro_rules! streak_rows {
    ($param:literal) => {
        concat!(
            "(SELECT (value ->> 0)::BIGINT AS channel_id, (value ->> 1)::BIGINT AS user_id, \
             (value ->> 2)::BIGINT AS guild_id, (value ->> 3)::BIGINT AS current, \
             (value ->> 4)::BIGINT AS best, (value ->> 5)::BIGINT AS total, \
             (value ->> 6)::BIGINT AS unaided, (value ->> 7)::BIGINT AS last_answered_seq, \
             (value ->> 8)::BIGINT AS freezes, (value ->> 9)::BIGINT AS last_kept_seq, \
             (value ->> 10)::BIGINT AS last_freeze_seq FROM jsonb_array_elements(",
            $param,
            "::JSONB))"
        )
    };
}

// The same query files as the SQLite backend's, compiled again for PostgreSQL.
#[path = "queries/answers.rs"]
#[expect(clippy::duplicate_mod, reason = "compiled once per backend")]
mod answers;
#[path = "queries/guilds.rs"]
#[expect(clippy::duplicate_mod, reason = "compiled once per backend")]
mod guilds;
#[path = "queries/posts.rs"]
#[expect(clippy::duplicate_mod, reason = "compiled once per backend")]
mod posts;
#[path = "queries/practice.rs"]
#[expect(clippy::duplicate_mod, reason = "compiled once per backend")]
mod practice;
#[path = "queries/quizzes.rs"]
#[expect(clippy::duplicate_mod, reason = "compiled once per backend")]
mod quizzes;
#[path = "queries/schedules.rs"]
#[expect(clippy::duplicate_mod, reason = "compiled once per backend")]
mod schedules;
#[path = "queries/suggestions.rs"]
#[expect(clippy::duplicate_mod, reason = "compiled once per backend")]
mod suggestions;
#[path = "queries/teams.rs"]
#[expect(clippy::duplicate_mod, reason = "compiled once per backend")]
mod teams;

/// A PostgreSQL database, possibly shared with other qotd processes.
#[derive(Debug, Clone)]
pub(super) struct Backend {
    pool: PgPool,
}

impl Backend {
    /// Connects to the database at `url` and applies migrations (sqlx's migrator
    /// holds an advisory lock while it does, so processes starting together take turns).
    pub(super) async fn open(url: &str) -> StorageResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|error| StorageError::InvalidUrl(error.to_string()))?
            .application_name("qotd")
            // A process that stops mid-transaction (frozen, cut off) would hold the
            // write lock of every process: the server ends such a session instead.
            .options([("idle_in_transaction_session_timeout", "60s")]);
        // The schema first, on a pool of one connection of its own (the same timeout
        // and retries): every connection of the real pool then finds it, and prepares
        // the statements that record answers as it connects.
        let setup = pool_options(1).connect_with(options.clone()).await?;
        let migrated = async {
            check_schema_version(&setup).await?;
            MIGRATOR.run(&setup).await?;
            StorageResult::Ok(())
        }
        .await;
        setup.close().await;
        migrated?;
        let pool = pool_options(4)
            .after_connect(|connection, _| Box::pin(prepare_on_connect(connection)))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// Reads go to the pool.
    fn reader(&self) -> &PgPool {
        &self.pool
    }

    /// Single-statement writes go to the pool too.
    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction, holding the write lock until it commits or rolls back.
    async fn begin_write(&self) -> StorageResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin_with(BEGIN_WRITE).await?)
    }

    /// The write transaction that records answers (see [`BEGIN_RECORD`]).
    async fn begin_record(&self) -> StorageResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin_with(BEGIN_RECORD).await?)
    }

    /// Commits a write that changes nothing: fails when the server cannot be reached
    /// or does not accept writes (a read-only transaction or a standby).
    pub(super) async fn check_writable(&self) -> StorageResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE _sqlx_migrations SET success = success \
             WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }
}

/// The pool's settings, for at most `connections` connections.
fn pool_options(connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(connections)
        .min_connections(0)
        // A command must answer within Discord's 3 s: while the server is away, a
        // write fails fast (and the bot says it cannot save) instead of waiting.
        .acquire_timeout(Duration::from_secs(2))
        .idle_timeout(Duration::from_secs(60))
        // sqlx pings every connection it hands out: a round trip before every
        // statement. A connection used in the last second is alive; one idle longer
        // (a server restart or a network cut shows there) is still pinged.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                Ok(meta.idle_for < PING_AFTER_IDLE || connection.ping().await.is_ok())
            })
        })
}

/// Prepares the answer statements on a new connection. A failure costs only the head
/// start (a statement is prepared when first run anyway), so it is logged and the
/// connection kept: a connection the pool refused would fail every query instead.
async fn prepare_on_connect(connection: &mut Connection) -> Result<(), sqlx::Error> {
    if let Err(error) = answers::prepare_record_statements(connection).await {
        tracing::warn!(%error, "could not prepare the answer statements on a new database connection; each is prepared when first run");
    }
    Ok(())
}

/// Refuses a database migrated by a newer build.
async fn check_schema_version(pool: &PgPool) -> StorageResult<()> {
    let migrated: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !migrated {
        return Ok(());
    }
    let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await?;
    StorageError::check_schema_version(found, &MIGRATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_transaction_takes_the_write_lock() {
        let lock = format!("pg_advisory_xact_lock({})", u32::from_be_bytes(*b"qotd"));
        assert!(BEGIN_WRITE.starts_with("BEGIN;") && BEGIN_WRITE.contains(&lock));
        assert!(BEGIN_RECORD.starts_with(BEGIN_WRITE));
    }
}
