//! Slash commands (README, "Slash commands"). Each command reads its arguments, calls
//! core or storage, and renders; every bad input becomes a [`UserError`] with an
//! ephemeral reply.

pub mod admin;
pub mod answer;
pub mod engagement;
pub mod input;
pub mod member;
pub mod practice;
pub mod privacy;
pub mod quiz;
pub mod suggest;

use std::sync::Arc;

use tracing::{error, warn};

use super::Error;
use crate::state::App;
use input::{UserError, reply_ephemeral};

/// Every command, as registered.
pub fn all() -> Vec<poise::Command<Arc<App>, Error>> {
    vec![
        admin::qotd(),
        quiz::quiz(),
        member::streak(),
        member::leaderboard(),
        member::team(),
        engagement::remind(),
        practice::practice(),
        privacy::privacy(),
        suggest::suggest(),
    ]
}

/// The one error path: user errors get their message, anything else a generic reply
/// and a full log entry naming the command.
pub async fn on_error(error: poise::FrameworkError<'_, Arc<App>, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            let command = ctx.command().qualified_name.to_string();
            if let Some(user_error) = error.downcast_ref::<UserError>() {
                refuse(ctx, user_error).await;
            } else if let Some(fault) = database_fault(&error) {
                error!(command, guild_id = ctx.guild_id().map(|g| g.get()), %fault, error = %error, "command failed: the database cannot be written");
                let can_not = if fault.blocks_reads() {
                    "read or save"
                } else {
                    "save"
                };
                let _ = reply_ephemeral(ctx, format!("⚠️ I can't {can_not} anything right now: {fault}. Nothing was changed; please try again later. The bot's operator has the details in the log.")).await;
            } else {
                // The cause chain, not `Debug`: with RUST_BACKTRACE set that prints a
                // backtrace, and resolving its symbols blocks the runtime for seconds.
                error!(command, guild_id = ctx.guild_id().map(|g| g.get()), error = %format_args!("{error:#}"), "command failed");
                let _ = reply_ephemeral(ctx, "Something went wrong on my side; nothing was changed. The bot's operator can see the details in the log.").await;
            }
        }
        poise::FrameworkError::CommandCheckFailed {
            error: Some(error),
            ctx,
            ..
        } if error.is::<UserError>() => refuse(ctx, &error).await,
        poise::FrameworkError::ArgumentParse {
            error, input, ctx, ..
        } => {
            let command = ctx.command().qualified_name.to_string();
            warn!(command, ?input, %error, "could not read a command option");
            let what = match input {
                Some(input) => format!("`{}`", input.chars().take(100).collect::<String>()),
                None => "an option".to_owned(),
            };
            let _ = reply_ephemeral(
                ctx,
                format!("⚠️ I could not use {what}: {error}. Check the option and try again."),
            )
            .await;
        }
        poise::FrameworkError::GuildOnly { ctx, .. } => {
            let _ = reply_ephemeral(
                ctx,
                "⚠️ This command works in a server, not in direct messages.",
            )
            .await;
        }
        poise::FrameworkError::CooldownHit {
            ctx,
            remaining_cooldown,
            ..
        } => {
            let _ = reply_ephemeral(
                ctx,
                format!(
                    "⏳ Slow down: try again in {} s.",
                    remaining_cooldown.as_secs().max(1)
                ),
            )
            .await;
        }
        other => {
            // Every other failure that has an invocation gets a generic reply, so the
            // member never sees "The application did not respond".
            match other.ctx() {
                Some(ctx) => {
                    let command = ctx.command().qualified_name.to_string();
                    error!(command, error = %other, "command failed in the framework");
                    let _ = reply_ephemeral(ctx, "Something went wrong on my side; nothing was changed. Try again in a moment.").await;
                }
                None => error!(error = %other, "framework error"),
            }
        }
    }
}

/// Answers a refused command (a [`UserError`], from the command or its check) with
/// its message, and logs it.
async fn refuse(
    ctx: poise::Context<'_, Arc<App>, Error>,
    problem: &(dyn std::fmt::Display + Sync),
) {
    let command = ctx.command().qualified_name.to_string();
    warn!(command, guild_id = ctx.guild_id().map(|g| g.get()), problem = %problem, "refused a command");
    let _ = reply_ephemeral(ctx, format!("⚠️ {problem}")).await;
}

/// The database fault behind a command's error, if there is one.
fn database_fault(error: &Error) -> Option<crate::storage::DatabaseFault> {
    error.chain().find_map(crate::storage::fault_of)
}
