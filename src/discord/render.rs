//! Core types → Discord embeds and messages.

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::core::calendar::{Calendar, Day};
use crate::core::daily_schedule;
use crate::core::hint_reveal::RevealReason;
use crate::core::practice::{self, Rating};
use crate::core::question_bank::{Question, QuestionBank};
use crate::core::question_stats::{ChannelStats, QuestionStats};
use crate::core::ranking::Ranked;
use crate::core::rotation::{self, RotationState};
use crate::core::seasons::{Season, SeasonEntry};
use crate::core::streak_rules;
use crate::daily::port::BestAnswer;
use crate::engagement::port::Reminder;
use crate::storage::{
    ChampionRole, ChannelStreak, DailyPost, DatabaseFault, LeaderboardPage, RankedTeam,
    RateOutcome, RewardSetting, Schedule, StreakChange, Suggestion, SuggestionStatus,
};

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

/// The daily post's embed; `hint` is `Err(rule text)` until revealed. With private
/// answers it says how to answer and when the answers are shown; `best` is the best
/// answer to the channel's previous question.
pub fn daily_embed(
    bank: &QuestionBank,
    question: &Question,
    post: &DailyPost,
    hint: Result<&str, String>,
    best: Option<&BestAnswer>,
) -> serenity::CreateEmbed {
    let (hint_name, hint_value, color) = match hint {
        Ok(hint) => (format!("{LIGHTBULB} Hint"), hint.to_owned(), COLOR_REVEALED),
        Err(rule) => (format!("{LIGHTBULB} Hint"), rule, COLOR_OPEN),
    };
    let mut embed = serenity::CreateEmbed::new()
        .title(daily_schedule::daily_title(post.seq))
        .description(&question.question)
        .color(color)
        .field("Category", category_name(bank, question), true)
        .field("Difficulty", difficulty(question.difficulty.get()), true)
        .field(hint_name, hint_value, false);
    if post.private_answers {
        embed = embed.field(
            format!("{PENCIL} Answers"),
            private_answers_rule(post.reveal_due_at),
            false,
        );
    }
    if let Some(best) = best {
        embed = embed.field(
            format!("{STAR} Best answer to #{}", best.seq),
            best_answer_line(best),
            false,
        );
    }
    embed
        .footer(serenity::CreateEmbedFooter::new(footer(
            bank,
            question,
            post.private_answers,
        )))
        .author_if(question.suggested_by.as_deref())
}

pub const STAR: &str = "⭐";

/// The stars a member's private answers received in a server.
pub fn stars_received(stars: u64) -> String {
    match stars {
        1 => "1 star on a revealed answer".to_owned(),
        n => format!("{n} stars on revealed answers"),
    }
}
const PENCIL: &str = "✍️";

/// How private answers are given and when they are shown.
pub fn private_answers_rule(due_at: DateTime<Utc>) -> String {
    format!(
        "Private: press **Answer** below. Nobody sees your answer until every answer is shown in the thread, {}. You can edit or withdraw it until then.",
        timestamp(due_at, 'R')
    )
}

/// "NAME with ⭐ N: link", the name as plain text (cut to 32 characters, markdown
/// escaped).
fn best_answer_line(best: &BestAnswer) -> String {
    let name: String = best.name.chars().take(32).collect();
    format!(
        "{} with {STAR} {}: https://discord.com/channels/{}/{}/{}",
        escape_markdown(&name),
        best.stars,
        best.guild_id,
        best.thread_id,
        best.message_id
    )
}

/// A member-chosen name shown in markdown: its markdown characters escaped.
fn escape_markdown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*'
                | '_'
                | '~'
                | '`'
                | '|'
                | '>'
                | '#'
                | '['
                | ']'
                | '('
                | ')'
                | '-'
                | '@'
                | '<'
                | ':'
        ) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The custom id of a daily post's **Answer** button: the post it answers.
pub fn answer_button_id(post_id: i64) -> String {
    format!("{ANSWER_PREFIX}open:{post_id}")
}

/// The custom id of the answer modal: the post it answers.
pub fn answer_modal_id(post_id: i64) -> String {
    format!("{ANSWER_PREFIX}submit:{post_id}")
}

/// What a private answer's button or modal is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerAction {
    /// Open the modal for this post.
    Open(i64),
    /// The modal's submission for this post.
    Submit(i64),
}

impl AnswerAction {
    pub fn parse(custom_id: &str) -> Option<Self> {
        let (action, post) = custom_id.strip_prefix(ANSWER_PREFIX)?.split_once(':')?;
        let post = post.parse().ok()?;
        match action {
            "open" => Some(AnswerAction::Open(post)),
            "submit" => Some(AnswerAction::Submit(post)),
            _ => None,
        }
    }
}

const ANSWER_PREFIX: &str = "answer:";
/// The text input of the answer modal.
pub const ANSWER_INPUT: &str = "answer";

