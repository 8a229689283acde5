//! Members' suggested questions (SPEC §10): filed, then approved or rejected by an
//! admin of the same server.

use chrono::{DateTime, Utc};

use super::convert::{from_db_id, from_millis};
use super::error::StorageError;
use super::error::StorageResult;
use crate::core::question_bank::Question;
use crate::core::suggestion;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionStatus {
    Pending,
    Approved,
    Rejected,
}

impl SuggestionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub id: i64,
    pub guild_id: u64,
    pub user_id: u64,
    /// The member's display name when they filed it (text, never a mention).
    pub author_name: String,
    /// The bank it joins (`None`: the default bank).
    pub bank: Option<String>,
    pub category: String,
    pub difficulty: i64,
    pub question: String,
    pub hint: String,
    pub status: SuggestionStatus,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl Suggestion {
    /// Its question id once approved (`suggestion:N`).
    pub fn question_id(&self) -> String {
        suggestion::question_id(self.id)
    }

    /// The question it becomes, credited to its author.
    pub fn to_question(&self) -> Question {
        Question::kept(
            self.question_id(),
            &self.category,
            self.difficulty,
            self.question.clone(),
            self.hint.clone(),
            Some(self.author_name.clone()),
        )
    }
}

/// A checked suggestion to file.
#[derive(Debug, Clone)]
pub struct NewSuggestion<'a> {
    pub guild_id: u64,
    pub user_id: u64,
    pub author_name: &'a str,
    /// `None`: the default bank.
    pub bank: Option<&'a str>,
    pub question: &'a Question,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Filed(Box<Suggestion>),
    /// The member already has `MAX_PENDING` suggestions waiting: nothing stored.
    TooManyPending,
}

/// An admin's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecideOutcome {
    Decided(Suggestion),
    /// Someone decided it first: nothing changed.
    AlreadyDecided(Suggestion),
    /// No such suggestion in this server.
    NotFound,
}

#[derive(sqlx::FromRow)]
pub(super) struct SuggestionRow {
    id: i64,
    guild_id: i64,
    user_id: i64,
    author_name: String,
    bank: Option<String>,
    category: String,
    difficulty: i64,
    question: String,
    hint: String,
    status: String,
    reason: Option<String>,
    created_at: i64,
    decided_at: Option<i64>,
}

impl TryFrom<SuggestionRow> for Suggestion {
    type Error = StorageError;

    fn try_from(row: SuggestionRow) -> Result<Self, Self::Error> {
        let status = SuggestionStatus::parse(&row.status)
            .ok_or_else(|| StorageError::Corrupt(format!("suggestion {}: status", row.id)))?;
        Ok(Suggestion {
            id: row.id,
            guild_id: from_db_id(row.guild_id),
            user_id: from_db_id(row.user_id),
            author_name: row.author_name,
            bank: row.bank,
            category: row.category,
            difficulty: row.difficulty,
            question: row.question,
            hint: row.hint,
            status,
            reason: row.reason,
            created_at: from_millis(row.created_at),
            decided_at: row.decided_at.map(from_millis),
        })
    }
}

/// The suggestion columns (a literal, for `concat!`).
pub(super) const SELECT_SUGGESTION: &str = "SELECT id, guild_id, user_id, author_name, bank, category, difficulty, question, \
         hint, status, reason, created_at, decided_at FROM suggestions";

/// Members' suggested questions (SPEC §10).
#[async_trait::async_trait]
pub trait Suggestions: Send + Sync {
    /// Files a checked suggestion as pending, unless the member already has
    /// `suggestion::MAX_PENDING` waiting (checked in the same transaction).
    async fn file_suggestion(
        &self,
        new: &NewSuggestion<'_>,
        now: DateTime<Utc>,
    ) -> StorageResult<FileOutcome>;
    /// A member's suggestions in a server, newest first (at most 25).
    async fn member_suggestions(
        &self,
        guild_id: u64,
        user_id: u64,
    ) -> StorageResult<Vec<Suggestion>>;
    /// A server's pending suggestions, oldest first (at most 25).
    async fn pending_suggestions(&self, guild_id: u64) -> StorageResult<Vec<Suggestion>>;
    /// How many suggestions of a server wait for a decision.
    async fn pending_suggestion_count(&self, guild_id: u64) -> StorageResult<u64>;
    /// Suggestion `id` of server `guild_id` (another server's is not found).
    async fn suggestion(&self, guild_id: u64, id: i64) -> StorageResult<Option<Suggestion>>;
    /// A server's approved suggestions: questions of its banks.
    async fn approved_suggestions(&self, guild_id: u64) -> StorageResult<Vec<Suggestion>>;
    /// The approved suggestion of a server with question id `question_id`, if any.
    async fn approved_suggestion(
        &self,
        guild_id: u64,
        question_id: &str,
    ) -> StorageResult<Option<Suggestion>>;
    /// Approves or rejects a pending suggestion of server `guild_id`; only the first
    /// decision counts.
    async fn decide_suggestion(
        &self,
        guild_id: u64,
        id: i64,
        decision: &Decision,
        admin_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<DecideOutcome>;
}
