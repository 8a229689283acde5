//! Quiz posts: the queries.

use chrono::{DateTime, Utc};

use sqlx::{ColumnIndex, Executor, IntoArguments};

use sqlx::{Encode, Type};

use crate::storage::convert::{from_db_id, from_millis, to_db_id, to_millis};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Row, Value};
use crate::storage::error::StorageResult;
use crate::storage::quizzes::{QuizPost, QuizRow};

#[async_trait::async_trait]
impl<E> crate::storage::quizzes::Quizzes for E
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    async fn record_quiz(&self, quiz: &QuizPost) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO quiz_posts (message_id, guild_id, channel_id, question_id, \
                 reveal_reactions, posted_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(to_db_id(quiz.message_id))
        .bind(to_db_id(quiz.guild_id))
        .bind(to_db_id(quiz.channel_id))
        .bind(&quiz.question_id)
        .bind(i64::from(quiz.reveal_reactions))
        .bind(to_millis(quiz.posted_at))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn quiz(&self, message_id: u64) -> StorageResult<Option<QuizPost>> {
        let row: Option<QuizRow> = sqlx::query_as(
            "SELECT message_id, guild_id, channel_id, question_id, reveal_reactions, posted_at, \
                 revealed_at FROM quiz_posts WHERE message_id = $1",
        )
        .bind(to_db_id(message_id))
        .fetch_optional(self.reader())
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

    async fn open_quiz_ids(&self, since: DateTime<Utc>) -> StorageResult<Vec<u64>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT message_id FROM quiz_posts WHERE revealed_at IS NULL AND posted_at >= $1",
        )
        .bind(to_millis(since))
        .fetch_all(self.reader())
        .await?;
        Ok(ids.into_iter().map(from_db_id).collect())
    }

    async fn add_quiz_reactor(&self, message_id: u64, user_id: u64) -> StorageResult<u32> {
        sqlx::query(
            "INSERT INTO quiz_reactors (message_id, user_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(to_db_id(message_id))
        .bind(to_db_id(user_id))
        .execute(self.writer())
        .await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM quiz_reactors WHERE message_id = $1")
                .bind(to_db_id(message_id))
                .fetch_one(self.writer())
                .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    async fn mark_quiz_revealed(&self, message_id: u64, now: DateTime<Utc>) -> StorageResult<bool> {
        let changed = E::rows_affected(&sqlx::query(
            "UPDATE quiz_posts SET revealed_at = $1 WHERE message_id = $2 AND revealed_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(to_db_id(message_id))
        .execute(self.writer())
        .await?);
        Ok(changed == 1)
    }
}
