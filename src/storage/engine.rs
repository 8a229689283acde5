//! What a database engine gives the queries: its sqlx driver, its connections, how it
//! begins a write, and the few statements whose SQL is its own.
//!
//! The queries that are the same SQL on every engine (almost all of them) are written
//! once, as generic implementations of the contract traits over any [`Engine`]
//! (`queries/`). They carry one standard `where` clause: the sqlx driver can run
//! statements on its connections, and can bind and read the Rust types the queries
//! use ([`Value`], [`Bind`]). The two engines are `sqlite.rs` and `postgres.rs`.

use std::collections::HashSet;
use std::future::Future;

use sqlx::{Database, Decode, Encode, Pool, Transaction, Type};

use super::error::StorageResult;

/// A database engine the storage runs on (see the module doc).
pub(crate) trait Engine: Send + Sync + 'static {
    /// The sqlx driver.
    type Db: Database;

    /// Where reads go.
    fn reader(&self) -> &Pool<Self::Db>;

    /// Where single-statement writes go.
    fn writer(&self) -> &Pool<Self::Db>;

    /// A write transaction: what it reads stays true until it commits, across every
    /// process on the database (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction
    /// holding the write lock).
    fn begin_write(&self) -> impl Future<Output = StorageResult<Tx<Self>>> + Send;

    /// How many rows a statement changed (sqlx gives each driver's result its own type).
    fn rows_affected(result: &<Self::Db as Database>::QueryResult) -> u64;

    /// `Posts::unfinished_posts`: every column of `SELECT_POST`, for the posts whose
    /// send, reaction, thread or shown reveal is missing, by id. Its filter is the
    /// partial index's, term for term (each engine spells booleans its own way).
    const UNFINISHED_POSTS: &'static str;

    /// Sets `current`, `freezes`, `last_kept_seq`, `last_freeze_seq` of channel `$1`'s
    /// streaks from a JSON array `$2` of `[user, current, freezes, last_kept_seq,
    /// last_freeze_seq]`.
    const UPDATE_CHANGED_STREAKS: &'static str;

    /// Records, for channel `$1`, the freeze each member of the JSON array `$2` (as in
    /// [`Engine::UPDATE_CHANGED_STREAKS`]) spent on question `$3`: the ones whose
    /// `last_freeze_seq` is `$3`.
    const INSERT_SPENT_FREEZES: &'static str;

    /// Writes whole `member_streaks` rows from a JSON array `$1` of
    /// `[channel, user, guild, current, best, total, unaided, last_answered_seq,
    /// freezes, last_kept_seq, last_freeze_seq]`, inserting or replacing.
    const SAVE_STREAKS: &'static str;

    /// For a JSON array `$1` of `[post, user]`: each answer's place `i` in it (from 0),
    /// its post's `channel_id, guild_id, seq, revealed_at`, the channel's latest posted
    /// question `latest_seq`, and the member's streak there (every streak column,
    /// NULL when they have none). Answers to an unknown post have no row.
    const READ_ROUND: &'static str;

    /// Inserts a round's answers (`answers`: a JSON array of `[post, user,
    /// answered_at, unaided, counted]`; one already there is left as it is) and saves
    /// the streaks of `streaks` (as [`Engine::SAVE_STREAKS`] takes them) of the members
    /// whose answer it inserted. Returns the inserted (post, user) pairs.
    fn write_round<'c>(
        conn: &'c mut Conn<Self>,
        answers: String,
        streaks: Vec<serde_json::Value>,
    ) -> impl Future<Output = StorageResult<HashSet<(i64, i64)>>> + Send + 'c;
}

/// The engine's sqlx driver.
pub(crate) type Db<E> = <E as Engine>::Db;

/// A connection of the engine's driver (what a transaction dereferences to).
pub(crate) type Conn<E> = <Db<E> as Database>::Connection;

/// A transaction of the engine's driver.
pub(crate) type Tx<E> = Transaction<'static, Db<E>>;

/// The engine driver's statement arguments.
pub(crate) type Args<E> = <Db<E> as Database>::Arguments;

/// A row of the engine's driver.
pub(crate) type Row<E> = <Db<E> as Database>::Row;

/// A Rust type the driver stores in a column: bound as a parameter and read back.
pub(crate) trait Value<DB: Database>:
    Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>
{
}

impl<DB: Database, T> Value<DB> for T where
    T: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>
{
}

/// A Rust type the driver binds as a parameter (borrowed text, optional values).
pub(crate) trait Bind<DB: Database>: Type<DB> + for<'q> Encode<'q, DB> {}

impl<DB: Database, T> Bind<DB> for T where T: Type<DB> + for<'q> Encode<'q, DB> {}
