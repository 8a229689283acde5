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

    /// A write transaction: what it reads of the scopes `locks` name stays true until
    /// it commits, across every process on the database. SQLite: `BEGIN IMMEDIATE`
    /// (every write transaction runs alone). PostgreSQL: a transaction holding an
    /// advisory lock per scope, taken in one order (no deadlock), so writes to other
    /// channels and servers run in parallel.
    fn begin_write(&self, locks: &[Lock]) -> impl Future<Output = StorageResult<Tx<Self>>> + Send;

    /// The locks a write to the streaks of `posts`' channels takes: each channel and
    /// its server ([`Lock::streaks_of`]); none where [`Engine::begin_write`] takes no
    /// locks.
    fn locks_of_posts(
        &self,
        posts: &[i64],
    ) -> impl Future<Output = StorageResult<Vec<Lock>>> + Send;

    /// The locks a write to the streaks of daily channel `channel_id` takes: the
    /// channel and its server ([`Lock::streaks_of`]); none where
    /// [`Engine::begin_write`] takes no locks.
    fn locks_of_channel(
        &self,
        channel_id: u64,
    ) -> impl Future<Output = StorageResult<Vec<Lock>>> + Send;

    /// The locks a write to every daily channel of server `guild_id` takes (a
    /// member's or the server's deletion): the server and each of its channels; none
    /// where [`Engine::begin_write`] takes no locks.
    fn locks_of_guild(
        &self,
        guild_id: u64,
    ) -> impl Future<Output = StorageResult<Vec<Lock>>> + Send;

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

/// What a write transaction touches ([`Engine::begin_write`]). Each call site says
/// which invariant its locks protect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    /// A daily channel: its posts (claims, numbers) and its members' streaks.
    Channel(u64),
    /// A server: its teams, suggestions and schedules.
    Guild(u64),
    /// A member's practice deck in a server.
    Member { guild: u64, user: u64 },
}

impl Lock {
    /// What a write to a channel's streaks locks: the channel (its latest question
    /// and its members' streaks stay as read) and its server (the server's totals,
    /// standings and ranked count, which every such write changes by trigger: under
    /// one lock per server, two writes never take their rows in different orders).
    pub(crate) fn streaks_of(guild_id: u64, channel_id: u64) -> [Lock; 2] {
        [Lock::Guild(guild_id), Lock::Channel(channel_id)]
    }

    /// The advisory lock's key. Discord ids are unique across channels, servers and
    /// users, so a channel's or a server's id is its key; a member's mixes both. Two
    /// scopes that happened to share a key would only wait for each other.
    pub(crate) fn key(self) -> i64 {
        let key = match self {
            Lock::Channel(id) | Lock::Guild(id) => id,
            Lock::Member { guild, user } => user ^ guild.rotate_left(21),
        };
        key as i64
    }
}

/// The keys of `locks` in the one order every transaction takes them, each once.
pub(crate) fn lock_keys(locks: &[Lock]) -> Vec<i64> {
    let mut keys: Vec<i64> = locks.iter().map(|lock| lock.key()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
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
