//! The daily workflow: which work is due ([`plan`]), posting a channel's question
//! exactly once ([`post`]), revealing its hint ([`reveal`]) and its private answers
//! ([`answers`]), reading answers the bot missed ([`catch_up`]), and the one scheduler
//! loop per process ([`scheduler`]).
//!
//! It talks to Discord only through the narrow [`port::DiscordPort`] trait, which
//! `discord/` implements: this module knows nothing of serenity.

pub mod answers;
pub mod best_answer;
pub mod catch_up;
#[cfg(test)]
mod memory_port;
pub mod plan;
pub mod port;
pub mod post;
pub mod retention;
pub mod reveal;
pub mod scheduler;
