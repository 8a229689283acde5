//! The PostgreSQL engine, for several processes on one database: the pool, the write
//! lock, and its own SQL: the statements that unpack a JSON array parameter
//! (`jsonb_array_elements`), which SQLite spells differently. Every other query is
//! shared (`queries/`). The server totals, standings and practice inbox are kept by
//! statement triggers (`migrations/postgres/0009_kept_counts_by_statement.sql`) on
//! every write: once per statement, however many rows it writes.
//!
//! Where SQLite's `BEGIN IMMEDIATE` makes every write transaction run alone, here each
//! write transaction takes transaction-scoped advisory locks on what it touches (a
//! channel, a server, a member's deck; `engine::Lock`) first: a read-then-write (a
//! claim, a streak update) never interleaves with another on the same scope, across
//! every process, and writes to other channels and servers run in parallel. The kept
//! counts change by deltas under row locks, which commute. Single-statement writes
//! need no lock: their row locks and unique constraints decide between processes.

use const_format::concatcp;
use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, PgPool};

use super::contract::{DatabaseKind, Lifecycle, Pool};
use super::engine::{Engine, Lock, lock_keys};
use super::error::{StorageError, StorageResult};
use super::posts::SELECT_POST;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The latest migration's number: the schema version this build brings a database to.
pub(super) fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// A pooled connection idle longer than this is pinged before it is used.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

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
}

#[async_trait::async_trait]
impl Lifecycle for Backend {
    fn kind(&self) -> DatabaseKind {
        DatabaseKind::Postgres
    }

    fn pool(&self) -> Pool<'_> {
        Pool::Postgres(&self.pool)
    }

    /// Commits a write that changes nothing: fails when the server cannot be reached
    /// or does not accept writes (a read-only transaction or a standby). It takes
    /// no advisory lock: a health probe waits for no other process's write.
    async fn check_writable(&self) -> StorageResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE _sqlx_migrations SET success = success \
             WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

impl Engine for Backend {
    type Db = sqlx::Postgres;

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// Holds an advisory lock per scope until it commits or rolls back, taken in the
    /// order of their keys, so two transactions never wait for each other in a ring.
    async fn begin_write(
        &self,
        locks: &[Lock],
    ) -> StorageResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.pool.begin().await?;
        let keys = lock_keys(locks);
        if !keys.is_empty() {
            // `unnest` yields the keys in the array's order: the locks are taken so.
            sqlx::query("SELECT pg_advisory_xact_lock(k) FROM unnest($1::BIGINT[]) AS k")
                .bind(keys)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    async fn locks_of_posts(&self, posts: &[i64]) -> StorageResult<Vec<Lock>> {
        let channels: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT DISTINCT guild_id, channel_id FROM daily_posts WHERE id = ANY($1::BIGINT[])",
        )
        .bind(posts)
        .fetch_all(&self.pool)
        .await?;
        use super::convert::from_db_id;
        Ok(channels
            .into_iter()
            .flat_map(|(guild, channel)| Lock::streaks_of(from_db_id(guild), from_db_id(channel)))
            .collect())
    }

    async fn locks_of_channel(&self, channel_id: u64) -> StorageResult<Vec<Lock>> {
        use super::convert::{from_db_id, to_db_id};
        let guild: Option<i64> =
            sqlx::query_scalar("SELECT guild_id FROM schedules WHERE channel_id = $1")
                .bind(to_db_id(channel_id))
                .fetch_optional(&self.pool)
                .await?;
        Ok(Lock::streaks_of(guild.map_or(0, from_db_id), channel_id).to_vec())
    }

