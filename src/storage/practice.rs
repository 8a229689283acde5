//! Practice decks (SPEC §8): rows to and from the core's card types.

use super::error::StorageResult;
use crate::core::practice::{CardState, DeckCard, Rating};
use crate::storage::convert::from_millis;
use chrono::{DateTime, Utc};

/// A member's rating of a card, as a button carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRating<'a> {
    pub guild_id: u64,
    pub user_id: u64,
    pub question_id: &'a str,
    /// The card's version (`reps`) when it was shown: 0 for a new card.
    pub seen_reps: u32,
    pub rating: Rating,
}

/// What became of a rating.
#[derive(Debug, Clone, PartialEq)]
pub enum RateOutcome {
    /// The card's new state.
    Rated(CardState),
    /// The card was reviewed since the button was shown (another click, another
    /// process, a daily answer): nothing changed.
    Stale,
    /// A new card, but today's new cards are all started: nothing changed.
    NewCardLimit,
}

/// due, stability, difficulty, elapsed_days, scheduled_days, reps, lapses, state,
/// last_review.
pub(super) type CardRow = (i64, f64, f64, i64, i64, i64, i64, i64, i64);

/// The columns of [`CardRow`] in `practice_cards`.
pub(super) const CARD_COLUMNS: &str =
    "due, stability, difficulty, elapsed_days, scheduled_days, reps, lapses, state, last_review";

pub(super) fn card_from_row(row: CardRow) -> CardState {
    CardState {
        due: from_millis(row.0),
        stability: row.1,
        difficulty: row.2,
        elapsed_days: row.3,
        scheduled_days: row.4,
        reps: u32::try_from(row.5).unwrap_or(0),
        lapses: u32::try_from(row.6).unwrap_or(0),
        state: u8::try_from(row.7).unwrap_or(0),
        last_review: from_millis(row.8),
    }
}

/// question_id, due, reps, introduced_at, introduced_by.
pub(super) type DeckRow = (String, i64, i64, i64, String);

pub(super) fn deck_card_from_row(row: DeckRow) -> DeckCard {
    DeckCard {
        question_id: row.0,
        due: from_millis(row.1),
        reps: u32::try_from(row.2).unwrap_or(0),
        introduced_at: from_millis(row.3),
        started_in_practice: row.4 == "practice",
    }
}

/// Practice with spaced repetition (SPEC §8): decks, reviews and the inbox of answers.
#[async_trait::async_trait]
pub trait Practice: Send + Sync {
    /// A member's deck in a server.
    async fn practice_deck(&self, guild_id: u64, user_id: u64) -> StorageResult<Vec<DeckCard>>;
    /// When and how a member reviewed since `since`.
    async fn practice_reviews_since(
        &self,
        guild_id: u64,
        user_id: u64,
        since: DateTime<Utc>,
    ) -> StorageResult<Vec<(DateTime<Utc>, Rating)>>;
    /// Puts the member's daily answers not yet in their deck into it, oldest first,
    /// each reviewed at the time it was given (unaided Good, after the hint Hard);
    /// returns how many. Takes no write lock when there are none.
    async fn feed_practice(&self, guild_id: u64, user_id: u64) -> StorageResult<u32>;
    /// The questions this server has asked in its daily channels with their hint out,
    /// in the order first asked: the questions practice may show as new cards.
    async fn practice_questions(&self, guild_id: u64) -> StorageResult<Vec<String>>;
    /// Rates a card as shown at version `seen_reps` (0: a new card) and records the
    /// review, in one transaction; a stale version or a new card past today's limit
    /// (since `day_start`) changes nothing.
    async fn rate_practice_card(
        &self,
        rated: &CardRating<'_>,
        now: DateTime<Utc>,
        day_start: DateTime<Utc>,
    ) -> StorageResult<RateOutcome>;
}
