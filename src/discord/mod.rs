//! Thin glue between Discord (serenity + poise) and the daily workflow, core rules and
//! storage: event handlers, slash commands, rendering, and the daily workflow's port.

pub mod commands;
pub mod events;
pub mod port;
pub mod render;

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use crate::state::App;

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Arc<App>, Error>;

/// The gateway intents the bot needs: none of them privileged.
pub fn intents() -> serenity::GatewayIntents {
    serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::GUILD_MESSAGE_REACTIONS
}

/// Nothing the bot sends may ping anyone but the users it names.
pub fn no_pings() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
}
