//! Quiz posts (`/quiz`): a question with a reveal button, outside any streak.

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
