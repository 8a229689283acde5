//! `/streak`, `/leaderboard`, `/team`: for everyone.

use poise::serenity_prelude as serenity;

use super::input::{autocomplete_team, guild_id, refused, reply_ephemeral, user_error};
use chrono::{DateTime, Utc};

use crate::core::calendar::{self, Calendar};
use crate::core::daily_channel::{self, Fallback, NoChannel};
use crate::core::seasons::Season;
use crate::core::team_name::TeamName;
use crate::discord::{Context, Error, no_pings, render};
use crate::picture;
use crate::state::App;
use crate::storage::{Schedule, StorageError, TeamError};

const TOP: u32 = 10;

/// Your streaks (or a member's) in every daily channel of this server, with a calendar.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn streak(
    ctx: Context<'_>,
    #[description = "Whose streaks to show (default: yours)"] member: Option<serenity::User>,
    #[description = "The daily channel of the calendar (default: the server's first)"]
    channel: Option<serenity::ChannelId>,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let user = member.unwrap_or_else(|| ctx.author().clone());
    if user.bot {
        user_error!("Bots do not answer questions, so they have no streaks.");
    }
    let app = ctx.data();
    let streaks = app.store.member_streaks(guild, user.id.get()).await?;
    let schedules = app.store.guild_schedules(guild).await?;
    let shown = calendar_channel(&schedules, channel)?;
    let (name, now) = (user.display_name(), app.clock.now());
    let calendar = streak_calendar(app, shown, user.id.get(), now).await?;
    let stars = app.store.stars_received(guild, user.id.get()).await?;
    let png = picture::streak_calendar_png(&calendar, &format!("{name} · last 26 weeks"));
    let embed = render::streak_embed(name, &streaks, &schedules, now)
        .field(
            format!("{} Stars received", render::STAR),
            render::stars_received(stars),
            true,
        )
        .field(
            "Calendar",
            render::calendar_summary(shown.channel_id, &calendar),
            false,
        )
        .image(format!("attachment://{CALENDAR_FILE}"));
    let reply = poise::CreateReply::default()
        .embed(embed)
        .attachment(serenity::CreateAttachment::bytes(png, CALENDAR_FILE))
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

const CALENDAR_FILE: &str = "streak-calendar.png";

/// The daily channel whose calendar `/streak` draws: the one asked for, if it is one
/// of the server's, else (none asked) the server's first.
fn calendar_channel(
    schedules: &[Schedule],
    asked: Option<serenity::ChannelId>,
) -> Result<&Schedule, Error> {
    let daily: Vec<u64> = schedules.iter().map(|s| s.channel_id).collect();
    let picked = daily_channel::pick(&daily, asked.map(|c| c.get()), Fallback::First);
    match picked.map(|id| schedules.iter().find(|s| Some(s.channel_id) == id)) {
        Ok(Some(schedule)) => Ok(schedule),
        Err(NoChannel::NotDaily(channel)) => user_error!(
            "<#{channel}> has no daily question in this server. Leave `channel` empty for the server's first."
        ),
        Ok(None) | Err(NoChannel::NoneYet) => user_error!(
            "This server has no daily question yet. An admin can start one with `/qotd setup`."
        ),
    }
}

/// A member's last 26 weeks in a daily channel, in the channel's own days.
async fn streak_calendar(
    app: &App,
    schedule: &Schedule,
    user: u64,
    now: DateTime<Utc>,
) -> Result<Calendar, StorageError> {
    let today = now.with_timezone(&schedule.timezone).date_naive();
    let since = calendar::window_start(today);
    let history = app
        .store
        .calendar_history(schedule.channel_id, user, since)
        .await?;
    Ok(calendar::calendar(
        today,
        &history.posts,
        &history.frozen,
        history.latest_seq,
    ))
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum Scope {
    #[name = "members"]
    Members,
    #[name = "teams"]
    Teams,
    /// This calendar month (SPEC §14).
    #[name = "season"]
    Season,
}

/// The top 10 by current streak (ties: best streak, then total answers), or this
/// month's by answers.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "Rank members (default), teams, or this month's season"] scope: Option<Scope>,
    #[description = "One daily channel (default: the whole server)"] channel: Option<
        serenity::ChannelId,
    >,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let channel_id = leaderboard_channel(app, guild, channel).await?;
    let caller = ctx.author().id.get();
    let hidden = app.store.is_hidden(guild, caller).await?;
    let embed = match scope.unwrap_or(Scope::Members) {
        Scope::Members => {
            let page = app
                .store
                .member_leaderboard(guild, channel_id, caller, TOP)
                .await?;
            render::member_leaderboard(&page, channel_id, hidden)
        }
        Scope::Teams => {
            let teams = app.store.team_leaderboard(guild, channel_id).await?;
            render::team_leaderboard(&teams, TOP as usize, channel_id)
        }
        Scope::Season => season_leaderboard(app, guild, (caller, hidden)).await?,
    };
    let reply = poise::CreateReply::default()
        .embed(embed)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// The daily channel a leaderboard is for (`None`: the whole server).
async fn leaderboard_channel(
    app: &App,
    guild: u64,
    channel: Option<serenity::ChannelId>,
) -> Result<Option<u64>, Error> {
    let Some(channel) = channel else {
        return Ok(None);
    };
    match app.store.schedule_in(guild, channel.get()).await? {
        Some(_) => Ok(Some(channel.get())),
        None => user_error!(
            "<#{channel}> has no daily question in this server. Leave `channel` empty for the whole server."
        ),
    }
}

/// This month's season ranking of the server (its zone: its first daily channel's).
async fn season_leaderboard(
    app: &App,
    guild: u64,
    caller: (u64, bool),
) -> Result<serenity::CreateEmbed, Error> {
    let schedules = app.store.guild_schedules(guild).await?;
    let Some(zone) = crate::engagement::seasons::zone_of(&schedules, guild) else {
        user_error!("This server has no daily question yet, so no season either.");
    };
    let season = Season::at(app.clock.now(), zone);
    let ranked = crate::engagement::seasons::ranked_season(app, guild, &season).await?;
    Ok(render::season_leaderboard(
        &season,
        &ranked,
        TOP as usize,
        caller,
    ))
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
