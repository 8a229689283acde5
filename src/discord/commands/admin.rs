//! `/qotd …`: the admin commands (Manage Server).

use poise::serenity_prelude as serenity;

use super::{
    autocomplete_category, autocomplete_timezone, guild_id, parse_category, reply_ephemeral,
    require_manage_guild, require_text_channel_here, user_error,
};
use crate::core::daily_schedule::{self, PostTime};
use crate::core::hint_reveal::{
    DEFAULT_REVEAL_AFTER_MINUTES, DEFAULT_REVEAL_REACTIONS, REVEAL_AFTER_MINUTES_RANGE,
    REVEAL_REACTIONS_RANGE,
};
use crate::core::rotation;
use crate::core::team_name::TeamName;
use crate::discord::daily::{self, PostOutcome};
use crate::discord::{Context, Error, render};
use crate::storage::{Schedule, ScheduleSettings, TeamError};

/// Manage the daily question (Manage Server).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "setup",
        "remove",
        "pause",
        "resume",
        "post",
        "skip",
        "status",
        "alerts",
        "team_add",
        "team_remove"
    ),
    subcommand_required
)]
pub async fn qotd(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

fn message_link(guild_id: u64, channel_id: u64, message_id: u64) -> String {
    format!("https://discord.com/channels/{guild_id}/{channel_id}/{message_id}")
}

/// The schedule of `channel` in this server, or a user error.
async fn schedule_here(ctx: Context<'_>, channel: serenity::ChannelId) -> Result<Schedule, Error> {
    let guild = guild_id(ctx)?;
    match ctx.data().store.schedule(channel.get()).await? {
        Some(schedule) if schedule.guild_id == guild && !schedule.removed => Ok(schedule),
        _ => user_error!(
            "<#{channel}> has no daily question in this server. Set one up with `/qotd setup`."
        ),
    }
}

fn next_post_text(schedule: &Schedule, now: chrono::DateTime<chrono::Utc>) -> String {
    match schedule.upcoming_post(now) {
        Some((_, at)) if at <= now => "due now".to_owned(),
        Some((_, at)) => format!(
            "{} ({})",
            render::timestamp(at, 'F'),
            render::timestamp(at, 'R')
        ),
        None => "paused".to_owned(),
    }
}

/// Post a daily question in a channel, or change its schedule.
#[poise::command(slash_command, guild_only)]
pub async fn setup(
    ctx: Context<'_>,
    #[description = "The text channel to post in"]
    #[channel_types("Text", "News")]
    channel: serenity::GuildChannel,
    #[description = "Local time to post, 24-hour HH:MM (e.g. 09:00)"] time: String,
    #[description = "IANA timezone, e.g. Europe/Berlin"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: String,
    #[description = "Minutes until the hint is revealed (1–1440, default 240)"]
    #[min = 1]
    #[max = 1440]
    reveal_after: Option<i64>,
    #[description = "💡 reactions from members that reveal the hint (1–25, default 1)"]
    #[min = 1]
    #[max = 25]
    reveal_reactions: Option<i64>,
    #[description = "Only ask questions of this category (`all` for the whole bank)"]
    #[autocomplete = "autocomplete_category"]
    category: Option<String>,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    require_text_channel_here(ctx, &channel)?;
    let guild = guild_id(ctx)?;
    let post_time: PostTime = time
        .parse()
        .map_err(|e: daily_schedule::InvalidPostTime| super::UserError(e.to_string()))?;
    let zone =
        daily_schedule::parse_timezone(&timezone).map_err(|e| super::UserError(e.to_string()))?;
    let in_range = |value: Option<i64>,
                    range: std::ops::RangeInclusive<u32>,
                    what: &str|
     -> Result<Option<u32>, Error> {
        match value {
            None => Ok(None),
            Some(v) if u32::try_from(v).is_ok_and(|v| range.contains(&v)) => Ok(Some(v as u32)),
            Some(v) => user_error!(
                "`{what}` must be between {} and {}, not {v}.",
                range.start(),
                range.end()
            ),
        }
    };
    let reveal_after = in_range(reveal_after, REVEAL_AFTER_MINUTES_RANGE, "reveal_after")?;
    let reveal_reactions = in_range(reveal_reactions, REVEAL_REACTIONS_RANGE, "reveal_reactions")?;
    let clear_category = category
        .as_deref()
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("all"));
    let category = if clear_category {
        None
    } else {
        parse_category(ctx, category.clone())?
    };

    let app = ctx.data();
    let existing = app
        .store
        .schedule(channel.id.get())
        .await?
        .filter(|s| s.guild_id == guild);
    let settings = ScheduleSettings {
        channel_id: channel.id.get(),
        guild_id: guild,
        post_time,
        timezone: zone,
        reveal_after_minutes: reveal_after
            .or(existing.as_ref().map(|s| s.reveal_after_minutes))
            .unwrap_or(DEFAULT_REVEAL_AFTER_MINUTES),
        reveal_reactions: reveal_reactions
            .or(existing.as_ref().map(|s| s.reveal_reactions))
            .unwrap_or(DEFAULT_REVEAL_REACTIONS),
        category: if clear_category || category.is_some() {
            category
        } else {
            existing.as_ref().and_then(|s| s.category.clone())
        },
    };
    if app
        .bank
        .in_category(settings.category.as_deref())
        .next()
        .is_none()
    {
        user_error!("That category has no questions in the bank. Pick another category.");
    }
    let now = app.clock.now();
    let schedule = app.store.upsert_schedule(&settings, now).await?;
    app.scheduler.wake();
    let verb = if existing.is_some_and(|s| !s.removed) {
        "Updated"
    } else {
        "Scheduled"
    };
    let reveal = format!(
        "hint after {} {LB} or {} min",
        schedule.reveal_reactions,
        schedule.reveal_after_minutes,
        LB = render::LIGHTBULB
    );
    let scope = schedule
        .category
        .as_deref()
        .and_then(|c| app.bank.category(c))
        .map_or("all categories".to_owned(), |c| {
            format!("category {}", c.name)
        });
    reply_ephemeral(
        ctx,
        format!(
            "✅ {verb}: <#{}> gets a question every day at **{} {}** ({scope}; {reveal}). Next post: {}.",
            schedule.channel_id,
            schedule.post_time,
            schedule.timezone.name(),
            next_post_text(&schedule, now)
        ),
    )
    .await
}

