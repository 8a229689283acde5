//! Private answers (SPEC §13): what members submitted, their reveal in the thread
//! exactly once, and the ⭐ votes on them.

use chrono::{DateTime, Utc};

use super::error::StorageResult;
use super::posts::DailyPost;
use crate::core::private_answers::Candidate;

/// A member's private answer to a daily post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateAnswer {
    pub post_id: i64,
    pub user_id: u64,
    /// The member's name when they last submitted it (`None`: deleted with the text).
    pub author_name: Option<String>,
    /// What they wrote (`None`: deleted `ANSWER_RETENTION_DAYS` after the reveal).
    pub body: Option<String>,
    /// When it was first submitted: its place in the reveal and its time as an answer.
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its messages were being sent (a crash or a failure may have left some sent).
    pub sending: bool,
    /// The first message that showed it in the thread.
    pub message_id: Option<u64>,
}

#[derive(sqlx::FromRow)]
pub(super) struct PrivateAnswerRow {
    pub post_id: i64,
    pub user_id: i64,
    pub author_name: Option<String>,
    pub body: Option<String>,
    pub submitted_at: i64,
    pub updated_at: i64,
    pub sending_at: Option<i64>,
    pub message_id: Option<i64>,
}

impl From<PrivateAnswerRow> for PrivateAnswer {
    fn from(row: PrivateAnswerRow) -> Self {
        use super::convert::{from_db_id, from_millis};
        PrivateAnswer {
            post_id: row.post_id,
            user_id: from_db_id(row.user_id),
            author_name: row.author_name,
            body: row.body,
            submitted_at: from_millis(row.submitted_at),
            updated_at: from_millis(row.updated_at),
            sending: row.sending_at.is_some(),
            message_id: row.message_id.map(from_db_id),
        }
    }
}

/// The columns of [`PrivateAnswerRow`].
pub(super) const SELECT_PRIVATE_ANSWER: &str = "SELECT post_id, user_id, author_name, body, \
     submitted_at, updated_at, sending_at, message_id FROM private_answers";

/// What saving a private answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Stored: a first answer, or an edit of the member's answer.
    Saved { edited: bool },
    /// The answers are revealed (or being revealed), or the post takes no private
    /// answers: nothing stored.
    Closed,
}

/// What withdrawing a private answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawOutcome {
    Withdrawn,
    /// The member had no answer to withdraw.
    NoAnswer,
    /// The answers are revealed (or being revealed): nothing changed.
    Closed,
}

/// What a ⭐ on a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StarOutcome {
    Counted,
    /// The message does not show a private answer.
    NotAnAnswer,
    /// The member starred their own answer: not a vote.
    OwnAnswer,
}

/// A revealed answer of a post, with its stars, for the best-answer rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownAnswer {
    pub candidate: Candidate,
    pub author_name: Option<String>,
    /// The first message that shows it.
    pub message_id: u64,
}

/// Private answers: saved until the reveal, shown once, voted on with ⭐.
#[async_trait::async_trait]
pub trait PrivateAnswers: Send + Sync {
    /// Saves `user_id`'s answer to `post` (a first answer, or an edit that keeps its
    /// first submission time) while the post's answers are open at `now`: not yet
    /// due for the reveal nor taken by one.
    async fn save_private_answer(
        &self,
        post: &DailyPost,
        user_id: u64,
        author_name: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<SaveOutcome>;
    /// Deletes `user_id`'s answer to `post` while the answers are open at `now`.
    async fn withdraw_private_answer(
        &self,
        post: &DailyPost,
        user_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<WithdrawOutcome>;
    async fn private_answer(
        &self,
        post_id: i64,
        user_id: u64,
    ) -> StorageResult<Option<PrivateAnswer>>;
    /// A post's private answers in the order they were submitted (ties: by member).
    async fn private_answers_of(&self, post_id: i64) -> StorageResult<Vec<PrivateAnswer>>;
    /// Takes the reveal of `post`'s answers at `now`: true for one caller at a time,
    /// across processes, while they are not all shown. A holder silent since
    /// `stale_before` (it crashed) has lost it. After this, no answer changes. The
    /// reveal is held by its stamp: `now` here, then each renewal's (`held` below);
    /// every call below changes nothing and returns false once another caller took
    /// the reveal over (the holder stops).
    async fn take_answers_show(
        &self,
        post: &DailyPost,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Gives back the reveal held since `held`, for the next pass.
    async fn give_back_answers_show(&self, post_id: i64, held: DateTime<Utc>) -> StorageResult<()>;
    /// Records that `user_id`'s answer to `post_id` is being sent (before any of its
    /// messages is), and renews the reveal held since `held` at `now`.
    async fn mark_answer_sending(
        &self,
        post_id: i64,
        user_id: u64,
        held: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Records the messages that show `user_id`'s answer to `post_id` (in order), and
    /// renews the reveal held since `held` at `now`.
    async fn record_answer_shown(
        &self,
        post_id: i64,
        user_id: u64,
        message_ids: &[u64],
        held: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Records that every answer of `post_id` is shown, at `now`, by the holder.
    async fn mark_answers_shown(
        &self,
        post_id: i64,
        held: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Posts with private answers whose reveal is due at `now` and not finished (sent,
    /// with their thread).
    async fn due_answer_reveals(&self, now: DateTime<Utc>) -> StorageResult<Vec<DailyPost>>;
    /// A ⭐ by `voter_id` on `message_id` (the caller has checked it is not a bot's).
    async fn add_star(&self, message_id: u64, voter_id: u64) -> StorageResult<StarOutcome>;
    /// Takes back a ⭐; false when there was none.
    async fn remove_star(&self, message_id: u64, voter_id: u64) -> StorageResult<bool>;
    /// The stars `user_id`'s answers in server `guild_id` received: one per member and
    /// answer.
    async fn stars_received(&self, guild_id: u64, user_id: u64) -> StorageResult<u64>;
    /// The revealed answers of the post numbered `seq` in `channel_id`, with their
    /// stars, and the post.
    async fn shown_answers(
        &self,
        channel_id: u64,
        seq: i64,
    ) -> StorageResult<Option<(DailyPost, Vec<ShownAnswer>)>>;
    /// Deletes the text and author name of the answers revealed before `before`;
    /// returns how many answers lost their text.
    async fn forget_answer_texts(&self, before: DateTime<Utc>) -> StorageResult<u64>;
}
