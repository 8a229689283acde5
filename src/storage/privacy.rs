//! Members' data rights (SPEC §15): every row about a member in a server, to export
//! or delete; leaving the leaderboards; a removed server's data, deleted once.

use chrono::{DateTime, Utc};

use super::error::StorageResult;
use crate::core::privacy::MemberRows;

/// How many rows each table lost, in the order they were deleted.
pub type Removed = Vec<(&'static str, u64)>;

/// Members' data rights.
#[async_trait::async_trait]
pub trait Privacy: Send + Sync {
    /// Every row about `user_id` in `guild_id`, table by table (every table the
    /// export documents, empty or not), and none about anyone else.
    async fn member_rows(&self, guild_id: u64, user_id: u64) -> StorageResult<MemberRows>;

    /// Deletes every row about `user_id` in `guild_id` in one transaction: streaks,
    /// totals, leaderboards, seasons and statistics no longer count them. A suggestion
    /// already approved stays a question of the server, without its author.
    async fn delete_member(&self, guild_id: u64, user_id: u64) -> StorageResult<Removed>;

    /// Takes a member out of the server's leaderboards and season standings (`true`)
    /// or back in; returns whether they were out before.
    async fn set_hidden(
        &self,
        guild_id: u64,
        user_id: u64,
        hidden: bool,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
    async fn is_hidden(&self, guild_id: u64, user_id: u64) -> StorageResult<bool>;

    /// The bot was removed from `guild_id` at `now` (a removal already recorded keeps
    /// its first time).
    async fn server_removed(&self, guild_id: u64, now: DateTime<Utc>) -> StorageResult<()>;
    /// The bot is in `guild_id` again: its data stays. True when a removal was pending.
    async fn server_back(&self, guild_id: u64) -> StorageResult<bool>;
    /// The servers the bot was removed from whose data is still here, with when.
    async fn server_removals(&self) -> StorageResult<Vec<(u64, DateTime<Utc>)>>;
    /// Deletes every row of `guild_id` when its removal was recorded at or before
    /// `removed_by`, in one transaction that also deletes the removal: `Some` (the
    /// rows each table lost) for the one caller, across processes, that did it.
    async fn delete_server(
        &self,
        guild_id: u64,
        removed_by: DateTime<Utc>,
    ) -> StorageResult<Option<Removed>>;
}