    async fn locks_of_guild(&self, guild_id: u64) -> StorageResult<Vec<Lock>> {
        use super::convert::{from_db_id, to_db_id};
        let channels: Vec<i64> =
            sqlx::query_scalar("SELECT channel_id FROM schedules WHERE guild_id = $1")
                .bind(to_db_id(guild_id))
                .fetch_all(&self.pool)
                .await?;
        let channels = channels.into_iter().map(|c| Lock::Channel(from_db_id(c)));
        Ok(std::iter::once(Lock::Guild(guild_id))
            .chain(channels)
            .collect())
    }

    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }

    /// The filter of the partial index `daily_posts_unfinished`
    /// (`migrations/postgres/0001_initial.sql`).
    const UNFINISHED_POSTS: &'static str = concatcp!(
        SELECT_POST,
        " WHERE message_id IS NULL OR thread_id IS NULL OR reacted = FALSE \
         OR (revealed_at IS NOT NULL AND reveal_shown = FALSE) ORDER BY id"
    );

    const UPDATE_CHANGED_STREAKS: &'static str = "UPDATE member_streaks SET current = c.current, \
         freezes = c.freezes, last_kept_seq = c.last_kept_seq, \
         last_freeze_seq = c.last_freeze_seq, before_latest_post = c.before_latest_post \
         FROM (SELECT (value ->> 0)::BIGINT AS user_id, (value ->> 1)::BIGINT AS current, \
             (value ->> 2)::BIGINT AS freezes, (value ->> 3)::BIGINT AS last_kept_seq, \
             (value ->> 4)::BIGINT AS last_freeze_seq, value ->> 5 AS before_latest_post \
             FROM jsonb_array_elements($2::JSONB)) AS c \
         WHERE member_streaks.channel_id = $1 AND member_streaks.user_id = c.user_id";

    const INSERT_SPENT_FREEZES: &'static str = "INSERT INTO streak_freezes (channel_id, user_id, seq) \
         SELECT $1, c.user_id, $3 \
         FROM (SELECT (value ->> 0)::BIGINT AS user_id, (value ->> 4)::BIGINT AS last_freeze_seq \
             FROM jsonb_array_elements($2::JSONB)) AS c \
         WHERE c.last_freeze_seq = $3 ON CONFLICT DO NOTHING";

    const SAVE_STREAKS: &'static str = SAVE_STREAKS;

    /// Lateral lookups by key: PostgreSQL guesses 100 rows for the array and would
    /// otherwise hash-join whole tables (4 ms for one answer at 10,000 members).
    const READ_ROUND: &'static str = "SELECT b.i, p.channel_id, p.guild_id, p.seq, p.revealed_at, \
             (SELECT COALESCE(MAX(q.seq), 0) FROM daily_posts q \
              WHERE q.channel_id = p.channel_id AND q.message_id IS NOT NULL) AS latest_seq, \
             (SELECT n.claimed_at FROM daily_posts n WHERE n.channel_id = p.channel_id \
              AND n.seq = p.seq + 1 AND n.message_id IS NOT NULL) AS next_claimed_at, \
             m.current, m.best, m.total, m.unaided, m.last_answered_seq, m.freezes, \
             m.last_kept_seq, m.last_freeze_seq, m.before_latest_post \
         FROM (SELECT (e.n - 1)::BIGINT AS i, (e.value ->> 0)::BIGINT AS post_id, \
                 (e.value ->> 1)::BIGINT AS user_id \
             FROM jsonb_array_elements($1::JSONB) WITH ORDINALITY AS e(value, n)) AS b \
         CROSS JOIN LATERAL (SELECT * FROM daily_posts WHERE id = b.post_id LIMIT 1) AS p \
         LEFT JOIN LATERAL (SELECT * FROM member_streaks \
             WHERE channel_id = p.channel_id AND user_id = b.user_id LIMIT 1) AS m ON TRUE";

    /// One statement ([`WRITE_ROUND`]): a round trip fewer per batch.
    async fn write_round(
        conn: &mut PgConnection,
        answers: String,
        streaks: Vec<serde_json::Value>,
    ) -> StorageResult<HashSet<(i64, i64)>> {
        let inserted: Vec<(i64, i64)> = sqlx::query_as(WRITE_ROUND)
            .bind(answers)
            .bind(serde_json::Value::Array(streaks).to_string())
            .fetch_all(&mut *conn)
            .await?;
        Ok(inserted.into_iter().collect())
    }
}