/// The **Answer** button of a daily post with private answers.
pub fn answer_button(post_id: i64) -> serenity::CreateActionRow {
    serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(answer_button_id(post_id))
            .label("Answer")
            .emoji(serenity::ReactionType::Unicode(PENCIL.to_owned()))
            .style(serenity::ButtonStyle::Primary),
    ])
}

/// The answer modal, holding the member's answer so far (if any) to see or edit.
pub fn answer_modal(
    post: &DailyPost,
    current: Option<&str>,
) -> serenity::CreateInteractionResponse {
    let mut input = serenity::CreateInputText::new(
        serenity::InputTextStyle::Paragraph,
        "Your answer (leave empty to withdraw it)",
        ANSWER_INPUT,
    )
    .max_length(crate::core::private_answers::MAX_ANSWER_CHARS as u16)
    .required(false);
    if let Some(current) = current {
        input = input.value(current);
    }
    serenity::CreateInteractionResponse::Modal(
        serenity::CreateModal::new(
            answer_modal_id(post.id),
            format!("Your answer to question #{}", post.seq),
        )
        .components(vec![serenity::CreateActionRow::InputText(input)]),
    )
}

/// One message of a revealed private answer: the answer in an embed (whose markdown
/// stays inside it, and which never pings).
pub fn answer_embed(title: &str, text: &str) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title(title)
        .description(text)
        .color(COLOR_OPEN)
}

/// The credit of an approved suggestion: the author's name as plain text in the
/// embed's author line (which renders no mention and pings no one).
trait SuggestedBy {
    fn author_if(self, name: Option<&str>) -> Self;
}

impl SuggestedBy for serenity::CreateEmbed {
    fn author_if(self, name: Option<&str>) -> Self {
        match name {
            Some(name) => self.author(serenity::CreateEmbedAuthor::new(suggested_by(name))),
            None => self,
        }
    }
}

/// "Suggested by NAME", the name cut to 32 characters.
pub fn suggested_by(name: &str) -> String {
    let name: String = name.chars().take(32).collect();
    format!("Suggested by {name}")
}

fn footer(bank: &QuestionBank, question: &Question, private_answers: bool) -> String {
    let how = match private_answers {
        true => "answer with the button",
        false => "answer in the thread",
    };
    let mut footer = format!("{} · {how}", bank.title());
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
/// The custom id of a quiz's "Reveal hint" button.
pub const REVEAL_BUTTON: &str = "qotd:reveal-hint";

/// A quiz's "Reveal hint" button (disabled once the hint is shown).
pub fn reveal_button(disabled: bool) -> serenity::CreateActionRow {
    serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(REVEAL_BUTTON)
            .label(if disabled {
                "Hint revealed"
            } else {
                "Reveal hint"
            })
            .emoji(serenity::ReactionType::Unicode(LIGHTBULB.to_owned()))
            .style(serenity::ButtonStyle::Secondary)
            .disabled(disabled),
    ])
}

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
        .author_if(question.suggested_by.as_deref())
}

/// What the alerts channel is told when a channel cannot get its question.
pub fn alert_text(channel_id: u64, problem: &str) -> String {
    format!(
        "⚠️ I could not post today's question in <#{channel_id}>: {problem}. The schedule is kept; I will try again, at most 4 times an hour. If this goes on for 3 days in a row, I pause the schedule until you `/qotd resume` it."
    )
}

pub fn message_link(guild_id: u64, channel_id: u64, message_id: u64) -> String {
    format!("https://discord.com/channels/{guild_id}/{channel_id}/{message_id}")
}

/// When a schedule posts next, for replies.
pub fn next_post_text(schedule: &Schedule, now: DateTime<Utc>) -> String {
    match schedule.upcoming_post(now) {
        Some((_, at)) if at <= now => "due now".to_owned(),
        Some((_, at)) => format!("{} ({})", timestamp(at, 'F'), timestamp(at, 'R')),
        None => "paused".to_owned(),
    }
}

/// The reply to `/qotd setup`.
pub fn setup_reply(
    bank: &QuestionBank,
    schedule: &Schedule,
    updated: bool,
    now: DateTime<Utc>,
) -> String {
    let verb = if updated { "Updated" } else { "Scheduled" };
    let reveal = format!(
        "hint after {} {LIGHTBULB} or {} min",
        schedule.reveal_reactions, schedule.reveal_after_minutes
    );
    let mut scope = schedule
        .category
        .as_deref()
        .and_then(|c| bank.category(c))
        .map_or("all categories".to_owned(), |c| {
            format!("category {}", c.name)
        });
    if let Some(id) = &schedule.bank {
        scope = format!("bank `{id}`, {scope}");
    }
    format!(
        "✅ {verb}: <#{}> gets a question every day at **{} {}** ({scope}; {reveal}; {}). Next post: {}.",
        schedule.channel_id,
        schedule.post_time,
        schedule.timezone.name(),
        answers_mode(schedule),
        next_post_text(schedule, now)
    )
}

