//! What the daily workflow asks of Discord, and how a call can fail.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::core::hint_reveal::RevealReason;
use crate::core::question_bank::{Question, QuestionBank};
use crate::storage::{DailyPost, StorageError};

/// Messages, reactors: one page of a Discord listing holds at most this many.
pub const PAGE: usize = 100;

/// Why a step of the daily work failed.
#[derive(Debug, thiserror::Error)]
pub enum PostFailure {
    /// Discord refused for good (no permission, unknown channel): do not retry now.
    #[error("{0}")]
    Refused(String),
    /// A 5xx, a 429 or a network error: the outcome is unknown, retry later.
    #[error("{0}")]
    Transient(String),
    /// The database would not do its part (retried like a transient failure).
    #[error("{0}")]
    Database(#[from] StorageError),
}

/// A message of a channel's history, as the daily workflow needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryMessage {
    pub id: u64,
    pub author_id: u64,
    /// A member's own message or reply (not a bot, a webhook or a system message):
    /// the kind of message that can answer a question.
    pub from_member: bool,
    pub nonce: Option<String>,
    /// The title of the message's first embed.
    pub title: Option<String>,
    /// The message it replies to.
    pub reply_to: Option<u64>,
    pub at: DateTime<Utc>,
}

impl HistoryMessage {
    /// The message as the answering rule sees it, read in `channel_id`.
    pub fn seen_in(&self, channel_id: u64) -> crate::core::answering::Message {
        crate::core::answering::Message {
            channel_id,
            author_id: self.author_id,
            from_member: self.from_member,
            reply_to: self.reply_to,
            at: self.at,
        }
    }
}

/// The best answer to a channel's previous question (SPEC §13), named in its next
/// post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestAnswer {
    /// The previous question's number in the series.
    pub seq: i64,
    pub name: String,
    pub stars: u32,
    pub guild_id: u64,
    pub thread_id: u64,
    /// The first message that shows it.
    pub message_id: u64,
}

/// Someone who reacted 💡.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reactor {
    pub user_id: u64,
    pub bot: bool,
}

/// The Discord calls of the daily workflow. Each retries what is worth retrying and
/// fails with [`PostFailure::Refused`] or [`PostFailure::Transient`].
pub trait DiscordPort: Send + Sync {
    /// The bot's own user id.
    fn current_user_id(&self) -> impl Future<Output = Result<u64, PostFailure>> + Send;

    /// Sends a daily post (hint hidden) with its nonce, naming the best answer to the
    /// channel's previous question if it has one; returns the message id.
    fn send_question(
        &self,
        bank: &QuestionBank,
        question: &Question,
        post: &DailyPost,
        best: Option<&BestAnswer>,
    ) -> impl Future<Output = Result<u64, PostFailure>> + Send;

    /// Sends one message of a revealed private answer in `thread_id` (an embed with
    /// `title` and `text`, no pings); returns its id.
    fn send_answer(
        &self,
        thread_id: u64,
        title: &str,
        text: &str,
    ) -> impl Future<Output = Result<u64, PostFailure>> + Send;

    /// Adds the bot's 💡 to a message.
    fn add_lightbulb(
        &self,
        channel_id: u64,
        message_id: u64,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// Opens the answers thread on a daily post; returns the thread id.
    fn open_thread(
        &self,
        channel_id: u64,
        message_id: u64,
        seq: i64,
    ) -> impl Future<Output = Result<u64, PostFailure>> + Send;

    /// The thread opened on a message, if any.
    fn thread_of(
        &self,
        channel_id: u64,
        message_id: u64,
    ) -> impl Future<Output = Result<Option<u64>, PostFailure>> + Send;

    /// Edits a daily post to show its hint (keeping the best answer it names).
    fn show_hint(
        &self,
        bank: &QuestionBank,
        question: &Question,
        post: &DailyPost,
        best: Option<&BestAnswer>,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// Edits a quiz post to show its hint (its button disabled).
    fn show_quiz_hint(
        &self,
        channel_id: u64,
        message_id: u64,
        bank: &QuestionBank,
        question: &Question,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// Announces a revealed hint in the post's thread.
    fn announce_hint(
        &self,
        thread_id: u64,
        hint: &str,
        reason: RevealReason,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// Tells a server's alerts channel that `channel_id` could not get its question.
    fn send_alert(
        &self,
        alerts_channel_id: u64,
        channel_id: u64,
        problem: &str,
    ) -> impl Future<Output = Result<(), PostFailure>> + Send;

    /// One page of a channel's messages before `before` (the newest when `None`),
    /// newest first.
    fn messages_before(
        &self,
        channel_id: u64,
        before: Option<u64>,
    ) -> impl Future<Output = Result<Vec<HistoryMessage>, PostFailure>> + Send;

    /// One page of a channel's messages after `after`.
    fn messages_after(
        &self,
        channel_id: u64,
        after: u64,
    ) -> impl Future<Output = Result<Vec<HistoryMessage>, PostFailure>> + Send;

    /// One page of who reacted 💡 to a message, after user `after`, by user id.
    fn lightbulb_reactors(
        &self,
        channel_id: u64,
        message_id: u64,
        after: Option<u64>,
    ) -> impl Future<Output = Result<Vec<Reactor>, PostFailure>> + Send;
}