/// [`Engine::SAVE_STREAKS`].
const SAVE_STREAKS: &str = "INSERT INTO member_streaks (channel_id, user_id, guild_id, current, \
         best, total, unaided, last_answered_seq, freezes, last_kept_seq, last_freeze_seq, \
         before_latest_post) \
     SELECT (value ->> 0)::BIGINT, (value ->> 1)::BIGINT, (value ->> 2)::BIGINT, \
         (value ->> 3)::BIGINT, (value ->> 4)::BIGINT, (value ->> 5)::BIGINT, \
         (value ->> 6)::BIGINT, (value ->> 7)::BIGINT, (value ->> 8)::BIGINT, \
         (value ->> 9)::BIGINT, (value ->> 10)::BIGINT, value ->> 11 \
     FROM jsonb_array_elements($1::JSONB) \
     WHERE TRUE ON CONFLICT (channel_id, user_id) DO UPDATE SET current = excluded.current, \
         best = excluded.best, total = excluded.total, unaided = excluded.unaided, \
         last_answered_seq = excluded.last_answered_seq, freezes = excluded.freezes, \
         last_kept_seq = excluded.last_kept_seq, last_freeze_seq = excluded.last_freeze_seq, \
         before_latest_post = excluded.before_latest_post";

/// [`Engine::write_round`] in one statement: inserts the answers of `$1` (`[post,
/// user, answered_at, unaided, counted]`; one already there is left) and saves the
/// streaks of `$2` (as [`SAVE_STREAKS`] takes them) of the members whose answer it
/// inserted (a round has each member once); returns the inserted (post, user) pairs.
/// The statement triggers keep the counts that follow, once for the statement.
const WRITE_ROUND: &str = "WITH inserted AS (\
         INSERT INTO answers (post_id, user_id, answered_at, unaided, counted) \
         SELECT (value ->> 0)::BIGINT, (value ->> 1)::BIGINT, (value ->> 2)::BIGINT, \
             (value ->> 3)::BOOLEAN, (value ->> 4)::BOOLEAN FROM jsonb_array_elements($1::JSONB) \
         WHERE TRUE ON CONFLICT DO NOTHING RETURNING post_id, user_id \
     ), saved AS (\
         INSERT INTO member_streaks (channel_id, user_id, guild_id, current, best, total, \
             unaided, last_answered_seq, freezes, last_kept_seq, last_freeze_seq, \
             before_latest_post) \
         SELECT (s.value ->> 0)::BIGINT, (s.value ->> 1)::BIGINT, (s.value ->> 2)::BIGINT, \
             (s.value ->> 3)::BIGINT, (s.value ->> 4)::BIGINT, (s.value ->> 5)::BIGINT, \
             (s.value ->> 6)::BIGINT, (s.value ->> 7)::BIGINT, (s.value ->> 8)::BIGINT, \
             (s.value ->> 9)::BIGINT, (s.value ->> 10)::BIGINT, s.value ->> 11 \
         FROM jsonb_array_elements($2::JSONB) AS s \
         JOIN inserted i ON i.user_id = (s.value ->> 1)::BIGINT \
         WHERE TRUE ON CONFLICT (channel_id, user_id) DO UPDATE SET current = excluded.current, \
             best = excluded.best, total = excluded.total, unaided = excluded.unaided, \
             last_answered_seq = excluded.last_answered_seq, freezes = excluded.freezes, \
             last_kept_seq = excluded.last_kept_seq, last_freeze_seq = excluded.last_freeze_seq, \
             before_latest_post = excluded.before_latest_post \
     ) SELECT post_id, user_id FROM inserted";

/// The statements recording answers runs, with their numbers of parameters.
const RECORD_STATEMENTS: [(&str, usize); 2] = [(Backend::READ_ROUND, 1), (WRITE_ROUND, 2)];

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

/// Prepares the statements that record answers on a new connection, into its
/// statement cache, so that no answer waits a round trip for the server to parse them.
/// Their parameters are JSON arrays as text. A failure costs only the head start (a
/// statement is prepared when first run anyway), so it is logged and the connection
/// kept: a connection the pool refused would fail every query instead.
async fn prepare_on_connect(connection: &mut PgConnection) -> Result<(), sqlx::Error> {
    use sqlx::Executor as _;
    let text = <String as sqlx::Type<sqlx::Postgres>>::type_info();
    for (sql, parameters) in RECORD_STATEMENTS {
        let types = vec![text.clone(); parameters];
        let prepared = (&mut *connection)
            .prepare_with(sqlx::SqlStr::from_static(sql), &types)
            .await;
        if let Err(error) = prepared {
            tracing::warn!(%error, "could not prepare the answer statements on a new database connection; each is prepared when first run");
            break;
        }
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
