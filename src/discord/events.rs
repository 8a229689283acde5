//! Gateway events: answers in question threads, 💡 reactions, quiz buttons.
//!
//! The bot sees every message and reaction of every server it is in, so each handler
//! first asks the in-memory index whether the event concerns an open question and
//! returns at once when it does not.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use tracing::{info, warn};

use super::{App, Error, Stats, commands, daily, render};
use crate::core::hint_reveal::{HintReveal, RevealDecision};
use crate::storage::NewAnswer;

pub async fn handle(
    framework: poise::FrameworkContext<'_, Arc<App>, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let app = framework.user_data;
    let http = &framework.serenity_context.http;
    match event {
        serenity::FullEvent::Ready { data_about_bot } => {
            info!(session = %data_about_bot.session_id, guilds = data_about_bot.guilds.len(), "gateway session ready");
            let _ = app.bot_user_id.set(data_about_bot.user.id.get());
            app.guilds
                .ready(data_about_bot.guilds.iter().map(|guild| guild.id.get()));
            // A new session: whatever was posted since the last one was not delivered.
            let (app, http) = (app.clone(), http.clone());
            tokio::spawn(async move { super::catch_up::after_ready(&app, &http).await });
        }
        serenity::FullEvent::GuildCreate { guild, .. } if app.guilds.joined(guild.id.get()) => {
            info!(
                guild_id = guild.id.get(),
                "added to a server; its daily questions (if any) resume"
            );
            app.scheduler.wake();
        }
        serenity::FullEvent::GuildDelete { incomplete, .. }
            if !incomplete.unavailable && app.guilds.left(incomplete.id.get()) =>
        {
            info!(
                guild_id = incomplete.id.get(),
                "removed from a server; its daily questions wait until the bot is back"
            );
        }
        serenity::FullEvent::Message { new_message } => {
            on_message(app, new_message).await;
            Stats::bump(&app.stats.messages_handled);
        }
        serenity::FullEvent::ReactionAdd { add_reaction } => {
            on_reaction(app, http, add_reaction, framework.bot_id(), true).await;
            Stats::bump(&app.stats.reactions_handled);
        }
        serenity::FullEvent::ReactionRemove { removed_reaction } => {
            on_reaction(app, http, removed_reaction, framework.bot_id(), false).await;
            Stats::bump(&app.stats.reactions_handled);
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(component),
        } => commands::quiz::on_component(app, framework.serenity_context, component).await,
        _ => {}
    }
    Ok(())
}

/// Whether a message can answer a question: a member's own message or reply, not a
/// bot's, a webhook's or a system message (a pin, a join).
pub(super) fn is_member_message(message: &serenity::Message) -> bool {
    !message.author.bot
        && message.webhook_id.is_none()
        && matches!(
            message.kind,
            serenity::MessageType::Regular | serenity::MessageType::InlineReply
        )
}

/// A member posting in a question's thread (or replying to the post) answers it.
async fn on_message(app: &App, message: &serenity::Message) {
    if message.guild_id.is_none() || !is_member_message(message) {
        return;
    }
    let active = app.active.by_thread(message.channel_id.get()).or_else(|| {
        message
            .message_reference
            .as_ref()
            .and_then(|reference| reference.message_id)
            .and_then(|id| app.active.by_message(id.get()))
            .filter(|post| post.channel_id == message.channel_id.get())
    });
    let Some(active) = active else { return };
    let user = message.author.id.get();
    if !app.active.first_answer(active.post_id, user) {
        return; // several messages count as one answer
    }
    app.answers.push(NewAnswer {
        post_id: active.post_id,
        user_id: user,
        at: app.clock.now(),
    });
}

/// 💡 on a daily post counts toward revealing its hint; quiz posts use the same rule.
async fn on_reaction(
    app: &App,
    http: &serenity::Http,
    reaction: &serenity::Reaction,
    bot_id: serenity::UserId,
    added: bool,
) {
    let serenity::ReactionType::Unicode(emoji) = &reaction.emoji else {
        return;
    };
    if emoji != render::LIGHTBULB {
        return;
    }
    let Some(user_id) = reaction.user_id else {
        return;
    };
    let is_bot = user_id == bot_id || reaction.member.as_ref().is_some_and(|m| m.user.bot);
    let Some(active) = app.active.by_message(reaction.message_id.get()) else {
        if added && !is_bot {
            commands::quiz::on_lightbulb(
                app,
                http,
                reaction.channel_id,
                reaction.message_id,
                user_id,
            )
            .await;
        }
        return;
    };
    if is_bot || active.revealed {
        return;
    }
    let result = if added {
        app.store
            .add_reveal_reactor(active.post_id, user_id.get())
            .await
    } else {
        app.store
            .remove_reveal_reactor(active.post_id, user_id.get())
            .await
    };
    if let Err(error) = result {
        warn!(post_id = active.post_id, %error, "failed to record a 💡 reaction");
        return;
    }
    if added {
        reveal_if_due(app, http, active.post_id).await;
    }
}

/// Reveals a daily post's hint if its recorded 💡 reactors (or its timeout) call for it.
pub(super) async fn reveal_if_due(app: &App, http: &serenity::Http, post_id: i64) {
    let post = match app.store.daily_post(post_id).await {
        Ok(Some(post)) => post,
        Ok(None) => return,
        Err(error) => {
            warn!(post_id, %error, "failed to read a daily post");
            return;
        }
    };
    let Ok(reactors) = app.store.reveal_reactors(post.id).await else {
        return;
    };
    let schedule_rule = crate::core::hint_reveal::RevealRule {
        reactions_needed: post.reveal_reactions,
        reveal_after: post.reveal_due_at - post.claimed_at,
    };
    let mut state =
        HintReveal::restore(schedule_rule, post.claimed_at, reactors, post.reveal_reason);
    let now = app.clock.now();
    if let RevealDecision::RevealNow(reason) = state.tick(now)
        && let Err(error) = daily::reveal(app, http, &post, reason, now).await
    {
        warn!(post_id = post.id, %error, "failed to reveal a hint");
    }
}
