//! `/practice`: spaced-repetition review of this server's questions (SPEC §8).
//!
//! Everything a button needs is in its custom id (the question, the card's version,
//! the rating) and in the database, so buttons keep working after a restart.

use chrono::{DateTime, TimeDelta, Utc};
use poise::serenity_prelude as serenity;
use tracing::warn;

use super::input::guild_id;
use crate::core::practice::{self, Next, Rating};
use crate::discord::{Context, Error, no_pings, render};
use crate::state::{App, GuildQuestions};
use crate::storage::{CardRating, StorageError};

/// Practise this server's questions with spaced repetition (only you see it).
#[poise::command(slash_command, guild_only, subcommands("next", "stats"))]
pub async fn practice(ctx: Context<'_>) -> Result<(), Error> {
    send_next_card(ctx).await
}

/// Your next card: reviews due first, then up to 5 new questions a day.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn next(ctx: Context<'_>) -> Result<(), Error> {
    send_next_card(ctx).await
}

/// Your deck: cards, what is due, today's reviews, and how you rated the last 30 days.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn stats(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let user = ctx.author().id.get();
    let now = app.clock.now();
    let questions = app.guild_questions(guild).await?;
    let deck = deck_in_bank(app, &questions, guild, user).await?;
    let reviews = app
        .store
        .practice_reviews_since(guild, user, now - TimeDelta::days(30))
        .await?;
    let day_start = practice_day_start(app, guild, now).await?;
    let stats = practice::stats(&deck, &reviews, day_start, now);
    let reply = poise::CreateReply::default()
        .embed(render::practice_stats(&stats))
        .ephemeral(true)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

async fn send_next_card(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let user = ctx.author().id.get();
    let (embed, components) = next_card_message(app, guild, user, app.clock.now(), None).await?;
    let reply = poise::CreateReply::default()
        .embed(embed)
        .components(components)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// The start of the member's practice day: midnight in the zone of the server's first
/// daily channel (UTC without one).
async fn practice_day_start(
    app: &App,
    guild: u64,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, StorageError> {
    let schedules = app.store.guild_schedules(guild).await?;
    let zone = schedules
        .first()
        .map_or(chrono_tz::UTC, |schedule| schedule.timezone);
    Ok(practice::day_start(now, zone))
}

/// The member's deck after feeding their daily answers into it, without cards whose
/// question left the banks (they wait, unseen, until it is back).
async fn deck_in_bank(
    app: &App,
    questions: &GuildQuestions,
    guild: u64,
    user: u64,
) -> Result<Vec<practice::DeckCard>, StorageError> {
    app.store.feed_practice(guild, user).await?;
    let mut deck = app.store.practice_deck(guild, user).await?;
    practice::set_aside_unknown(&mut deck, |id| questions.get(id).is_some());
    Ok(deck)
}

/// The message showing the member's next card (or that nothing is due), after
/// feeding their daily answers into the deck. `note` says what just happened.
async fn next_card_message(
    app: &App,
    guild: u64,
    user: u64,
    now: DateTime<Utc>,
    note: Option<String>,
) -> Result<(serenity::CreateEmbed, Vec<serenity::CreateActionRow>), StorageError> {
    let questions = app.guild_questions(guild).await?;
    let deck = deck_in_bank(app, &questions, guild, user).await?;
    let day_start = practice_day_start(app, guild, now).await?;
    let has_daily_channel = !app.store.guild_schedules(guild).await?.is_empty();
    let asked = app.store.practice_questions(guild).await?;
    let default_bank = match has_daily_channel {
        true => None,
        false => app.bank_for(guild, None).await?,
    };
    let default_ids: Vec<&str> = default_bank
        .iter()
        .flat_map(|bank| bank.questions().iter().map(|q| q.id.as_str()))
        .collect();
    let candidates = practice::new_card_candidates(has_daily_channel, &asked, &default_ids)
        .filter(|id| questions.get(id).is_some());
    let next = practice::next_card(&deck, candidates, day_start, now);
    let card = match next {
        Next::Due { question_id, reps } => Some((question_id, reps)),
        Next::New { question_id } => Some((question_id, 0)),
        Next::Nothing { .. } => None,
    };
    if let Some((question_id, reps)) = card
        && let Some((bank, question)) = questions.get(question_id)
    {
        let button = Button::Hint {
            reps,
            question_id: question_id.to_owned(),
        };
        return Ok(render::practice_card(
            bank,
            question,
            reps == 0,
            false,
            note.as_deref(),
            &[(button.custom_id(), None)],
        ));
    }
    let (next_due, tomorrow) = match next {
        Next::Nothing {
            next_due,
            new_cards_tomorrow,
        } => (next_due, new_cards_tomorrow),
        // A card whose question left the bank: it waits until it is back.
        _ => (None, false),
    };
    Ok((
        render::practice_nothing_due(next_due, tomorrow, note.as_deref()),
        Vec::new(),
    ))
}

/// A practice button, as its custom id says: `practice:hint:<reps>:<question>` or
/// `practice:<rating>:<reps>:<question>` (the question id is last: it is a slug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Button {
    Hint {
        reps: u32,
        question_id: String,
    },
    Rate {
        rating: Rating,
        reps: u32,
        question_id: String,
    },
}

const PREFIX: &str = "practice:";

impl Button {
    pub fn custom_id(&self) -> String {
        match self {
            Button::Hint { reps, question_id } => format!("{PREFIX}hint:{reps}:{question_id}"),
            Button::Rate {
                rating,
                reps,
                question_id,
            } => format!("{PREFIX}{}:{reps}:{question_id}", rating.name()),
        }
    }

    pub fn parse(custom_id: &str) -> Option<Self> {
        let mut parts = custom_id.strip_prefix(PREFIX)?.splitn(3, ':');
        let (action, reps, question_id) = (parts.next()?, parts.next()?, parts.next()?);
        let reps = reps.parse().ok()?;
        let question_id = question_id.to_owned();
        match action {
            "hint" => Some(Button::Hint { reps, question_id }),
            name => Some(Button::Rate {
                rating: Rating::from_name(name)?,
                reps,
                question_id,
            }),
        }
    }
}

/// Whether a component interaction is a practice button.
pub fn is_practice_button(custom_id: &str) -> bool {
    custom_id.starts_with(PREFIX)
}

/// A practice button: Show hint turns the card over; a rating schedules the card and
/// shows the next one, in the same ephemeral message.
#[tracing::instrument(skip_all, fields(guild_id = ?component.guild_id))]
pub async fn on_component(
    app: &App,
    ctx: &serenity::Context,
    component: &serenity::ComponentInteraction,
) {
    let (Some(button), Some(guild)) =
        (Button::parse(&component.data.custom_id), component.guild_id)
    else {
        return;
    };
    let user = component.user.id.get();
    let response = match button_message(app, guild.get(), user, button).await {
        Ok((embed, components)) => serenity::CreateInteractionResponse::UpdateMessage(
            serenity::CreateInteractionResponseMessage::new()
                .embed(embed)
                .components(components)
                .allowed_mentions(no_pings()),
        ),
        Err(error) => {
            warn!(%error, "a practice button failed");
            serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .content(render::practice_failed(error.fault()))
                    .ephemeral(true)
                    .allowed_mentions(no_pings()),
            )
        }
    };
    if let Err(error) = component.create_response(&ctx.http, response).await {
        warn!(%error, "failed to answer a practice button");
    }
}

