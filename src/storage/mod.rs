//! SQLite storage: one [`Store`] with every query the bot needs.
//!
//! Rows are converted to and from core types here; the rules themselves live in
//! `core/` (a query that must mirror one names the core function).

mod answers;
mod convert;
mod error;
mod guilds;
mod posts;
mod quizzes;
mod schedules;
mod store;
mod teams;

pub use answers::{AnswerRecord, ChannelStreak, LeaderboardPage, NewAnswer};
pub use error::{DatabaseFault, StorageError, StorageResult};
pub use posts::{ClaimOutcome, DailyPost, NewDailyPost};
pub use quizzes::QuizPost;
pub use schedules::{Schedule, ScheduleSettings};
pub use store::Store;
pub use teams::{RankedTeam, Team, TeamError};

/// The file or disk fault `error` stands for, if it is a storage error that is one
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
