//! qotd: a Discord bot that posts a daily interview-prep question, reveals its hint,
//! counts answers and keeps streaks.

pub mod active_questions;
pub mod answer_queue;
pub mod clock;
pub mod config;
pub mod core;
pub mod discord;
pub mod guild_presence;
pub mod scheduler;
pub mod storage;
