//! Gateway events: answers in question threads, 💡 reactions, quiz buttons.
//!
//! The bot sees every message and reaction of every server it is in, so each handler
//! first asks the in-memory index whether the event concerns an open question and
//! returns at once when it does not.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use poise::serenity_prelude as serenity;
use tracing::{info, warn};

use super::port::{DiscordHttp, is_member_message, replied_to};
use super::{Error, commands, render};
use crate::active_questions::Offer;
use crate::core::answering;
use crate::core::hint_reveal::enough_reactions;
use crate::daily::{catch_up, reveal};
use crate::state::App;
use crate::storage::NewAnswer;

pub async fn handle(
    framework: poise::FrameworkContext<'_, Arc<App>, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let app = framework.user_data;
    let http = &framework.serenity_context.http;
    match event {
        serenity::FullEvent::Ready { data_about_bot } => {
            on_ready(app.clone(), http, data_about_bot)
        }
        serenity::FullEvent::GuildCreate { guild, .. } => {
            on_guild_create(app, guild.id.get()).await;
        }
        serenity::FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            on_guild_removed(app, incomplete.id.get()).await;
        }
        serenity::FullEvent::Message { new_message } => {
            on_message(app, new_message);
            app.stats.bump(&app.stats.messages_handled);
        }
        serenity::FullEvent::ReactionAdd { add_reaction } => {
            on_reaction(app, http, add_reaction, framework.bot_id(), true).await;
            app.stats.bump(&app.stats.reactions_handled);
        }
        serenity::FullEvent::ReactionRemove { removed_reaction } => {
            on_reaction(app, http, removed_reaction, framework.bot_id(), false).await;
            app.stats.bump(&app.stats.reactions_handled);
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(component),
        } => {
            let ctx = framework.serenity_context;
            if commands::answer::is_answer(&component.data.custom_id) {
                commands::answer::on_component(app, ctx, component).await;
            } else if commands::practice::is_practice_button(&component.data.custom_id) {
                commands::practice::on_component(app, ctx, component).await;
            } else if commands::suggest::is_review(&component.data.custom_id) {
                commands::suggest::on_component(app, ctx, component).await;
            } else if commands::privacy::is_delete_button(&component.data.custom_id) {
                commands::privacy::on_delete_button(app, ctx, component).await;
            } else if commands::engagement::is_stop_reminders(&component.data.custom_id) {
                commands::engagement::on_stop_reminders(app, ctx, component).await;
            } else {
                commands::quiz::on_component(app, ctx, component).await;
            }
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(modal),
        } if commands::suggest::is_review(&modal.data.custom_id) => {
            commands::suggest::on_modal(app, framework.serenity_context, modal).await;
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(modal),
        } if commands::answer::is_answer(&modal.data.custom_id) => {
            commands::answer::on_modal(app, framework.serenity_context, modal).await;
        }
        other => on_gateway(app, framework.serenity_context.shard_id.0, other),
    }
    Ok(())
}

/// A resumed gateway session, for the metrics (new sessions are counted on READY).
fn on_gateway(app: &App, shard: u32, event: &serenity::FullEvent) {
    if let serenity::FullEvent::Resume { .. } = event {
        app.metrics.session_resumed(shard);
    }
}

/// A new gateway session: whatever was posted since the last one was not delivered.
#[tracing::instrument(skip_all, fields(session = %ready.session_id))]
fn on_ready(app: Arc<App>, http: &Arc<serenity::Http>, ready: &serenity::Ready) {
    info!(session = %ready.session_id, guilds = ready.guilds.len(), "gateway session ready");
    let _ = app.bot_user_id.set(ready.user.id.get());
    if ready.guilds.is_empty() && !app.invite_shown.swap(true, Ordering::Relaxed) {
        let invite = crate::core::start_up::invite_url(ready.application.id.get());
        info!("qotd is in no server yet: add it to yours with {invite}");
    }
    let (shard, total) = ready.shard.map_or((0, 1), |info| (info.id.0, info.total));
    app.metrics.session_started(shard);
    let settled = app.guilds.ready(
        shard,
        total,
        ready.guilds.iter().map(|guild| guild.id.get()),
    );
    if settled {
        app.settled.notify_one();
    }
    let discord = DiscordHttp::of(http.clone(), &app);
    tokio::spawn(async move { catch_up::after_ready(&app, &discord).await });
}

