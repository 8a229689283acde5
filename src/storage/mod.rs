//! Storage: one [`Store`] with every query the bot needs, on SQLite (the embedded
//! default) or PostgreSQL (several processes on one database).
//!
//! Rows are converted to and from core types here; the rules themselves live in
//! `core/` (a query that must mirror one names the core function). The record types
//! and row conversions are shared (`answers.rs`, `posts.rs`, …); the SQL is in
//! `queries/`, compiled once per backend (`sqlite.rs`, `postgres.rs`).

mod answers;
mod backup;
mod convert;
mod copy;
mod error;
mod postgres;
mod posts;
mod practice;
mod quizzes;
mod schedules;
mod sqlite;
mod store;
mod suggestions;
mod teams;

pub use answers::{
    AnswerRecord, CalendarHistory, ChannelStreak, LeaderboardPage, NewAnswer, StreakChange,
};
pub use backup::{BackupError, BackupReport, backup_sqlite};
pub use copy::{CopyError, Progress, copied_tables, copy_to_postgres};
pub use error::{DatabaseFault, StorageError, StorageResult};
pub use posts::{ClaimOutcome, DailyPost, NewDailyPost};
pub use practice::{CardRating, RateOutcome};
pub use quizzes::QuizPost;
pub use schedules::{Schedule, ScheduleSettings};
pub use store::{DatabaseKind, Pool, Store};
pub use suggestions::{
    DecideOutcome, Decision, FileOutcome, NewSuggestion, Suggestion, SuggestionStatus,
};
pub use teams::{RankedTeam, Team, TeamError};

/// The database fault `error` stands for, if it is a storage error that is one
/// (for walking an error chain).
pub fn fault_of(error: &(dyn std::error::Error + 'static)) -> Option<DatabaseFault> {
    if let Some(error) = error.downcast_ref::<StorageError>() {
        return error.fault();
    }
    if let Some(TeamError::Storage(error)) = error.downcast_ref::<TeamError>() {
        return error.fault();
    }
    error
        .downcast_ref::<sqlx::Error>()
        .and_then(error::database_fault)
}