/// Where a channel's members answer, in words.
fn answers_mode(schedule: &Schedule) -> &'static str {
    match schedule.private_answers {
        true => "answers private, shown together when the hint's time is up",
        false => "answers in the thread",
    }
}

/// Embed descriptions stop short of Discord's 4096 characters.
const DESCRIPTION_LIMIT: usize = 3800;

fn clip(mut text: String) -> String {
    if text.chars().count() > DESCRIPTION_LIMIT {
        text = text.chars().take(DESCRIPTION_LIMIT).collect::<String>() + "\n…";
    }
    text
}

/// `/qotd status`: every schedule of the server with its next post, pass progress,
/// pause and alert.
pub fn status_embed(
    banks: &HashMap<u64, Arc<QuestionBank>>,
    schedules: &[Schedule],
    rotations: &HashMap<u64, RotationState>,
    alerts_channel: Option<u64>,
    now: DateTime<Utc>,
) -> serenity::CreateEmbed {
    let empty = RotationState::default();
    let mut lines = Vec::new();
    for schedule in schedules {
        let state = rotations.get(&schedule.channel_id).unwrap_or(&empty);
        let progress = banks
            .get(&schedule.channel_id)
            .map(|bank| rotation::pass_progress(bank, schedule.category.as_deref(), state));
        let (left, total) = progress.map_or((0, 0), |p| (p.left, p.total));
        let mut line = format!(
            "<#{}> · **{} {}** · next {} · {}/{} questions left in this pass",
            schedule.channel_id,
            schedule.post_time,
            schedule.timezone.name(),
            next_post_text(schedule, now),
            left,
            total
        );
        match (&schedule.bank, progress) {
            (Some(bank), Some(_)) => {
                let _ = write!(line, " · bank `{bank}`");
            }
            (Some(bank), None) => {
                let _ = write!(line, "\n  ⚠️ bank `{bank}` is no longer in QUESTIONS_PATH");
            }
            (None, _) => {}
        }
        let _ = write!(line, " · {}", answers_mode(schedule));
        if schedule.paused {
            line.push_str(" · ⏸️ paused");
            if schedule.refusals.is_some_and(|run| run.pauses()) {
                let _ = write!(
                    line,
                    " after {} days in a row of refused posts (`/qotd resume` starts it again)",
                    schedule.refusals.map_or(0, |run| run.days())
                );
            }
        }
        if let Some(alert) = &schedule.alert {
            let _ = write!(line, "\n  ⚠️ {alert}");
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push("No daily question yet. Start one with `/qotd setup`.".to_owned());
    }
    let alerts = match alerts_channel {
        Some(channel) => format!("Alerts go to <#{channel}>."),
        None => "No alerts channel: set one with `/qotd alerts`.".to_owned(),
    };
    serenity::CreateEmbed::new()
        .title("Daily questions in this server")
        .description(clip(lines.join("\n")))
        .footer(serenity::CreateEmbedFooter::new(alerts))
}

/// `/streak`: a member's streaks in each daily channel, and when each posts next.
pub fn streak_embed(
    name: &str,
    streaks: &[ChannelStreak],
    schedules: &[Schedule],
    now: DateTime<Utc>,
) -> serenity::CreateEmbed {
    let mut description = String::new();
    for entry in streaks {
        let s = entry.streak;
        let schedule = schedules.iter().find(|s| s.channel_id == entry.channel_id);
        let next = match schedule.and_then(|s| s.upcoming_post(now).map(|(_, at)| at)) {
            Some(at) if at > now => format!("next question {}", timestamp(at, 'R')),
            Some(_) => "next question due now".to_owned(),
            None if schedule.is_some() => "paused".to_owned(),
            None => String::new(),
        };
        let _ = writeln!(
            description,
            "<#{}> — 🔥 **{}** current · best {} · {} ({} unaided) · {next}",
            entry.channel_id,
            s.current,
            s.best,
            count(u64::from(s.total), "answer", "answers"),
            s.unaided
        );
        let _ = writeln!(description, "{}", freeze_line(entry));
        if let Some(at) = entry.adjusted_at {
            let _ = writeln!(
                description,
                "-# ✏️ adjusted by an admin on {}",
                timestamp(at, 'D')
            );
        }
    }
    serenity::CreateEmbed::new()
        .title(format!("Streaks of {name}"))
        .description(clip(description))
}

/// The reply to `/qotd streak-set`.
pub fn streak_repaired(channel: u64, member: u64, change: &StreakChange) -> String {
    let (old, new) = (change.before, change.after);
    format!(
        "✏️ <@{member}>'s streak in <#{channel}>: {} → **{}** (best {} → {}). Recorded.",
        old.current, new.current, old.best, new.best
    )
}

/// Freezes held in a channel, and the day the last one was used.
fn freeze_line(entry: &ChannelStreak) -> String {
    let held = entry.streak.freezes;
    let mut line = format!(
        "-# 🧊 {held} of {} freezes held (one more every {} answers in a row)",
        streak_rules::MAX_FREEZES,
        streak_rules::FREEZE_EVERY
    );
    if let Some(date) = entry.last_freeze_date {
        let _ = write!(line, " · last used for {}", date.format("%b %-d, %Y"));
    }
    line
}

fn leaderboard_row(ranked: &Ranked, who: &str) -> String {
    let s = ranked.standing;
    format!(
        "`{:>3}. 🔥{:>4}  best{:>4}  total{:>5}` {who}\n",
        ranked.rank, s.current, s.best, s.total
    )
}

/// Where a leaderboard ranks: one channel, or the whole server.
fn leaderboard_scope(channel_id: Option<u64>) -> String {
    channel_id.map_or("this server".to_owned(), |c| format!("<#{c}>"))
}

/// The member leaderboard, with the caller's own row when outside the top (`hidden`:
/// the caller left the leaderboards).
pub fn member_leaderboard(
    page: &LeaderboardPage,
    channel_id: Option<u64>,
    hidden: bool,
) -> serenity::CreateEmbed {
    let mut text = String::new();
    for ranked in &page.top {
        text.push_str(&leaderboard_row(
            ranked,
            &format!("<@{}>", ranked.standing.id),
        ));
    }
    if text.is_empty() {
        text.push_str("Nobody has answered yet: be the first!\n");
    }
    match &page.caller {
        Some(me) if !page.top.iter().any(|r| r.standing.id == me.standing.id) => {
            text.push_str("…\n");
            text.push_str(&leaderboard_row(me, "**you**"));
        }
        Some(_) => {}
        None if hidden => text.push_str(OFF_THE_LEADERBOARDS),
        None => text.push_str("\nYou have not answered yet."),
    }
    serenity::CreateEmbed::new()
        .title(format!("Leaderboard — {} members", page.ranked_count))
        .description(clip(format!("{}\n{text}", leaderboard_scope(channel_id))))
}

/// The team leaderboard's top `top` teams.
pub fn team_leaderboard(
    teams: &[RankedTeam],
    top: usize,
    channel_id: Option<u64>,
) -> serenity::CreateEmbed {
    let mut text = String::new();
    for team in teams.iter().take(top) {
        let name: String = team.team.name.replace('`', "'");
        let who = format!("**{name}** ({} members)", team.team.member_count);
        text.push_str(&leaderboard_row(&team.ranked, &who));
    }
    if text.is_empty() {
        text.push_str("No teams yet. An admin can create one with `/qotd team-add`.");
    }
    serenity::CreateEmbed::new()
        .title("Team leaderboard — summed current streaks")
        .description(clip(format!("{}\n{text}", leaderboard_scope(channel_id))))
}

/// A practice card: the question, and the hint once shown. `buttons` are custom ids,
/// each a rating or (`None`) the Show hint button.
pub fn practice_card(
    bank: &QuestionBank,
    question: &Question,
    is_new: bool,
    hint_shown: bool,
    note: Option<&str>,
    buttons: &[(String, Option<Rating>)],
) -> (serenity::CreateEmbed, Vec<serenity::CreateActionRow>) {
    let hint = if hint_shown {
        question.hint.clone()
    } else {
        "Think of your answer, then press **Show hint**.".to_owned()
    };
    let mut embed = serenity::CreateEmbed::new()
        .title(if is_new {
            "Practice · new card"
        } else {
            "Practice · review"
        })
        .description(&question.question)
        .color(if hint_shown {
            COLOR_REVEALED
        } else {
            COLOR_OPEN
        })
        .field("Category", category_name(bank, question), true)
        .field("Difficulty", difficulty(question.difficulty.get()), true)
        .field(format!("{LIGHTBULB} Hint"), hint, false)
        .footer(serenity::CreateEmbedFooter::new(if hint_shown {
            "How well did you recall it? The rating sets when it comes back."
        } else {
            "Only you see this · practice never changes daily streaks"
        }));
    if let Some(note) = note {
        embed = embed.author(serenity::CreateEmbedAuthor::new(note));
    }
    let buttons = buttons
        .iter()
        .map(|(id, rating)| {
            let (label, style) = match rating {
                None => ("Show hint", serenity::ButtonStyle::Primary),
                Some(Rating::Again) => ("Again", serenity::ButtonStyle::Danger),
                Some(Rating::Hard) => ("Hard", serenity::ButtonStyle::Secondary),
                Some(Rating::Good) => ("Good", serenity::ButtonStyle::Success),
                Some(Rating::Easy) => ("Easy", serenity::ButtonStyle::Primary),
            };
            serenity::CreateButton::new(id).label(label).style(style)
        })
        .collect();
    (embed, vec![serenity::CreateActionRow::Buttons(buttons)])
}

/// Nothing to review now: when the next review is, and whether new cards wait.
pub fn practice_nothing_due(
    next_due: Option<DateTime<Utc>>,
    new_cards_tomorrow: bool,
    note: Option<&str>,
) -> serenity::CreateEmbed {
    let mut text = match next_due {
        Some(at) => format!(
            "Nothing due. Your next review is {} ({}).",
            timestamp(at, 'R'),
            timestamp(at, 'f')
        ),
        None => "Nothing to practise yet: a daily question joins practice once this server has asked it and its hint is out.".to_owned(),
    };
    if new_cards_tomorrow {
        let _ = write!(
            text,
            "\nYou started {} new cards today; more tomorrow.",
            practice::NEW_CARDS_PER_DAY
        );
    }
    let mut embed = serenity::CreateEmbed::new()
        .title("Practice")
        .description(text)
        .color(COLOR_REVEALED);
    if let Some(note) = note {
        embed = embed.author(serenity::CreateEmbedAuthor::new(note));
    }
    embed
}

/// What a rating did, shown above the next card.
pub fn practice_rated(rating: Rating, outcome: &RateOutcome) -> String {
    let name = match rating {
        Rating::Again => "Again",
        Rating::Hard => "Hard",
        Rating::Good => "Good",
        Rating::Easy => "Easy",
    };
    match outcome {
        RateOutcome::Rated(card) => {
            let wait = card.due - card.last_review;
            format!("Rated {name}: back in {}", practice_duration_words(wait))
        }
        RateOutcome::Stale => "That card was already rated; here is your next one.".to_owned(),
        RateOutcome::NewCardLimit => format!(
            "You started {} new cards today: that one waits for tomorrow.",
            practice::NEW_CARDS_PER_DAY
        ),
    }
}

/// "10 minutes", "3 days": how long until a card comes back.
fn practice_duration_words(wait: chrono::TimeDelta) -> String {
    let (count, unit) = if wait < chrono::TimeDelta::hours(1) {
        (wait.num_minutes().max(1), "minute")
    } else if wait < chrono::TimeDelta::days(1) {
        (wait.num_hours(), "hour")
    } else {
        (wait.num_days(), "day")
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// `/practice stats`.
pub fn practice_stats(stats: &practice::Stats) -> serenity::CreateEmbed {
    let share = |rating| {
        stats
            .percent(rating)
            .map_or_else(|| "—".to_owned(), |p| format!("{p}%"))
    };
    let total: u32 = stats.ratings_30_days.iter().sum();
    serenity::CreateEmbed::new()
        .title("Your practice")
        .color(COLOR_OPEN)
        .field("Cards", stats.cards.to_string(), true)
        .field("Due now", stats.due_now.to_string(), true)
        .field(
            "Due in the next 7 days",
            stats.due_within_7_days.to_string(),
            true,
        )
        .field("Reviewed today", stats.reviewed_today.to_string(), true)
        .field(
            format!("Last 30 days ({total} reviews)"),
            format!(
                "Hard {} · Good {} · Easy {} · Again {}",
                share(Rating::Hard),
                share(Rating::Good),
                share(Rating::Easy),
                share(Rating::Again)
            ),
            false,
        )
        .footer(serenity::CreateEmbedFooter::new(
            "Daily answers count as reviews: unaided as Good, after the hint as Hard",
        ))
}

/// A practice button the database could not serve.
pub fn practice_failed(fault: Option<DatabaseFault>) -> String {
    match fault {
        Some(fault) => format!(
            "⚠️ I can't save anything right now: {fault}. Nothing was changed; please try again later."
        ),
        None => "Something went wrong on my side; nothing was changed. The bot's operator can see the details in the log.".to_owned(),
    }
}

/// The streak calendar in words, for screen readers and text-only clients.
pub fn calendar_summary(channel_id: u64, calendar: &Calendar) -> String {
    let count = |day: Day| calendar.days.iter().filter(|d| **d == day).count();
    format!(
        "<#{channel_id}>, last {} weeks: {} answered, {} after the hint, {} missed, {} frozen.",
        crate::core::calendar::WEEKS,
        count(Day::Unaided),
        count(Day::AfterHint),
        count(Day::Missed),
        count(Day::Frozen)
    )
}

/// `/qotd stats`: the channel's totals, the five least and most answered questions,
/// then every question, least answered first.
pub fn question_stats(channel_id: u64, stats: &ChannelStats) -> serenity::CreateEmbed {
    let mut description = format!(
        "<#{channel_id}>: {} posted, {}.\n",
        count(u64::from(stats.posts), "question", "questions"),
        count(u64::from(stats.answers), "answer", "answers")
    );
    if !stats.questions.is_empty() {
        description.push_str("\n**Every question**, least answered first:\n");
    }
    for question in &stats.questions {
        let _ = writeln!(description, "{}", question_line(question));
    }
    let list = |questions: Vec<&QuestionStats>| {
        let lines: Vec<String> = questions
            .iter()
            .map(|q| format!("`{}` {:.1} per post", q.question_id, q.answers_per_post()))
            .collect();
        if lines.is_empty() {
            "—".to_owned()
        } else {
            lines.join("\n")
        }
    };
    serenity::CreateEmbed::new()
        .title("Question statistics")
        .description(clip(description))
        .color(COLOR_OPEN)
        .field(
            "Least answered",
            list(stats.least_answered().iter().collect()),
            true,
        )
        .field("Most answered", list(stats.most_answered()), true)
}

/// One question: answers per post, unaided share, and how and how soon its hint was
/// revealed.
fn question_line(q: &QuestionStats) -> String {
    let unaided = q
        .unaided_percent()
        .map_or_else(|| "no answers".to_owned(), |p| format!("{p}% unaided"));
    let mut reveals = Vec::new();
    if q.revealed_by_reactions > 0 {
        reveals.push(format!("{}× by {LIGHTBULB}", q.revealed_by_reactions));
    }
    if q.revealed_by_timeout > 0 {
        reveals.push(format!("{}× by timeout", q.revealed_by_timeout));
    }
    if q.revealed_otherwise > 0 {
        reveals.push(format!("{}× by button", q.revealed_otherwise));
    }
    let hint = match q.median_reveal_after {
        Some(after) => format!(
            "hint {} after {} (median)",
            reveals.join(", "),
            practice_duration_words(after)
        ),
        None => "hint not revealed".to_owned(),
    };
    format!(
        "`{}` — {:.1} answers per post ({} {}) · {unaided} · {hint}",
        q.question_id,
        q.answers_per_post(),
        q.posts,
        if q.posts == 1 { "post" } else { "posts" }
    )
}

/// Cuts member text to `limit` characters for a list (the full text is elsewhere).
fn excerpt(text: &str, limit: usize) -> String {
    let mut shown: String = text.chars().take(limit).collect();
    if text.chars().count() > limit {
        shown.push('…');
    }
    shown
}

/// The refusal of a `/suggest new` that breaks the bank's rules: every problem, each
/// naming its option.
pub fn suggestion_problems(problems: &[String]) -> String {
    let mut text = String::from("Your suggestion was not filed. Fix these and send it again:");
    for problem in problems.iter().take(10) {
        let _ = write!(text, "\n• {}", excerpt(problem, 300));
    }
    text
}

pub fn suggestion_filed(suggestion: &Suggestion) -> String {
    format!(
        "📨 Suggestion #{} is filed. An admin will approve or reject it; follow it with `/suggest list`.",
        suggestion.id
    )
}

fn status_mark(status: SuggestionStatus) -> &'static str {
    match status {
        SuggestionStatus::Pending => "⏳ pending",
        SuggestionStatus::Approved => "✅ approved",
        SuggestionStatus::Rejected => "❌ rejected",
    }
}

/// `/suggest list`: a member's suggestions, newest first, with status and reason.
pub fn member_suggestions(suggestions: &[Suggestion]) -> serenity::CreateEmbed {
    let mut lines = Vec::new();
    for s in suggestions {
        let mut line = format!(
            "**#{}** · {} · “{}”",
            s.id,
            status_mark(s.status),
            excerpt(&s.question, 120)
        );
        if let Some(reason) = &s.reason {
            let _ = write!(line, "\n  Reason: {}", excerpt(reason, 300));
        }
        if s.status == SuggestionStatus::Approved {
            line.push_str("\n  It is in this server's questions now.");
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push("You have no suggestions yet. Send one with `/suggest new`.".to_owned());
    }
    serenity::CreateEmbed::new()
        .title("Your suggestions")
        .description(clip(lines.join("\n")))
}

/// One pending suggestion in `/qotd suggestions`, shown in full.
pub fn suggestion_review(
    suggestion: &Suggestion,
    bank: Option<&QuestionBank>,
) -> serenity::CreateEmbed {
    let category = bank
        .and_then(|b| b.category(&suggestion.category))
        .map_or(suggestion.category.as_str(), |c| c.name.as_str());
    let level = u8::try_from(suggestion.difficulty).unwrap_or(0);
    let mut embed = serenity::CreateEmbed::new()
        .title(format!("Suggestion #{}", suggestion.id))
        .author(serenity::CreateEmbedAuthor::new(suggested_by(
            &suggestion.author_name,
        )))
        .description(&suggestion.question)
        .field(format!("{LIGHTBULB} Hint"), &suggestion.hint, false)
        .field("Category", category, true)
        .field("Difficulty", difficulty(level), true)
        .color(COLOR_OPEN);
    if let Some(bank) = &suggestion.bank {
        embed = embed.field("Bank", bank, true);
    }
    embed.footer(serenity::CreateEmbedFooter::new(format!(
        "Filed {}",
        suggestion.created_at.format("%Y-%m-%d %H:%M UTC")
    )))
}

/// The text above the review list.
pub fn review_header(note: Option<&str>, shown: usize, pending: usize) -> String {
    let mut text = note.map(|n| format!("{n}\n")).unwrap_or_default();
    match pending {
        0 => text.push_str("No suggestions are waiting for a decision."),
        _ if shown < pending => {
            let _ = write!(
                text,
                "{pending} suggestions are waiting; here are the oldest {shown}. Decide them and the next ones appear."
            );
        }
        1 => text.push_str("1 suggestion is waiting for a decision."),
        _ => {
            let _ = write!(text, "{pending} suggestions are waiting for a decision.");
        }
    }
    text
}

/// What an admin is told after deciding.
pub fn suggestion_decided(suggestion: &Suggestion) -> String {
    match suggestion.status {
        SuggestionStatus::Approved => format!(
            "✅ Approved #{}: it joins this server's questions in category `{}` and is asked within the current pass.",
            suggestion.id, suggestion.category
        ),
        SuggestionStatus::Rejected => format!(
            "❌ Rejected #{}. The member sees your reason in `/suggest list`.",
            suggestion.id
        ),
        SuggestionStatus::Pending => format!("Suggestion #{} is still pending.", suggestion.id),
    }
}

/// `n` and its noun, singular for one ("1 answer", "2 answers").
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

const REMIND_STOP_PREFIX: &str = "remind:stop:";

/// The custom id of a reminder's **Stop reminders** button: the server it stops.
pub fn remind_stop_id(guild_id: u64) -> String {
    format!("{REMIND_STOP_PREFIX}{guild_id}")
}

/// The server a **Stop reminders** button stops, from its custom id.
pub fn remind_stop_of(custom_id: &str) -> Option<u64> {
    custom_id.strip_prefix(REMIND_STOP_PREFIX)?.parse().ok()
}

/// A reminder's direct message: the question to answer, the streak at stake, the
/// practice cards due, and the **Stop reminders** button.
pub fn reminder_message(reminder: &Reminder) -> serenity::CreateMessage {
    let link = message_link(reminder.guild_id, reminder.channel_id, reminder.message_id);
    let mut text = format!(
        "⏰ Your streak of **{}** in <#{}> is waiting: [today's question]({link}) is still unanswered. The next one comes <t:{}:R>.",
        reminder.streak,
        reminder.channel_id,
        reminder.next_post.timestamp()
    );
    if reminder.cards_due > 0 {
        let _ = write!(
            text,
            "\n📚 You also have {} practice card{} due: `/practice next`.",
            reminder.cards_due,
            if reminder.cards_due == 1 { "" } else { "s" }
        );
    }
    serenity::CreateMessage::new()
        .content(text)
        .components(vec![serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(remind_stop_id(reminder.guild_id))
                .label("Stop reminders")
                .style(serenity::ButtonStyle::Secondary),
        ])])
}

/// The alert for a role the bot cannot give.
pub fn role_alert_text(role_id: u64, problem: &str) -> String {
    format!(
        "⚠️ I could not give the role <@&{role_id}>: {problem}. I will not try again until an admin sets it again (`/qotd rewards add` or `/qotd rewards champion`): first give me **Manage Roles**, and put my role above <@&{role_id}> in the server's roles."
    )
}

/// A season's ranking rows: rank, answers, unaided, the member (a mention, which
/// pings nobody where it is shown).
fn season_rows(ranked: &[SeasonEntry], first_rank: usize) -> String {
    let mut text = String::new();
    for (place, entry) in ranked.iter().enumerate() {
        let _ = writeln!(
            text,
            "`{:>3}. {:>4} answers  {:>4} unaided` <@{}>",
            first_rank + place,
            entry.answers,
            entry.unaided,
            entry.user_id
        );
    }
    text
}

/// A season's final standings post.
pub fn season_standings(season: &Season, top: &[SeasonEntry]) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title(crate::core::seasons::standings_title(season))
        .description(clip(format!(
            "The season is over: the most daily questions answered in {}. Ties go to the most unaided answers, then to who got there first.\n\n{}",
            season.title(),
            season_rows(top, 1)
        )))
        .color(COLOR_OPEN)
}