/// Stop a channel's daily question (its history and streaks are kept).
#[poise::command(slash_command, guild_only)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The channel to stop"] channel: serenity::ChannelId,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    let schedule = schedule_here(ctx, channel).await?;
    let app = ctx.data();
    app.store
        .remove_schedule(schedule.channel_id, app.clock.now())
        .await?;
    app.scheduler.wake();
    reply_ephemeral(
        ctx,
        format!("🛑 <#{channel}> no longer gets a daily question. Its history is kept; `/qotd setup` starts it again."),
    )
    .await
}

/// Pause a channel's daily question (streaks are kept).
#[poise::command(slash_command, guild_only)]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "The channel to pause"] channel: serenity::ChannelId,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    let schedule = schedule_here(ctx, channel).await?;
    if schedule.paused {
        user_error!("<#{channel}> is already paused. Use `/qotd resume` to start it again.");
    }
    let app = ctx.data();
    app.store
        .set_paused(schedule.channel_id, true, app.clock.now())
        .await?;
    app.scheduler.wake();
    reply_ephemeral(
        ctx,
        format!("⏸️ Paused <#{channel}>. Paused days break no streak."),
    )
    .await
}

/// Resume a paused channel.
#[poise::command(slash_command, guild_only)]
pub async fn resume(
    ctx: Context<'_>,
    #[description = "The channel to resume"] channel: serenity::ChannelId,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    let schedule = schedule_here(ctx, channel).await?;
    if !schedule.paused {
        user_error!("<#{channel}> is not paused.");
    }
    let app = ctx.data();
    let now = app.clock.now();
    app.store
        .set_paused(schedule.channel_id, false, now)
        .await?;
    app.scheduler.wake();
    let resumed = schedule_here(ctx, channel).await?;
    reply_ephemeral(
        ctx,
        format!(
            "▶️ Resumed <#{channel}>. Next post: {}.",
            next_post_text(&resumed, now)
        ),
    )
    .await
}

/// Post today's question now, if today has none yet.
#[poise::command(slash_command, guild_only)]
pub async fn post(
    ctx: Context<'_>,
    #[description = "The channel to post in"] channel: serenity::ChannelId,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    let schedule = schedule_here(ctx, channel).await?;
    let app = ctx.data();
    let now = app.clock.now();
    let today = daily_schedule::local_date(now, schedule.timezone);
    if let Some(existing) = app.store.daily_post_on(schedule.channel_id, today).await?
        && let Some(message_id) = existing.message_id
    {
        user_error!(
            "Today's question (#{}) is already posted: {}",
            existing.seq,
            message_link(schedule.guild_id, schedule.channel_id, message_id)
        );
    }
    ctx.defer_ephemeral().await?;
    let http = ctx.serenity_context().http.clone();
    match daily::post_daily(app, &http, &schedule, today, now).await {
        Ok(PostOutcome::Posted(post) | PostOutcome::AlreadyPosted(post)) => {
            app.scheduler.wake();
            let link = post
                .message_id
                .map(|m| message_link(schedule.guild_id, schedule.channel_id, m))
                .unwrap_or_else(|| "being sent".to_owned());
            reply_ephemeral(
                ctx,
                format!("📮 Posted question #{} in <#{channel}>: {link}", post.seq),
            )
            .await
        }
        Err(failure) => user_error!("I could not post in <#{channel}>: {failure}."),
    }
}

