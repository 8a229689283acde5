//! `/streak`, `/leaderboard`, `/team`: for everyone.

use poise::serenity_prelude as serenity;

use super::input::{autocomplete_team, guild_id, refused, reply_ephemeral, user_error};
use crate::core::team_name::TeamName;
use crate::discord::{Context, Error, no_pings, render};
use crate::storage::TeamError;

const TOP: u32 = 10;

/// Your streaks (or a member's) in every daily channel of this server.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn streak(
    ctx: Context<'_>,
    #[description = "Whose streaks to show (default: yours)"] member: Option<serenity::User>,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let user = member.unwrap_or_else(|| ctx.author().clone());
    if user.bot {
        user_error!("Bots do not answer questions, so they have no streaks.");
    }
    let app = ctx.data();
    let streaks = app.store.member_streaks(guild, user.id.get()).await?;
    if streaks.is_empty() {
        user_error!(
            "This server has no daily question yet. An admin can start one with `/qotd setup`."
        );
    }
    let schedules = app.store.guild_schedules(guild).await?;
    let name = user.display_name();
    let embed = render::streak_embed(name, &streaks, &schedules, app.clock.now());
    let reply = poise::CreateReply::default()
        .embed(embed)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum Scope {
    #[name = "members"]
    Members,
    #[name = "teams"]
    Teams,
}

/// The top 10 by current streak (ties: best streak, then total answers).
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "Rank members (default) or teams"] scope: Option<Scope>,
    #[description = "One daily channel (default: the whole server)"] channel: Option<
        serenity::ChannelId,
    >,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let channel_id = match channel {
        Some(channel) => match app.store.schedule(channel.get()).await? {
            Some(schedule) if schedule.guild_id == guild => Some(channel.get()),
            _ => user_error!(
                "<#{channel}> has no daily question in this server. Leave `channel` empty for the whole server."
            ),
        },
        None => None,
    };
    let caller = ctx.author().id.get();
    let embed = match scope.unwrap_or(Scope::Members) {
        Scope::Members => {
            let page = app
                .store
                .member_leaderboard(guild, channel_id, caller, TOP)
                .await?;
            render::member_leaderboard(&page, channel_id)
        }
        Scope::Teams => {
            let teams = app.store.team_leaderboard(guild, channel_id).await?;
            render::team_leaderboard(&teams, TOP as usize, channel_id)
        }
    };
    let reply = poise::CreateReply::default()
        .embed(embed)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// Join or leave a team.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("join", "leave"),
    subcommand_required
)]
pub async fn team(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Join a team (you leave any other team).
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn join(
    ctx: Context<'_>,
    #[description = "The team to join"]
    #[autocomplete = "autocomplete_team"]
    name: String,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let name = TeamName::parse(&name).map_err(|e| refused(format!("{e}.")))?;
    let app = ctx.data();
    let user = ctx.author().id.get();
    let previous = app.store.member_team(guild, user).await?;
    match app
        .store
        .join_team(guild, user, &name, app.clock.now())
        .await
    {
        Ok(team) => {
            let left = previous
                .filter(|p| p.id != team.id)
                .map(|p| format!(" (you left **{}**)", p.name))
                .unwrap_or_default();
            reply_ephemeral(ctx, format!("👥 You are in team **{}**{left}.", team.name)).await
        }
        Err(TeamError::NotFound(name)) => {
            user_error!(
                "There is no team named **{name}**. Pick one from the list, or ask an admin to create it."
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// Leave your team.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn leave(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    match ctx
        .data()
        .store
        .leave_team(guild, ctx.author().id.get())
        .await?
    {
        Some(team) => reply_ephemeral(ctx, format!("👋 You left team **{}**.", team.name)).await,
        None => user_error!("You are not in a team. Join one with `/team join`."),
    }
}
