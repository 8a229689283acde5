//! Quiz posts (`/quiz`): a question with a reveal button, outside any streak.

use chrono::{DateTime, Utc};

use super::convert::{from_db_id, from_millis, to_db_id, to_millis};
use super::error::StorageResult;
use super::store::Store;

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

type QuizRow = (i64, i64, i64, String, i64, i64, Option<i64>);

impl Store {
    pub async fn record_quiz(&self, quiz: &QuizPost) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO quiz_posts (message_id, guild_id, channel_id, question_id, \
                 reveal_reactions, posted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(to_db_id(quiz.message_id))
        .bind(to_db_id(quiz.guild_id))
        .bind(to_db_id(quiz.channel_id))
        .bind(&quiz.question_id)
        .bind(i64::from(quiz.reveal_reactions))
        .bind(to_millis(quiz.posted_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn quiz(&self, message_id: u64) -> StorageResult<Option<QuizPost>> {
        let row: Option<QuizRow> = sqlx::query_as(
            "SELECT message_id, guild_id, channel_id, question_id, reveal_reactions, posted_at, \
                 revealed_at FROM quiz_posts WHERE message_id = ?",
        )
        .bind(to_db_id(message_id))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| QuizPost {
            message_id: from_db_id(r.0),
            guild_id: from_db_id(r.1),
            channel_id: from_db_id(r.2),
            question_id: r.3,
            reveal_reactions: u32::try_from(r.4).unwrap_or(1),
            posted_at: from_millis(r.5),
            revealed_at: r.6.map(from_millis),
        }))
    }

    /// Quizzes posted since `since` whose hint is not revealed: indexed at start so a
    /// 💡 on one still counts after a restart.
    pub async fn open_quiz_ids(&self, since: DateTime<Utc>) -> StorageResult<Vec<u64>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT message_id FROM quiz_posts WHERE revealed_at IS NULL AND posted_at >= ?",
        )
        .bind(to_millis(since))
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(from_db_id).collect())
    }

    /// Adds a 💡 reactor to a quiz; returns the number of distinct reactors.
    pub async fn add_quiz_reactor(&self, message_id: u64, user_id: u64) -> StorageResult<u32> {
        sqlx::query(
            "INSERT INTO quiz_reactors (message_id, user_id) VALUES (?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(to_db_id(message_id))
        .bind(to_db_id(user_id))
        .execute(&self.writer)
        .await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM quiz_reactors WHERE message_id = ?")
                .bind(to_db_id(message_id))
                .fetch_one(&self.writer)
                .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Marks a quiz's hint revealed; true only for the one call that did it.
    pub async fn mark_quiz_revealed(
        &self,
        message_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let changed = sqlx::query(
            "UPDATE quiz_posts SET revealed_at = ? WHERE message_id = ? AND revealed_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(to_db_id(message_id))
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }
}
