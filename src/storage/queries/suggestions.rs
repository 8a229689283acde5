//! Members' suggested questions: the queries.

use chrono::{DateTime, Utc};
use const_format::concatcp;

use sqlx::{ColumnIndex, Executor, IntoArguments};

use sqlx::{Encode, Type};

use crate::core::suggestion::{self, MAX_PENDING};
use crate::storage::convert::{to_db_id, to_millis};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Lock, Row, Value};
use crate::storage::error::StorageResult;
use crate::storage::suggestions::{
    DecideOutcome, Decision, FileOutcome, NewSuggestion, SELECT_SUGGESTION, Suggestion,
    SuggestionRow, SuggestionStatus,
};

/// Suggestions one list shows at most.
const LIST_LIMIT: i64 = 25;

#[async_trait::async_trait]
impl<E> crate::storage::suggestions::Suggestions for E
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
    async fn file_suggestion(
        &self,
        new: &NewSuggestion<'_>,
        now: DateTime<Utc>,
    ) -> StorageResult<FileOutcome> {
        let (guild, user) = (to_db_id(new.guild_id), to_db_id(new.user_id));
        // The server's suggestions: a member's pending count stays under its limit.
        let mut tx = self.begin_write(&[Lock::Guild(new.guild_id)]).await?;
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM suggestions WHERE guild_id = $1 AND user_id = $2 \
             AND status = 'pending'",
        )
        .bind(guild)
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
        if pending >= MAX_PENDING as i64 {
            return Ok(FileOutcome::TooManyPending);
        }
        let question = new.question;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO suggestions (guild_id, user_id, author_name, bank, category, difficulty, \
                 question, hint, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) RETURNING id",
        )
        .bind(guild)
        .bind(user)
        .bind(new.author_name)
        .bind(new.bank)
        .bind(question.category.as_str())
        .bind(i64::from(question.difficulty.get()))
        .bind(&question.question)
        .bind(&question.hint)
        .bind(to_millis(now))
        .fetch_one(&mut *tx)
        .await?;
        let filed = fetch_suggestion::<E>(&mut tx, new.guild_id, id).await?;
        tx.commit().await?;
        Ok(filed.map_or(FileOutcome::TooManyPending, |s| {
            FileOutcome::Filed(Box::new(s))
        }))
    }

    async fn member_suggestions(
        &self,
        guild_id: u64,
        user_id: u64,
    ) -> StorageResult<Vec<Suggestion>> {
        const QUERY: &str = concatcp!(
            SELECT_SUGGESTION,
            " WHERE guild_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<SuggestionRow> = sqlx::query_as(QUERY)
            .bind(to_db_id(guild_id))
            .bind(to_db_id(user_id))
            .bind(LIST_LIMIT)
            .fetch_all(self.reader())
            .await?;
        rows.into_iter().map(Suggestion::try_from).collect()
    }

    async fn pending_suggestions(&self, guild_id: u64) -> StorageResult<Vec<Suggestion>> {
        suggestions_with_status(self, guild_id, "pending", Some(LIST_LIMIT)).await
    }

    async fn pending_suggestion_count(&self, guild_id: u64) -> StorageResult<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM suggestions WHERE guild_id = $1 AND status = 'pending'",
        )
        .bind(to_db_id(guild_id))
        .fetch_one(self.reader())
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn suggestion(&self, guild_id: u64, id: i64) -> StorageResult<Option<Suggestion>> {
        let mut conn = self.reader().acquire().await?;
        fetch_suggestion::<E>(&mut conn, guild_id, id).await
    }

    async fn approved_suggestions(&self, guild_id: u64) -> StorageResult<Vec<Suggestion>> {
        suggestions_with_status(self, guild_id, "approved", None).await
    }

    async fn approved_suggestion(
        &self,
        guild_id: u64,
        question_id: &str,
    ) -> StorageResult<Option<Suggestion>> {
        let Some(number) = suggestion::number_of(question_id) else {
            return Ok(None);
        };
        let mut conn = self.reader().acquire().await?;
        let found = fetch_suggestion::<E>(&mut conn, guild_id, number).await?;
        Ok(found.filter(|s| s.status == SuggestionStatus::Approved))
    }

    async fn decide_suggestion(
        &self,
        guild_id: u64,
        id: i64,
        decision: &Decision,
        admin_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<DecideOutcome> {
        let (status, reason) = match decision {
            Decision::Approve => ("approved", None),
            Decision::Reject { reason } => ("rejected", Some(reason.as_str())),
        };
        // The server's suggestions and bank: a suggestion decided once.
        let mut tx = self.begin_write(&[Lock::Guild(guild_id)]).await?;
        let changed = E::rows_affected(
            &sqlx::query(
                "UPDATE suggestions SET status = $1, reason = $2, decided_by = $3, decided_at = $4 \
             WHERE guild_id = $5 AND id = $6 AND status = 'pending'",
            )
            .bind(status)
            .bind(reason)
            .bind(to_db_id(admin_id))
            .bind(to_millis(now))
            .bind(to_db_id(guild_id))
            .bind(id)
            .execute(&mut *tx)
            .await?,
        );
        let found = fetch_suggestion::<E>(&mut tx, guild_id, id).await?;
        tx.commit().await?;
        Ok(match found {
            None => DecideOutcome::NotFound,
            Some(s) if changed == 1 => DecideOutcome::Decided(s),
            Some(s) => DecideOutcome::AlreadyDecided(s),
        })
    }
}

/// Suggestion `id` of server `guild_id` (another server's is not found).
async fn fetch_suggestion<E>(
    conn: &mut Conn<E>,
    guild_id: u64,
    id: i64,
) -> StorageResult<Option<Suggestion>>
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
    const QUERY: &str = concatcp!(SELECT_SUGGESTION, " WHERE guild_id = $1 AND id = $2");
    let row: Option<SuggestionRow> = sqlx::query_as(QUERY)
        .bind(to_db_id(guild_id))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(Suggestion::try_from).transpose()
}

async fn suggestions_with_status<E>(
    engine: &E,
    guild_id: u64,
    status: &str,
    limit: Option<i64>,
) -> StorageResult<Vec<Suggestion>>
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
    const QUERY: &str = concatcp!(
        SELECT_SUGGESTION,
        " WHERE guild_id = $1 AND status = $2 ORDER BY id LIMIT $3"
    );
    let rows: Vec<SuggestionRow> = sqlx::query_as(QUERY)
        .bind(to_db_id(guild_id))
        .bind(status)
        .bind(limit.unwrap_or(i64::MAX))
        .fetch_all(engine.reader())
        .await?;
    rows.into_iter().map(Suggestion::try_from).collect()
}
