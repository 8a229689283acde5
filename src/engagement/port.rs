//! What reminders, role rewards and seasons ask of Discord.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::core::seasons::{Season, SeasonEntry};
pub use crate::daily::port::{HistoryMessage, PostFailure};

/// A reminder: the daily question a member has not answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub guild_id: u64,
    pub channel_id: u64,
    /// The daily post to answer.
    pub message_id: u64,
    /// The member's streak in the channel.
    pub streak: u32,
    /// When the channel's next question comes (and the streak breaks unanswered).
    pub next_post: DateTime<Utc>,
    /// The member's practice cards due now (SPEC §8).
    pub cards_due: u32,
}

/// The Discord calls of reminders, role rewards and seasons. Each retries what is
/// worth retrying and fails with [`PostFailure::Refused`] or
/// [`PostFailure::Transient`].
pub trait EngagementPort: Send + Sync {
    /// Sends `user_id` a direct message with their reminder and a **Stop reminders**
    /// button. Refused: they cannot be messaged (Discord's 50007).
    fn send_reminder(
        &self,
        user_id: u64,
        reminder: &Reminder,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// Gives a member a role. Refused: the role is above the bot's, or the bot lacks
    /// Manage Roles.
    fn add_role(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// Takes a role from a member.
    fn remove_role(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// Tells a server's alerts channel that the bot could not give `role_id`.
    fn send_role_alert(
        &self,
        alerts_channel_id: u64,
        role_id: u64,
        problem: &str,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// Posts a season's final standings (`ranked`: the top, in order) in a daily
    /// channel, titled `seasons::standings_title`; returns the message id.
    fn send_standings(
        &self,
        channel_id: u64,
        season: &Season,
        ranked: &[SeasonEntry],
    ) -> impl Future<Output = Result<u64, PostFailure>> + Send;

    /// A channel's newest messages (one page), newest first.
    fn recent_messages(
        &self,
        channel_id: u64,
    ) -> impl Future<Output = Result<Vec<HistoryMessage>, PostFailure>> + Send;
}
