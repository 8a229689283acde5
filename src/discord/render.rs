//! Core types → Discord embeds and messages.

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

use crate::core::hint_reveal::RevealReason;
use crate::core::question_bank::{Question, QuestionBank};

pub const LIGHTBULB: &str = "💡";
const COLOR_OPEN: u32 = 0x5865F2;
const COLOR_REVEALED: u32 = 0xFEE75C;

/// A Discord timestamp that each reader sees in their own timezone.
pub fn timestamp(at: DateTime<Utc>, style: char) -> String {
    format!("<t:{}:{style}>", at.timestamp())
}

pub fn difficulty(level: u8) -> String {
    let filled = usize::from(level.min(5));
    format!("{}{} {level}/5", "★".repeat(filled), "☆".repeat(5 - filled))
}

fn category_name<'a>(bank: &'a QuestionBank, question: &'a Question) -> &'a str {
    bank.category(question.category.as_str())
        .map_or(question.category.as_str(), |c| c.name.as_str())
}

/// How the hint will be revealed, before it is.
pub fn reveal_rule_text(reactions_needed: u32, due_at: DateTime<Utc>) -> String {
    let who = if reactions_needed == 1 {
        "the first member reacts".to_owned()
    } else {
        format!("{reactions_needed} members react")
    };
    format!(
        "Hidden for now: revealed when {who} {LIGHTBULB}, or {}, whichever comes first.",
        timestamp(due_at, 'R')
    )
}

/// The title of a daily post; also how a restarted bot recognizes its own post.
pub fn daily_title(seq: i64) -> String {
    format!("Question of the day #{seq}")
}

/// The daily post's embed; `hint` is `Err(rule text)` until revealed.
pub fn daily_embed(
    bank: &QuestionBank,
    question: &Question,
    seq: i64,
    hint: Result<&str, String>,
) -> serenity::CreateEmbed {
    let (hint_name, hint_value, color) = match hint {
        Ok(hint) => (format!("{LIGHTBULB} Hint"), hint.to_owned(), COLOR_REVEALED),
        Err(rule) => (format!("{LIGHTBULB} Hint"), rule, COLOR_OPEN),
    };
    serenity::CreateEmbed::new()
        .title(daily_title(seq))
        .description(&question.question)
        .color(color)
        .field("Category", category_name(bank, question), true)
        .field("Difficulty", difficulty(question.difficulty.get()), true)
        .field(hint_name, hint_value, false)
        .footer(serenity::CreateEmbedFooter::new(footer(bank, question)))
}

fn footer(bank: &QuestionBank, question: &Question) -> String {
    let mut footer = format!("{} · answer in the thread", bank.title());
    if !question.tags.is_empty() {
        footer.push_str(" · ");
        footer.push_str(&question.tags.join(", "));
    }
    footer
}

/// The thread members answer in.
pub fn thread_name(seq: i64) -> String {
    format!("Answers to question #{seq}")
}

pub fn reveal_announcement(hint: &str, reason: RevealReason) -> String {
    let why = match reason {
        RevealReason::Reactions => format!("enough {LIGHTBULB} reactions"),
        RevealReason::Timeout => "time is up".to_owned(),
        RevealReason::Button => "someone asked for it".to_owned(),
    };
    format!("{LIGHTBULB} **Hint revealed** ({why}): {hint}")
}

/// The quiz embed (no series number).
pub fn quiz_embed(
    bank: &QuestionBank,
    question: &Question,
    hint: Option<&str>,
) -> serenity::CreateEmbed {
    let hint_value = hint.map_or_else(
        || format!("Press **Reveal hint** or react {LIGHTBULB} to see it."),
        str::to_owned,
    );
    serenity::CreateEmbed::new()
        .title("Quiz")
        .description(&question.question)
        .color(if hint.is_some() {
            COLOR_REVEALED
        } else {
            COLOR_OPEN
        })
        .field("Category", category_name(bank, question), true)
        .field("Difficulty", difficulty(question.difficulty.get()), true)
        .field(format!("{LIGHTBULB} Hint"), hint_value, false)
        .footer(serenity::CreateEmbedFooter::new(format!(
            "{} · quiz: no streaks",
            bank.title()
        )))
}
