//! Reminders, role rewards and seasons (SPEC §14): members' opt-ins, the roles a
//! server gives, and the month-end work, each done once across processes.

use chrono::{DateTime, NaiveDate, Utc};

use super::error::StorageResult;
use crate::core::lease::Taken;
use crate::core::rewards::RoleReward;
use crate::core::seasons::SeasonEntry;

/// A member who turned reminders on in a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderOptIn {
    pub guild_id: u64,
    pub user_id: u64,
    pub hours_before: u32,
    /// The local date of the last reminder taken for sending.
    pub last_sent_on: Option<NaiveDate>,
}

/// A reward role as an admin set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RewardSetting {
    pub reward: RoleReward,
    /// Discord refused to give it: the admins were told once; not tried again.
    pub refused: bool,
}

/// The champion role of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChampionRole {
    pub role_id: u64,
    /// Discord refused to give it: the admins were told once; not tried again.
    pub refused: bool,
}

/// Reminders, role rewards and seasons.
#[async_trait::async_trait]
pub trait Engagement: Send + Sync {
    /// Turns a member's reminders on (`Some(hours_before)`) or off (`None`) in a
    /// server; returns whether they were on before.
    async fn set_reminder(
        &self,
        guild_id: u64,
        user_id: u64,
        hours_before: Option<u32>,
    ) -> StorageResult<bool>;
    async fn reminder(&self, guild_id: u64, user_id: u64) -> StorageResult<Option<ReminderOptIn>>;
    /// Every member with reminders on, in every server.
    async fn reminders_on(&self) -> StorageResult<Vec<ReminderOptIn>>;
    /// Takes today's reminder of a member (`today`: the server's local date): true for
    /// one caller a day, across processes, while their reminders are on.
    async fn take_reminder(
        &self,
        guild_id: u64,
        user_id: u64,
        today: NaiveDate,
    ) -> StorageResult<bool>;

    /// Sets the reward role `role_id` for a best streak of `streak` (again: a role
    /// Discord refused is tried again).
    async fn set_role_reward(&self, guild_id: u64, reward: RoleReward) -> StorageResult<()>;
    /// Removes a reward role; false when it was none. Members keep the role.
    async fn remove_role_reward(&self, guild_id: u64, role_id: u64) -> StorageResult<bool>;
    /// A server's reward roles, by streak.
    async fn role_rewards(&self, guild_id: u64) -> StorageResult<Vec<RewardSetting>>;
    /// Servers with at least one reward role Discord has not refused.
    async fn servers_with_rewards(&self) -> StorageResult<Vec<u64>>;
    /// Each member of a server whose best streak in one of its daily channels is at
    /// least `at_least`, with their best over its channels.
    async fn best_streaks(&self, guild_id: u64, at_least: u32) -> StorageResult<Vec<(u64, u32)>>;
    /// The reward roles given (or being given) to members of a server: (user, role).
    async fn rewards_given(&self, guild_id: u64) -> StorageResult<Vec<(u64, u64)>>;
    /// Takes the giving of `role_id` to `user_id`.
    async fn take_reward(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<Taken>;
    /// Records that Discord gave the role.
    async fn reward_given(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
    /// Gives back a giving that failed, for a later try.
    async fn give_back_reward(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
    ) -> StorageResult<()>;
    /// Records that Discord refused a reward role: true the first time (alert once).
    async fn refuse_role_reward(
        &self,
        guild_id: u64,
        role_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;

    /// Sets (or clears) a server's champion role (again: tried again if refused).
    async fn set_champion_role(&self, guild_id: u64, role_id: Option<u64>) -> StorageResult<()>;
    async fn champion_role(&self, guild_id: u64) -> StorageResult<Option<ChampionRole>>;
    /// Records that Discord refused the champion role: true the first time.
    async fn refuse_champion_role(&self, guild_id: u64, now: DateTime<Utc>) -> StorageResult<bool>;

    /// Each member's answers to a server's daily questions given in `[start, end)`:
    /// how many, how many unaided, and the last one's time; members who left the
    /// leaderboards (`/privacy hide`) are not among them.
    async fn season_entries(
        &self,
        guild_id: u64,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> StorageResult<Vec<SeasonEntry>>;
    /// Takes the final standings post of `season` in a daily channel.
    async fn take_season_post(
        &self,
        guild_id: u64,
        channel_id: u64,
        season: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<Taken>;
    /// Records the standings message: the post is done.
    async fn season_posted(
        &self,
        channel_id: u64,
        season: &str,
        message_id: u64,
    ) -> StorageResult<()>;
    /// Gives back a standings post that failed, for a later try.
    async fn give_back_season_post(&self, channel_id: u64, season: &str) -> StorageResult<()>;
    /// Takes the move of the champion role for `season`, naming its champion.
    async fn take_champion_move(
        &self,
        guild_id: u64,
        season: &str,
        champion: Option<u64>,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<Taken>;
    /// Records that the champion role moved for `season`.
    async fn champion_moved(
        &self,
        guild_id: u64,
        season: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
    /// Gives back a move that failed, for a later try.
    async fn give_back_champion_move(&self, guild_id: u64, season: &str) -> StorageResult<()>;
    /// The champion of a server's season, if it was named and anyone answered.
    async fn season_champion(&self, guild_id: u64, season: &str) -> StorageResult<Option<u64>>;
}