/// What a member who left the leaderboards reads under one.
const OFF_THE_LEADERBOARDS: &str =
    "\nYou are off this server's leaderboards: `/privacy show` brings you back.";

/// `/leaderboard scope:season`: this month's top and the caller's place (`hidden`:
/// the caller left the leaderboards).
pub fn season_leaderboard(
    season: &Season,
    ranked: &[SeasonEntry],
    top: usize,
    (caller, hidden): (u64, bool),
) -> serenity::CreateEmbed {
    let mut text = season_rows(&ranked[..ranked.len().min(top)], 1);
    match ranked.iter().position(|e| e.user_id == caller) {
        Some(place) if place >= top => {
            text.push_str("…\n");
            text.push_str(&season_rows(&ranked[place..=place], place + 1));
        }
        Some(_) => {}
        None if hidden => text.push_str(OFF_THE_LEADERBOARDS),
        None => text.push_str("\nYou have not answered this month yet."),
    }
    if ranked.is_empty() {
        text = "Nobody has answered this month yet: be the first!".to_owned();
    }
    serenity::CreateEmbed::new()
        .title(format!("Season {} — {} members", season.title(), ranked.len()))
        .description(clip(format!(
            "Answers this month (ties: unaided answers, then who got there first). The season ends <t:{}:R>.\n\n{text}",
            season.end.timestamp()
        )))
}

