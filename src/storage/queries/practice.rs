//! Practice decks: the queries.

use chrono::{DateTime, Utc};
use const_format::concatcp;

use sqlx::{ColumnIndex, Executor, IntoArguments};

use sqlx::{Encode, Type};

use crate::core::practice::{self, CardState, DeckCard, Rating, Source};
use crate::storage::convert::{from_millis, to_db_id, to_millis};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Lock, Row, Value};
use crate::storage::error::StorageResult;
use crate::storage::practice::{
    CARD_COLUMNS, CardRating, CardRow, DeckRow, RateOutcome, card_from_row, deck_card_from_row,
};

#[async_trait::async_trait]
impl<E> crate::storage::practice::Practice for E
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
    async fn practice_deck(&self, guild_id: u64, user_id: u64) -> StorageResult<Vec<DeckCard>> {
        let rows: Vec<DeckRow> = sqlx::query_as(
            "SELECT question_id, due, reps, introduced_at, introduced_by FROM practice_cards \
             WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(deck_card_from_row).collect())
    }

    async fn practice_reviews_since(
        &self,
        guild_id: u64,
        user_id: u64,
        since: DateTime<Utc>,
    ) -> StorageResult<Vec<(DateTime<Utc>, Rating)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT reviewed_at, rating FROM practice_reviews \
             WHERE guild_id = $1 AND user_id = $2 AND reviewed_at >= $3",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .bind(to_millis(since))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(at, rating)| Some((from_millis(at), Rating::from_number(rating)?)))
            .collect())
    }

    /// Puts the member's daily answers not yet in their deck into it, oldest first,
    /// each as a review at the time it was given; returns how many.
    async fn feed_practice(&self, guild_id: u64, user_id: u64) -> StorageResult<u32> {
        let (guild, user) = (to_db_id(guild_id), to_db_id(user_id));
        const WAITING: &str = "SELECT post_id, question_id, answered_at, unaided \
             FROM practice_inbox WHERE guild_id = $1 AND user_id = $2 \
             ORDER BY answered_at, post_id LIMIT 100";
        // Most calls find nothing: they take no write lock.
        let waiting: Option<(i64,)> = sqlx::query_as(
            "SELECT post_id FROM practice_inbox WHERE guild_id = $1 AND user_id = $2 LIMIT 1",
        )
        .bind(guild)
        .bind(user)
        .fetch_optional(self.reader())
        .await?;
        if waiting.is_none() {
            return Ok(0);
        }
        // 100 answers a transaction: a long backlog (a member's first /practice after
        // the upgrade) never holds the write lock for long.
        let mut fed = 0;
        loop {
            // The member's deck: an answer fed once, a card's review count.
            let locks = [Lock::Member {
                guild: guild_id,
                user: user_id,
            }];
            let mut tx = self.begin_write(&locks).await?;
            let answers: Vec<(i64, String, i64, bool)> = sqlx::query_as(WAITING)
                .bind(guild)
                .bind(user)
                .fetch_all(&mut *tx)
                .await?;
            if answers.is_empty() {
                return Ok(fed);
            }
            fed += u32::try_from(answers.len()).unwrap_or(u32::MAX);
            feed_answers::<E>(&mut tx, guild, user, &answers).await?;
            tx.commit().await?;
        }
    }

    /// The questions this server has asked in its daily channels with their hint out,
    /// in the order first asked: what practice may show as new cards (an unposted
    /// question or an unrevealed hint would spoil a daily question).
    async fn practice_questions(&self, guild_id: u64) -> StorageResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT p.question_id FROM schedules s \
             JOIN daily_posts p ON p.channel_id = s.channel_id \
             WHERE s.guild_id = $1 AND p.revealed_at IS NOT NULL \
             GROUP BY p.question_id ORDER BY MIN(p.id)",
        )
        .bind(to_db_id(guild_id))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Rates a card as shown at version `seen_reps` (0: a new card). A new card is
    /// refused once today's new cards (since `day_start`) are started.
    async fn rate_practice_card(
        &self,
        rated: &CardRating<'_>,
        now: DateTime<Utc>,
        day_start: DateTime<Utc>,
    ) -> StorageResult<RateOutcome> {
        let (guild, user) = (to_db_id(rated.guild_id), to_db_id(rated.user_id));
        let (question_id, rating) = (rated.question_id, rated.rating);
        // The member's deck: a card rated once per version, today's new cards counted.
        let locks = [Lock::Member {
            guild: rated.guild_id,
            user: rated.user_id,
        }];
        let mut tx = self.begin_write(&locks).await?;
        let card = load_card::<E>(&mut tx, guild, user, question_id).await?;
        if card.as_ref().map_or(0, |card| card.reps) != rated.seen_reps {
            return Ok(RateOutcome::Stale);
        }
        if card.is_none() {
            let started: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM practice_cards WHERE guild_id = $1 AND user_id = $2 \
                 AND introduced_by = 'practice' AND introduced_at >= $3",
            )
            .bind(guild)
            .bind(user)
            .bind(to_millis(day_start))
            .fetch_one(&mut *tx)
            .await?;
            if started >= i64::from(practice::NEW_CARDS_PER_DAY) {
                return Ok(RateOutcome::NewCardLimit);
            }
        }
        let next = practice::review(card.as_ref(), rating, now, Source::Practice);
        save_card::<E>(
            &mut tx,
            guild,
            user,
            question_id,
            &next,
            now,
            Source::Practice,
        )
        .await?;
        save_review::<E>(
            &mut tx,
            guild,
            user,
            question_id,
            rating,
            now,
            Source::Practice,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(RateOutcome::Rated(next))
    }
}

