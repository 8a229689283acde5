//! qotd: a Discord bot that posts a daily interview-prep question, reveals its hint,
//! counts answers and keeps streaks.

pub mod config;
pub mod core;
pub mod storage;
