//! The queries whose SQL is the same on every engine: one generic implementation of
//! each contract trait (`Schedules`, `Posts`, …) for any [`Engine`](super::engine::Engine),
//! one file per subject. What differs between SQLite and PostgreSQL is the engine's
//! (`Engine`'s statements, `sqlite.rs`, `postgres.rs`).

mod answers;
mod engagement;
mod posts;
mod practice;
mod privacy;
mod private_answers;
pub use privacy::{member_tables, server_tables};
mod quizzes;
mod schedules;
mod settings;
mod suggestions;
mod teams;