/// Each waiting daily answer as a review at the time it was given, then out of the
/// inbox.
async fn feed_answers<E>(
    conn: &mut Conn<E>,
    guild: i64,
    user: i64,
    answers: &[(i64, String, i64, bool)],
) -> StorageResult<()>
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
    for (post_id, question_id, answered_at, unaided) in answers {
        let card = load_card::<E>(&mut *conn, guild, user, question_id).await?;
        let at = from_millis(*answered_at);
        let rating = Rating::of_daily_answer(*unaided);
        let next = practice::review(card.as_ref(), rating, at, Source::Daily);
        save_card::<E>(
            &mut *conn,
            guild,
            user,
            question_id,
            &next,
            at,
            Source::Daily,
        )
        .await?;
        save_review::<E>(
            &mut *conn,
            guild,
            user,
            question_id,
            rating,
            at,
            Source::Daily,
            Some(*post_id),
        )
        .await?;
        sqlx::query("DELETE FROM practice_inbox WHERE post_id = $1 AND user_id = $2")
            .bind(post_id)
            .bind(user)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn load_card<E>(
    conn: &mut Conn<E>,
    guild: i64,
    user: i64,
    question_id: &str,
) -> StorageResult<Option<CardState>>
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
    const CARD: &str = concatcp!(
        "SELECT ",
        CARD_COLUMNS,
        " FROM practice_cards WHERE guild_id = $1 AND user_id = $2 AND question_id = $3"
    );
    let row: Option<CardRow> = sqlx::query_as(CARD)
        .bind(guild)
        .bind(user)
        .bind(question_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(card_from_row))
}

/// Writes a card's new state; a card new to the deck records when and how it came.
async fn save_card<E>(
    conn: &mut Conn<E>,
    guild: i64,
    user: i64,
    question_id: &str,
    card: &CardState,
    now: DateTime<Utc>,
    source: Source,
) -> StorageResult<()>
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
    sqlx::query(
        "INSERT INTO practice_cards (guild_id, user_id, question_id, due, stability, \
             difficulty, elapsed_days, scheduled_days, reps, lapses, state, last_review, \
             introduced_at, introduced_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (guild_id, user_id, question_id) DO UPDATE SET \
             due = excluded.due, stability = excluded.stability, \
             difficulty = excluded.difficulty, elapsed_days = excluded.elapsed_days, \
             scheduled_days = excluded.scheduled_days, reps = excluded.reps, \
             lapses = excluded.lapses, state = excluded.state, \
             last_review = excluded.last_review",
    )
    .bind(guild)
    .bind(user)
    .bind(question_id)
    .bind(to_millis(card.due))
    .bind(card.stability)
    .bind(card.difficulty)
    .bind(card.elapsed_days)
    .bind(card.scheduled_days)
    .bind(i64::from(card.reps))
    .bind(i64::from(card.lapses))
    .bind(i64::from(card.state))
    .bind(to_millis(card.last_review))
    .bind(to_millis(now))
    .bind(source.name())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn save_review<E>(
    conn: &mut Conn<E>,
    guild: i64,
    user: i64,
    question_id: &str,
    rating: Rating,
    at: DateTime<Utc>,
    source: Source,
    post_id: Option<i64>,
) -> StorageResult<()>
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
    sqlx::query(
        "INSERT INTO practice_reviews (guild_id, user_id, question_id, rating, reviewed_at, \
             source, post_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(guild)
    .bind(user)
    .bind(question_id)
    .bind(rating.number())
    .bind(to_millis(at))
    .bind(source.name())
    .bind(post_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
