//! `/quiz`: a random question on demand, with a "Reveal hint" button.

use poise::serenity_prelude as serenity;
use rand::seq::IndexedRandom as _;
use tracing::warn;

use super::input::{
    autocomplete_bank, autocomplete_category, bank_here, category_filter, guild_id, refused,
    user_error,
};
use crate::core::question_bank::Difficulty;
use crate::daily::reveal;
use crate::discord::port::DiscordHttp;
use crate::discord::{Context, Error, no_pings, render};
use crate::state::App;
use crate::storage::QuizPost;

pub use render::{REVEAL_BUTTON, reveal_button};

/// Get a random interview question right now (does not count for streaks).
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id(), channel_id = %ctx.channel_id()))]
pub async fn quiz(
    ctx: Context<'_>,
    #[description = "Only this category"]
    #[autocomplete = "autocomplete_category"]
    category: Option<String>,
    // Discord's bounds must be literals: `Difficulty::MIN` and `MAX` (a test checks).
    #[description = "Only this difficulty (1–5)"]
    #[min = 1]
    #[max = 5]
    difficulty: Option<i64>,
    #[description = "Only this question bank (default: this channel's)"]
    #[autocomplete = "autocomplete_bank"]
    bank: Option<String>,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let bank = bank_here(ctx, bank.as_deref()).await?;
    let category = category_filter(&bank, category.as_deref())?;
    let difficulty = difficulty
        .map(Difficulty::parse)
        .transpose()
        .map_err(refused)?;
    let app = ctx.data();
    let candidates: Vec<_> = bank.matching(category.as_deref(), difficulty).collect();
    let Some(question) = candidates.choose(&mut rand::rng()).copied() else {
        user_error!("No question matches that category and difficulty. Try a wider choice.");
    };
    let now = app.clock.now();
    if let Err(until) = app.quiz_cooldowns.try_start(ctx.channel_id().get(), now) {
        let when = render::timestamp(until, 'R');
        user_error!(
            "A quiz was just posted here. The next one can come {when}: answer this one first!"
        );
    }
    let reply = poise::CreateReply::default()
        .embed(render::quiz_embed(&bank, question, None))
        .components(vec![reveal_button(false)])
        .allowed_mentions(no_pings());
    let message = ctx.send(reply).await?.message().await?.into_owned();
    record_quiz(ctx, guild, &message, question.id.as_str(), now).await
}

/// Stores a posted quiz, indexes it for 💡, and adds the bot's own 💡.
async fn record_quiz(
    ctx: Context<'_>,
    guild_id: u64,
    message: &serenity::Message,
    question_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    let app = ctx.data();
    let channel_id = message.channel_id.get();
    let reveal_reactions = match app.store.schedule(channel_id).await? {
        Some(schedule) => schedule.reveal_reactions,
        None => crate::core::hint_reveal::DEFAULT_REVEAL_REACTIONS,
    };
    let quiz = QuizPost {
        message_id: message.id.get(),
        guild_id,
        channel_id,
        question_id: question_id.to_owned(),
        reveal_reactions,
        posted_at: now,
        revealed_at: None,
    };
    app.store.record_quiz(&quiz).await?;
    app.active.add_quiz(quiz.message_id, now);
    let http = &ctx.serenity_context().http;
    let lightbulb = serenity::ReactionType::Unicode(render::LIGHTBULB.to_owned());
    if let Err(error) = message
        .channel_id
        .create_reaction(http, message.id, lightbulb)
        .await
    {
        warn!(%error, "failed to add 💡 to a quiz");
    }
    Ok(())
}

async fn revealed_message(
    app: &App,
    quiz: &QuizPost,
) -> Option<(serenity::CreateEmbed, serenity::CreateActionRow)> {
    let (bank, question) = match app.question(quiz.guild_id, &quiz.question_id).await {
        Ok(found) => found?,
        Err(error) => {
            warn!(%error, "failed to read a quiz's question");
            return None;
        }
    };
    Some((
        render::quiz_embed(&bank, &question, Some(&question.hint)),
        reveal_button(true),
    ))
}

/// The "Reveal hint" button.
#[tracing::instrument(skip_all, fields(guild_id = ?component.guild_id, channel_id = %component.channel_id))]
pub async fn on_component(
    app: &App,
    ctx: &serenity::Context,
    component: &serenity::ComponentInteraction,
) {
    if component.data.custom_id != REVEAL_BUTTON {
        return;
    }
    let now = app.clock.now();
    let quiz = match app.store.quiz(component.message.id.get()).await {
        Ok(quiz) => quiz,
        Err(error) => {
            warn!(%error, "failed to read a quiz");
            None
        }
    };
    let revealed = match &quiz {
        Some(quiz) => revealed_message(app, quiz).await.map(|m| (quiz, m)),
        None => None,
    };
    let response = match revealed {
        Some((quiz, (embed, button))) => {
            if let Err(error) = app.store.mark_quiz_revealed(quiz.message_id, now).await {
                warn!(%error, "failed to record a quiz reveal");
            }
            app.active.remove_quiz(quiz.message_id);
            serenity::CreateInteractionResponse::UpdateMessage(
                serenity::CreateInteractionResponseMessage::new()
                    .embed(embed)
                    .components(vec![button])
                    .allowed_mentions(no_pings()),
            )
        }
        None => serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .content("This quiz is no longer available. Start a new one with `/quiz`.")
                .ephemeral(true),
        ),
    };
    if let Err(error) = component.create_response(&ctx.http, response).await {
        warn!(%error, "failed to answer the reveal button");
    }
}

/// A member's 💡 on a quiz post: the same rule and the same reveal as daily posts
/// (`daily::reveal::reveal_quiz`).
#[tracing::instrument(level = "debug", skip_all, fields(channel_id = %channel))]
pub async fn on_lightbulb(
    app: &App,
    http: &std::sync::Arc<serenity::Http>,
    channel: serenity::ChannelId,
    message: serenity::MessageId,
    user: serenity::UserId,
) {
    // Most 💡 anywhere in a server are on other messages: answer from memory.
    if !app.active.is_open_quiz(message.get()) {
        return;
    }
    let discord = DiscordHttp::of(http.clone(), app);
    if let Err(error) = reveal::reveal_quiz(app, &discord, message.get(), user.get()).await {
        warn!(%error, "failed to reveal a quiz hint");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difficulty_option_offers_exactly_the_range_a_difficulty_has() {
        let command = quiz();
        let option = command
            .parameters
            .iter()
            .find(|p| p.name == "difficulty")
            .and_then(|p| p.create_as_slash_command_option())
            .unwrap();
        let json = serde_json::to_value(option).unwrap();
        // Discord's option bounds are JSON numbers (poise writes them as floats).
        assert_eq!(json["min_value"].as_f64(), Some(f64::from(Difficulty::MIN)));
        assert_eq!(json["max_value"].as_f64(), Some(f64::from(Difficulty::MAX)));
    }
}