async fn button_message(
    app: &App,
    guild: u64,
    user: u64,
    button: Button,
) -> Result<(serenity::CreateEmbed, Vec<serenity::CreateActionRow>), StorageError> {
    let now = app.clock.now();
    match button {
        Button::Hint { reps, question_id } => {
            let Some((bank, question)) = app.question(guild, &question_id).await? else {
                let note = "That question is no longer in the bank.".to_owned();
                return next_card_message(app, guild, user, now, Some(note)).await;
            };
            let buttons: Vec<(String, Option<Rating>)> = Rating::ALL
                .into_iter()
                .map(|rating| {
                    let id = Button::Rate {
                        rating,
                        reps,
                        question_id: question_id.clone(),
                    };
                    (id.custom_id(), Some(rating))
                })
                .collect();
            Ok(render::practice_card(
                &bank,
                &question,
                reps == 0,
                true,
                None,
                &buttons,
            ))
        }
        Button::Rate {
            rating,
            reps,
            question_id,
        } => {
            if app.question(guild, &question_id).await?.is_none() {
                let note = "That question is no longer in the bank.".to_owned();
                return next_card_message(app, guild, user, now, Some(note)).await;
            }
            let day_start = practice_day_start(app, guild, now).await?;
            let rated = CardRating {
                guild_id: guild,
                user_id: user,
                question_id: &question_id,
                seen_reps: reps,
                rating,
            };
            let outcome = app.store.rate_practice_card(&rated, now, day_start).await?;
            let note = render::practice_rated(rating, &outcome);
            next_card_message(app, guild, user, now, Some(note)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_reads_back_from_its_custom_id_within_discord_s_100_characters() {
        let long_id = "a".repeat(64);
        let buttons = [
            Button::Hint {
                reps: 0,
                question_id: "cultural-display-rules".into(),
            },
            Button::Rate {
                rating: Rating::Again,
                reps: 12_345,
                question_id: long_id,
            },
        ];
        for button in buttons {
            let id = button.custom_id();
            assert!(id.len() <= 100, "{id}");
            assert!(is_practice_button(&id));
            assert_eq!(Button::parse(&id), Some(button));
        }
    }

    #[test]
    fn other_and_broken_custom_ids_are_not_practice_buttons() {
        for id in [
            "quiz:reveal",
            "practice:",
            "practice:hint:x:q",
            "practice:meh:1:q",
            "practice:good:1",
        ] {
            assert_eq!(Button::parse(id), None, "{id}");
        }
    }
}