/// Skip the next question of a channel's rotation.
#[poise::command(slash_command, guild_only)]
pub async fn skip(
    ctx: Context<'_>,
    #[description = "The channel whose next question to skip"] channel: serenity::ChannelId,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    let schedule = schedule_here(ctx, channel).await?;
    let app = ctx.data();
    let state = app.store.rotation_state(schedule.channel_id).await?;
    let eligible = app
        .bank
        .in_category(schedule.category.as_deref())
        .map(|q| q.id.as_str());
    let Some(pick) = rotation::next_question(eligible, &state, schedule.rotation_seed) else {
        user_error!("There are no questions to skip for <#{channel}>.");
    };
    app.store
        .record_skip(schedule.channel_id, &pick, app.clock.now())
        .await?;
    let text = app
        .bank
        .get_str(&pick.question_id)
        .map_or("", |q| q.question.as_str());
    reply_ephemeral(
        ctx,
        format!(
            "⏭️ Skipped `{}` for <#{channel}>: “{text}”",
            pick.question_id
        ),
    )
    .await
}

/// Every daily channel of this server: next post, pass progress, alerts.
#[poise::command(slash_command, guild_only)]
pub async fn status(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let now = app.clock.now();
    let schedules = app.store.guild_schedules(guild).await?;
    let mut lines = Vec::new();
    for schedule in &schedules {
        let eligible: Vec<&str> = app
            .bank
            .in_category(schedule.category.as_deref())
            .map(|q| q.id.as_str())
            .collect();
        let asked = app
            .store
            .rotation_state(schedule.channel_id)
            .await?
            .asked_in_pass;
        let left = eligible.iter().filter(|id| !asked.contains(**id)).count();
        let mut line = format!(
            "<#{}> · **{} {}** · next {} · {left}/{} questions left in this pass",
            schedule.channel_id,
            schedule.post_time,
            schedule.timezone.name(),
            next_post_text(schedule, now),
            eligible.len()
        );
        if schedule.paused {
            line.push_str(" · ⏸️ paused");
        }
        if let Some(alert) = &schedule.alert {
            line.push_str(&format!("\n  ⚠️ {alert}"));
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push("No daily question yet. Start one with `/qotd setup`.".to_owned());
    }
    let alerts = match app.store.alerts_channel(guild).await? {
        Some(channel) => format!("Alerts go to <#{channel}>."),
        None => "No alerts channel: set one with `/qotd alerts`.".to_owned(),
    };
    let mut description = lines.join("\n");
    if description.chars().count() > 3800 {
        description = description.chars().take(3800).collect::<String>() + "\n…";
    }
    let embed = serenity::CreateEmbed::new()
        .title("Daily questions in this server")
        .description(description)
        .footer(serenity::CreateEmbedFooter::new(alerts));
    ctx.send(
        poise::CreateReply::default()
            .embed(embed)
            .ephemeral(true)
            .allowed_mentions(crate::discord::no_pings()),
    )
    .await?;
    Ok(())
}

/// Set the channel the bot reports problems to.
#[poise::command(slash_command, guild_only)]
pub async fn alerts(
    ctx: Context<'_>,
    #[description = "The text channel for alerts"]
    #[channel_types("Text", "News")]
    channel: serenity::GuildChannel,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    require_text_channel_here(ctx, &channel)?;
    let guild = guild_id(ctx)?;
    ctx.data()
        .store
        .set_alerts_channel(guild, Some(channel.id.get()))
        .await?;
    reply_ephemeral(
        ctx,
        format!("🔔 I will report problems in <#{}>.", channel.id),
    )
    .await
}

fn team_name(name: &str) -> Result<TeamName, Error> {
    TeamName::parse(name).map_err(|e| super::UserError(format!("{e}.")).into())
}

/// Create a team members can join.
#[poise::command(slash_command, guild_only, rename = "team-add")]
pub async fn team_add(
    ctx: Context<'_>,
    #[description = "The team's name (1–32 characters)"] name: String,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    let guild = guild_id(ctx)?;
    let name = team_name(&name)?;
    let app = ctx.data();
    match app.store.create_team(guild, &name, app.clock.now()).await {
        Ok(team) => {
            reply_ephemeral(
                ctx,
                format!(
                    "👥 Created team **{}**. Members join with `/team join`.",
                    team.name
                ),
            )
            .await
        }
        Err(TeamError::AlreadyExists(name)) => {
            user_error!("A team named **{name}** already exists.")
        }
        Err(other) => Err(other.into()),
    }
}

/// Delete a team (its members become teamless; streaks are kept).
#[poise::command(slash_command, guild_only, rename = "team-remove")]
pub async fn team_remove(
    ctx: Context<'_>,
    #[description = "The team to delete"]
    #[autocomplete = "super::autocomplete_team"]
    name: String,
) -> Result<(), Error> {
    require_manage_guild(ctx)?;
    let guild = guild_id(ctx)?;
    let name = team_name(&name)?;
    match ctx.data().store.delete_team(guild, &name).await {
        Ok(team) => {
            reply_ephemeral(
                ctx,
                format!(
                    "🗑️ Deleted team **{}** ({} members).",
                    team.name, team.member_count
                ),
            )
            .await
        }
        Err(TeamError::NotFound(name)) => user_error!("There is no team named **{name}**."),
        Err(other) => Err(other.into()),
    }
}