/// `/qotd rewards list`: the reward roles and the champion role.
pub fn rewards_list(rewards: &[RewardSetting], champion: Option<ChampionRole>) -> String {
    let mut text = String::from("🏅 **Role rewards**\n");
    for setting in rewards {
        let refused = if setting.refused {
            " — ⚠️ Discord refused it: fix my permissions, then add it again"
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "- best streak **{}**: <@&{}>{refused}",
            setting.reward.streak, setting.reward.role_id
        );
    }
    if rewards.is_empty() {
        text.push_str("None yet: `/qotd rewards add streak:7 role:@Week`.\n");
    }
    match champion {
        Some(role) => {
            let _ = write!(
                text,
                "🏆 The season's champion holds <@&{}>{}.",
                role.role_id,
                if role.refused {
                    " (⚠️ Discord refused it)"
                } else {
                    ""
                }
            );
        }
        None => text.push_str("🏆 No champion role: `/qotd rewards champion role:@Champion`."),
    }
    text
}

const PRIVACY_DELETE_PREFIX: &str = "privacy:delete:";

/// The custom id of a **Delete my data** button: whose data it deletes.
pub fn privacy_delete_id(user_id: u64) -> String {
    format!("{PRIVACY_DELETE_PREFIX}{user_id}")
}

/// Whose data a **Delete my data** button deletes, from its custom id.
pub fn privacy_delete_of(custom_id: &str) -> Option<u64> {
    custom_id.strip_prefix(PRIVACY_DELETE_PREFIX)?.parse().ok()
}

