//! Quiz posts (`/quiz`): a question with a reveal button, outside any streak.

use super::error::StorageResult;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuizPost {
    pub message_id: u64,
    pub guild_id: u64,
    pub channel_id: u64,
    pub question_id: String,
    pub reveal_reactions: u32,
    pub posted_at: DateTime<Utc>,
    pub revealed_at: Option<DateTime<Utc>>,
}

pub(super) type QuizRow = (i64, i64, i64, String, i64, i64, Option<i64>);

/// Quiz posts (`/quiz`): their 💡 reactors and reveal.
#[async_trait::async_trait]
pub trait Quizzes: Send + Sync {
    async fn record_quiz(&self, quiz: &QuizPost) -> StorageResult<()>;
    async fn quiz(&self, message_id: u64) -> StorageResult<Option<QuizPost>>;
    /// Quizzes posted since `since` whose hint is not revealed: indexed at start so a
    /// 💡 on one still counts after a restart.
    async fn open_quiz_ids(&self, since: DateTime<Utc>) -> StorageResult<Vec<u64>>;
    /// Adds a 💡 reactor to a quiz; returns the number of distinct reactors.
    async fn add_quiz_reactor(&self, message_id: u64, user_id: u64) -> StorageResult<u32>;
    /// Marks a quiz's hint revealed; true only for the one call that did it.
    async fn mark_quiz_revealed(&self, message_id: u64, now: DateTime<Utc>) -> StorageResult<bool>;
}
