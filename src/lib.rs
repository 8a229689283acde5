//! qotd: a Discord bot that posts a daily interview-prep question, reveals its hint,
//! counts answers and keeps streaks.
//!
//! Dependencies point one way: `core` (pure rules) ← `storage` ← `state` ← `daily`
//! (the workflow, behind a Discord port) ← `discord` (serenity glue) ← `startup`.

pub mod active_questions;
pub mod answer_queue;
pub mod bank_files;
pub mod clock;
pub mod config;
pub mod core;
pub mod daily;
pub mod discord;
pub mod engagement;
pub mod guild_presence;
pub mod locks;
pub mod logs;
pub mod memory;
pub mod metrics;
pub mod ops_server;
pub mod pacer;
pub mod picture;
pub mod post_turns;
pub mod startup;
pub mod state;
pub mod stats;
pub mod storage;
pub mod write_probe;
