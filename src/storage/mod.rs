//! Storage: the bot's database, on SQLite (the embedded default) or PostgreSQL
//! (several processes on one database).
//!
//! # The contract
//!
//! [`Storage`] is every call the bot makes on its database. It is a set of traits, one
//! per subject, each declared with its documentation beside the record types it
//! returns: [`Schedules`], [`Posts`], [`Answers`], [`Practice`], [`Quizzes`],
//! [`Suggestions`], [`Teams`], [`Settings`], [`Engagement`], [`Privacy`], and [`Lifecycle`] (which database, its
//! pool, closing). The rest of the bot holds a [`Store`] (a shared `dyn Storage`)
//! and calls these methods; go-to-definition on a call lands on its declaration here.
//!
//! Promises every implementation keeps:
//! - a write that reads before it writes runs in a write transaction
//!   ([`engine::Engine::begin_write`]): what it read stays true until it commits,
//!   across every process on the database; a call either happens whole or not at all;
//! - the rules are `core/`'s: a query that applies one (an answer's effect on a
//!   streak, a posted question's on the running streaks) calls the core function and
//!   names it;
//! - the kept counts (each member's server totals, the server standings and ranked
//!   members, the practice inbox) follow every write in the same transaction, by the
//!   database's own triggers (SQLite: row triggers; PostgreSQL: statement triggers);
//! - instants are stored as milliseconds, Discord ids as INTEGER (`convert.rs`).
//!
//! # The implementations
//!
//! Almost every query is the same SQL on both databases: those are written once, as
//! one generic implementation of each trait for any [`engine::Engine`] (`queries/`,
//! one file per subject). An engine (`sqlite.rs`, `postgres.rs`) supplies its sqlx
//! driver, its connections, how it begins a write, and the few statements whose SQL is
//! its own (those that unpack a JSON array parameter, and the write of a batch of
//! answers). Each engine has its own migrations (`migrations/sqlite`,
//! `migrations/postgres`), append-only.

mod answers;
mod backup;
mod contract;
mod convert;
mod copy;
mod engagement;
mod engine;
mod error;
mod postgres;
mod posts;
mod practice;
mod privacy;
mod private_answers;
mod queries;
mod quizzes;
mod schedules;
mod settings;
mod sqlite;
mod store;
mod suggestions;
mod teams;

pub use answers::{
    AnswerRecord, Answers, CalendarHistory, ChannelStreak, LeaderboardPage, NewAnswer, StreakChange,
};
pub use backup::{BackupError, BackupReport, backup_sqlite};
pub use contract::{DatabaseKind, Lifecycle, Pool, Storage};
pub use copy::{CopyError, Progress, copied_tables, copy_to_postgres};
pub use engagement::{ChampionRole, Engagement, ReminderOptIn, RewardSetting};
pub use error::{DatabaseFault, StorageError, StorageResult};
pub use posts::{ClaimOutcome, DailyPost, NewDailyPost, Posts};
pub use practice::{CardRating, Practice, RateOutcome};
pub use privacy::{Privacy, Removed};
pub use private_answers::{
    PrivateAnswer, PrivateAnswers, SaveOutcome, ShownAnswer, StarOutcome, WithdrawOutcome,
};
pub use queries::{member_tables, server_tables};
pub use quizzes::{QuizPost, Quizzes};
pub use schedules::{Schedule, ScheduleSettings, Schedules};
pub use settings::Settings;
pub use store::Store;
pub use suggestions::{
    DecideOutcome, Decision, FileOutcome, NewSuggestion, Suggestion, SuggestionStatus, Suggestions,
};
pub use teams::{RankedTeam, Team, TeamError, Teams};

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