/// What `/privacy hide` (`hidden`) or `/privacy show` says, given whether the member
/// was off the leaderboards before.
pub fn visibility_text(hidden: bool, was_hidden: bool) -> &'static str {
    match (hidden, was_hidden) {
        (true, false) => {
            "🙈 You left this server's leaderboards and season standings. Your streaks, practice and team go on as before; `/privacy show` brings you back."
        }
        (true, true) => {
            "You are already off this server's leaderboards. `/privacy show` brings you back."
        }
        (false, true) => "👋 You are back on this server's leaderboards and season standings.",
        (false, false) => {
            "You are already on this server's leaderboards. `/privacy hide` takes you off."
        }
    }
}

/// The text beside a member's export file.
pub fn export_text(counts: &[(&'static str, u64)]) -> String {
    format!(
        "📦 Everything qotd keeps about you in this server:\n{}\nThe file's format is described in this bot's privacy policy. `/privacy delete` deletes it all.",
        crate::core::privacy::rows_list(counts)
    )
}

/// What `/privacy delete` asks before the button: exactly what will go.
pub fn delete_confirmation(counts: &[(&'static str, u64)]) -> String {
    format!(
        "🗑️ **Delete my data** deletes everything qotd keeps about you in this server, at once and for good:\n{}\nYour streaks, leaderboard places and season standings go with your answers. Other servers keep theirs. To keep everything, dismiss this message.",
        crate::core::privacy::rows_list(counts)
    )
}

/// The confirmation message once the data is deleted (its button goes).
pub fn deleted_response(summary: &str) -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::UpdateMessage(
        serenity::CreateInteractionResponseMessage::new()
            .content(format!(
                "✅ Deleted everything qotd kept about you in this server ({summary})."
            ))
            .components(Vec::new())
            .allowed_mentions(crate::discord::no_pings()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_answer_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "answer", "answers"), "1 answer");
        assert_eq!(count(0, "answer", "answers"), "0 answers");
        assert_eq!(count(2, "answer", "answers"), "2 answers");
    }
}