/// A server arriving after READY, or one that added the bot. One that added it back
/// keeps its data: its removal is forgotten at once (a removal after it counts its 30
/// days from then); servers arriving with READY are looked at by `daily::retention`.
async fn on_guild_create(app: &App, guild_id: u64) {
    if app.guilds.joined(guild_id) {
        info!(
            guild_id,
            "added to a server; its daily questions (if any) resume"
        );
        if let Err(error) = app.store.server_back(guild_id).await {
            warn!(guild_id, %error, "cannot forget a server's removal; the next hourly pass will");
        }
        app.scheduler.wake();
    }
    if app.guilds.arrived(guild_id) {
        info!("every server of the gateway sessions has arrived");
        app.settled.notify_one();
    }
}

/// Removed from a server (an outage is not a removal): its daily questions wait,
/// and its data is deleted [`crate::core::privacy::SERVER_DATA_KEPT`] later unless the bot is back
/// (`daily::retention`).
async fn on_guild_removed(app: &App, guild_id: u64) {
    if app.guilds.left(guild_id) {
        info!(
            guild_id,
            "removed from a server; its daily questions wait until the bot is back, and its data is deleted in 30 days unless it is"
        );
    }
    if let Err(error) = app.store.server_removed(guild_id, app.clock.now()).await {
        warn!(guild_id, %error, "cannot record a server's removal; its data stays until it is recorded");
    }
}

/// A member posting in a question's thread (or replying to the post) answers it.
/// Every message of every server comes here: its span is at trace level, off unless
/// asked for, so it costs nothing on the hot path.
#[tracing::instrument(level = "trace", skip_all, fields(guild_id = ?message.guild_id, channel_id = %message.channel_id))]
fn on_message(app: &App, message: &serenity::Message) {
    if message.guild_id.is_none() {
        return;
    }
    let seen = answering::Message {
        channel_id: message.channel_id.get(),
        author_id: message.author.id.get(),
        from_member: is_member_message(message),
        reply_to: replied_to(message),
        at: *message.timestamp,
    };
    // A reply held while its post is being sent is recorded once the post is known.
    let Offer::Answers(active) = app.active.offer(&seen) else {
        return;
    };
    if !app.active.first_answer(active.post_id, seen.author_id) {
        return; // several messages count as one answer
    }
    app.answers.push(NewAnswer {
        post_id: active.post_id,
        user_id: seen.author_id,
        at: seen.at,
    });
}

/// 💡 on a daily post counts toward revealing its hint; quiz posts use the same rule.
/// ⭐ in a question's thread may be a vote on a revealed private answer.
#[tracing::instrument(level = "debug", skip_all, fields(guild_id = ?reaction.guild_id, channel_id = %reaction.channel_id))]
async fn on_reaction(
    app: &App,
    http: &Arc<serenity::Http>,
    reaction: &serenity::Reaction,
    bot_id: serenity::UserId,
    added: bool,
) {
    let serenity::ReactionType::Unicode(emoji) = &reaction.emoji else {
        return;
    };
    let Some(user_id) = reaction.user_id else {
        return;
    };
    let is_bot = user_id == bot_id || reaction.member.as_ref().is_some_and(|m| m.user.bot);
    if emoji == render::STAR {
        // Only in the thread of a question still indexed: no database work for the
        // ⭐ of every other message.
        if !is_bot && app.active.by_thread(reaction.channel_id.get()).is_some() {
            let message = reaction.message_id.get();
            commands::answer::on_star(app, message, user_id.get(), added).await;
        }
        return;
    }
    if emoji != render::LIGHTBULB {
        return;
    }
    let Some(active) = app.active.by_message(reaction.message_id.get()) else {
        if added && !is_bot {
            let (channel, message) = (reaction.channel_id, reaction.message_id);
            commands::quiz::on_lightbulb(app, http, channel, message, user_id).await;
        }
        return;
    };
    if is_bot || active.revealed {
        return;
    }
    let (post_id, user) = (active.post_id, user_id.get());
    let result = match added {
        true => app.store.add_reveal_reactor(post_id, user).await,
        false => app.store.remove_reveal_reactor(post_id, user).await,
    };
    let reactors = match result {
        Ok(reactors) => reactors,
        Err(error) => return warn!(post_id, %error, "failed to record a 💡 reaction"),
    };
    // Too few reactors: nothing to reveal (the timeout has its own timer).
    if added && enough_reactions(reactors, active.reveal_reactions) {
        let discord = DiscordHttp::of(http.clone(), app);
        reveal::reveal_if_due(app, &discord, post_id).await;
    }
}
