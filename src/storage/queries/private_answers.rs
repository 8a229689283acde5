//! Private answers: the queries.

use chrono::{DateTime, Utc};
use const_format::concatcp;
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use crate::core::private_answers::{self, Candidate};
use crate::storage::convert::{from_db_id, from_millis, to_db_id, to_millis};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Lock, Row, Value};
use crate::storage::error::StorageResult;
use crate::storage::posts::{DailyPost, PostRow, SELECT_POST, convert};
use crate::storage::private_answers::{
    PrivateAnswer, PrivateAnswerRow, SELECT_PRIVATE_ANSWER, SaveOutcome, ShownAnswer, StarOutcome,
    WithdrawOutcome,
};

/// The reveal timeout of a post with private answers that no reveal has taken and
/// none has finished (whether they are still open is `private_answers::open_at`'s).
const NOT_REVEALED: &str = "SELECT reveal_due_at FROM daily_posts WHERE id = $1 \
     AND private_answers = TRUE AND answers_show_taken_at IS NULL AND answers_shown_at IS NULL";

#[async_trait::async_trait]
impl<E> crate::storage::private_answers::PrivateAnswers for E
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    Option<String>: Value<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    async fn save_private_answer(
        &self,
        post: &DailyPost,
        user_id: u64,
        author_name: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<SaveOutcome> {
        // The channel: a save and the reveal taking the answers never overlap, so an
        // answer saved is one the reveal reads.
        let mut tx = self.begin_write(&[Lock::Channel(post.channel_id)]).await?;
        if !is_open::<E>(&mut tx, post.id, now).await? {
            return Ok(SaveOutcome::Closed);
        }
        let user = to_db_id(user_id);
        let edited = sqlx::query(
            "UPDATE private_answers SET body = $3, author_name = $4, updated_at = $5 \
             WHERE post_id = $1 AND user_id = $2",
        )
        .bind(post.id)
        .bind(user)
        .bind(body)
        .bind(author_name)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        let edited = E::rows_affected(&edited) == 1;
        if !edited {
            sqlx::query(
                "INSERT INTO private_answers (post_id, user_id, guild_id, author_name, body, \
                     submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(post.id)
            .bind(user)
            .bind(to_db_id(post.guild_id))
            .bind(author_name)
            .bind(body)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(SaveOutcome::Saved { edited })
    }

    async fn withdraw_private_answer(
        &self,
        post: &DailyPost,
        user_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<WithdrawOutcome> {
        // The channel, as for a save.
        let mut tx = self.begin_write(&[Lock::Channel(post.channel_id)]).await?;
        if !is_open::<E>(&mut tx, post.id, now).await? {
            return Ok(WithdrawOutcome::Closed);
        }
        let deleted =
            sqlx::query("DELETE FROM private_answers WHERE post_id = $1 AND user_id = $2")
                .bind(post.id)
                .bind(to_db_id(user_id))
                .execute(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(match E::rows_affected(&deleted) {
            0 => WithdrawOutcome::NoAnswer,
            _ => WithdrawOutcome::Withdrawn,
        })
    }

    async fn private_answer(
        &self,
        post_id: i64,
        user_id: u64,
    ) -> StorageResult<Option<PrivateAnswer>> {
        const QUERY: &str = concatcp!(
            SELECT_PRIVATE_ANSWER,
            " WHERE post_id = $1 AND user_id = $2"
        );
        let row: Option<PrivateAnswerRow> = sqlx::query_as(QUERY)
            .bind(post_id)
            .bind(to_db_id(user_id))
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(PrivateAnswer::from))
    }

    async fn private_answers_of(&self, post_id: i64) -> StorageResult<Vec<PrivateAnswer>> {
        const QUERY: &str = concatcp!(
            SELECT_PRIVATE_ANSWER,
            " WHERE post_id = $1 ORDER BY submitted_at, user_id"
        );
        let rows: Vec<PrivateAnswerRow> = sqlx::query_as(QUERY)
            .bind(post_id)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().map(PrivateAnswer::from).collect())
    }

    async fn take_answers_show(
        &self,
        post: &DailyPost,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<bool> {
        // The channel: no answer is saved or withdrawn once the reveal has them.
        let mut tx = self.begin_write(&[Lock::Channel(post.channel_id)]).await?;
        let taken = sqlx::query(
            "UPDATE daily_posts SET answers_show_taken_at = $1 \
             WHERE id = $2 AND private_answers = TRUE AND answers_shown_at IS NULL \
                 AND (answers_show_taken_at IS NULL OR answers_show_taken_at < $3)",
        )
        .bind(to_millis(now))
        .bind(post.id)
        .bind(to_millis(stale_before))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(E::rows_affected(&taken) == 1)
    }

    async fn give_back_answers_show(&self, post_id: i64, held: DateTime<Utc>) -> StorageResult<()> {
        sqlx::query(
            "UPDATE daily_posts SET answers_show_taken_at = NULL \
             WHERE id = $1 AND answers_show_taken_at = $2",
        )
        .bind(post_id)
        .bind(to_millis(held))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn mark_answer_sending(
        &self,
        post_id: i64,
        user_id: u64,
        held: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let mut tx = self.begin_write(&[]).await?;
        if !renew_show::<E>(&mut tx, post_id, held, now).await? {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE private_answers SET sending_at = $3 \
             WHERE post_id = $1 AND user_id = $2 AND message_id IS NULL",
        )
        .bind(post_id)
        .bind(to_db_id(user_id))
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn record_answer_shown(
        &self,
        post_id: i64,
        user_id: u64,
        message_ids: &[u64],
        held: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let user = to_db_id(user_id);
        let mut tx = self.begin_write(&[]).await?;
        if !renew_show::<E>(&mut tx, post_id, held, now).await? {
            return Ok(false);
        }
        for message_id in message_ids {
            sqlx::query(
                "INSERT INTO answer_messages (message_id, post_id, user_id) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(to_db_id(*message_id))
            .bind(post_id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE private_answers SET message_id = $3, sending_at = NULL \
             WHERE post_id = $1 AND user_id = $2",
        )
        .bind(post_id)
        .bind(user)
        .bind(message_ids.first().copied().map(to_db_id))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn mark_answers_shown(
        &self,
        post_id: i64,
        held: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let shown = sqlx::query(
            "UPDATE daily_posts SET answers_shown_at = $3, answers_show_taken_at = NULL \
             WHERE id = $1 AND answers_show_taken_at = $2",
        )
        .bind(post_id)
        .bind(to_millis(held))
        .bind(to_millis(now))
        .execute(self.writer())
        .await?;
        Ok(E::rows_affected(&shown) == 1)
    }

    async fn due_answer_reveals(&self, now: DateTime<Utc>) -> StorageResult<Vec<DailyPost>> {
        // The filter of the partial index `daily_posts_answers_to_show`, term for term.
        const QUERY: &str = concatcp!(
            SELECT_POST,
            " WHERE private_answers = TRUE AND answers_shown_at IS NULL AND reveal_due_at <= $1 \
             AND thread_id IS NOT NULL ORDER BY reveal_due_at"
        );
        let rows: Vec<PostRow> = sqlx::query_as(QUERY)
            .bind(to_millis(now))
            .fetch_all(self.reader())
            .await?;
        convert(rows)
    }

    async fn add_star(&self, message_id: u64, voter_id: u64) -> StorageResult<StarOutcome> {
        let message = to_db_id(message_id);
        let author: Option<i64> =
            sqlx::query_scalar("SELECT user_id FROM answer_messages WHERE message_id = $1")
                .bind(message)
                .fetch_optional(self.reader())
                .await?;
        match author {
            None => return Ok(StarOutcome::NotAnAnswer),
            Some(author) if from_db_id(author) == voter_id => return Ok(StarOutcome::OwnAnswer),
            Some(_) => {}
        }
        sqlx::query(
            "INSERT INTO answer_stars (message_id, voter_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(message)
        .bind(to_db_id(voter_id))
        .execute(self.writer())
        .await?;
        Ok(StarOutcome::Counted)
    }

    async fn remove_star(&self, message_id: u64, voter_id: u64) -> StorageResult<bool> {
        let removed =
            sqlx::query("DELETE FROM answer_stars WHERE message_id = $1 AND voter_id = $2")
                .bind(to_db_id(message_id))
                .bind(to_db_id(voter_id))
                .execute(self.writer())
                .await?;
        Ok(E::rows_affected(&removed) == 1)
    }

    async fn stars_received(&self, guild_id: u64, user_id: u64) -> StorageResult<u64> {
        let stars: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT DISTINCT m.post_id, s.voter_id \
                 FROM private_answers a \
                 JOIN answer_messages m ON m.post_id = a.post_id AND m.user_id = a.user_id \
                 JOIN answer_stars s ON s.message_id = m.message_id \
                 WHERE a.guild_id = $1 AND a.user_id = $2) AS votes",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .fetch_one(self.reader())
        .await?;
        Ok(u64::try_from(stars).unwrap_or(0))
    }

    async fn shown_answers(
        &self,
        channel_id: u64,
        seq: i64,
    ) -> StorageResult<Option<(DailyPost, Vec<ShownAnswer>)>> {
        const POST: &str = concatcp!(SELECT_POST, " WHERE channel_id = $1 AND seq = $2");
        let row: Option<PostRow> = sqlx::query_as(POST)
            .bind(to_db_id(channel_id))
            .bind(seq)
            .fetch_optional(self.reader())
            .await?;
        let Some(post) = convert(row.into_iter().collect())?.pop() else {
            return Ok(None);
        };
        let rows: Vec<(i64, Option<String>, i64, i64, i64)> = sqlx::query_as(
            "SELECT a.user_id, a.author_name, a.submitted_at, a.message_id, \
                 (SELECT COUNT(DISTINCT s.voter_id) FROM answer_messages m \
                  JOIN answer_stars s ON s.message_id = m.message_id \
                  WHERE m.post_id = a.post_id AND m.user_id = a.user_id) AS stars \
             FROM private_answers a WHERE a.post_id = $1 AND a.message_id IS NOT NULL \
             ORDER BY a.submitted_at, a.user_id",
        )
        .bind(post.id)
        .fetch_all(self.reader())
        .await?;
        let shown = rows
            .into_iter()
            .map(|(user, name, submitted_at, message, stars)| ShownAnswer {
                candidate: Candidate {
                    user_id: from_db_id(user),
                    stars: u32::try_from(stars).unwrap_or(0),
                    submitted_at: from_millis(submitted_at),
                },
                author_name: name,
                message_id: from_db_id(message),
            })
            .collect();
        Ok(Some((post, shown)))
    }

    async fn forget_answer_texts(&self, before: DateTime<Utc>) -> StorageResult<u64> {
        let forgotten = sqlx::query(
            "UPDATE private_answers SET body = NULL, author_name = NULL \
             WHERE body IS NOT NULL AND post_id IN \
                 (SELECT id FROM daily_posts WHERE answers_shown_at < $1)",
        )
        .bind(to_millis(before))
        .execute(self.writer())
        .await?;
        Ok(E::rows_affected(&forgotten))
    }
}

/// Whether post `post_id`'s private answers are open at `now`: no reveal has them,
/// and their timeout has not come (`private_answers::open_at`).
async fn is_open<E>(conn: &mut Conn<E>, post_id: i64, now: DateTime<Utc>) -> StorageResult<bool>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    usize: ColumnIndex<Row<E>>,
{
    let due: Option<i64> = sqlx::query_scalar(NOT_REVEALED)
        .bind(post_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(due.is_some_and(|due| private_answers::open_at(from_millis(due), now)))
}

/// Renews the reveal of a post's answers held since `held`, at `now`; false when
/// another caller took it over (nothing changed).
async fn renew_show<E>(
    conn: &mut Conn<E>,
    post_id: i64,
    held: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StorageResult<bool>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
{
    let renewed = sqlx::query(
        "UPDATE daily_posts SET answers_show_taken_at = $3 \
         WHERE id = $1 AND answers_show_taken_at = $2",
    )
    .bind(post_id)
    .bind(to_millis(held))
    .bind(to_millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(E::rows_affected(&renewed) == 1)
}
