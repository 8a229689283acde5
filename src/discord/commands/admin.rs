//! `/qotd …`: the admin commands (Manage Server).

use std::collections::HashMap;
use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::input::{
    autocomplete_bank, autocomplete_category, autocomplete_timezone, guild_id, refused,
    reply_ephemeral, require_manage_server, require_text_channel_here, user_error,
};
use crate::core::daily_channel::{self, Fallback, NoChannel};
use crate::core::daily_schedule::{self, PostTime};
use crate::core::question_bank::QuestionBank;
use crate::core::question_stats;
use crate::core::rotation;
use crate::core::schedule_options;
use crate::core::team_name::TeamName;
use crate::daily::port::PostFailure;
use crate::daily::post::{self, PostOutcome};
use crate::discord::port::DiscordHttp;
use crate::discord::{Context, Error, no_pings, render};
use crate::storage::{Schedule, ScheduleSettings, StreakChange, TeamError};

/// Manage the daily question (Manage Server).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "require_manage_server",
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
        "team_remove",
        "streak_set",
        "stats",
        "super::suggest::suggestions",
        "super::engagement::rewards"
    ),
    subcommand_required
)]
pub async fn qotd(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The schedule of `channel` in this server, or a user error.
async fn schedule_here(ctx: Context<'_>, channel: serenity::ChannelId) -> Result<Schedule, Error> {
    let guild = guild_id(ctx)?;
    match ctx.data().store.schedule_in(guild, channel.get()).await? {
        Some(schedule) if !schedule.removed => Ok(schedule),
        _ => user_error!(
            "<#{channel}> has no daily question in this server. Set one up with `/qotd setup`."
        ),
    }
}

/// The options of `/qotd setup` as typed.
struct TypedOptions {
    time: String,
    timezone: String,
    reveal_after: Option<i64>,
    reveal_reactions: Option<i64>,
    category: Option<String>,
    bank: Option<String>,
    answers: Option<AnswersMode>,
}

/// Where members answer (SPEC §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum AnswersMode {
    /// In the question's thread, in public (the default).
    #[name = "thread"]
    Thread,
    /// Privately with the post's Answer button, all shown together at the reveal.
    #[name = "private"]
    Private,
}

/// The settings `/qotd setup` stores: the checked options merged into the channel's
/// current schedule; whether that schedule was active (an update, not a new one); and
/// the bank the channel will use.
async fn settings_for(
    ctx: Context<'_>,
    channel: serenity::ChannelId,
    typed: TypedOptions,
) -> Result<(ScheduleSettings, bool, Arc<QuestionBank>), Error> {
    let post_time: PostTime = typed.time.parse().map_err(refused)?;
    let timezone = daily_schedule::parse_timezone(&typed.timezone).map_err(refused)?;
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let existing = app.store.schedule_in(guild, channel.get()).await?;
    let current = existing.as_ref().map(Schedule::options);
    let chosen =
        schedule_options::bank_choice(&app.library, typed.bank.as_deref()).map_err(refused)?;
    let default = app.library.default_id();
    let bank_id = schedule_options::chosen_bank(&chosen, current.as_ref(), default);
    let Some(bank) = app.bank_for(guild, bank_id.as_deref()).await? else {
        user_error!("<#{channel}>'s question bank is no longer available: choose one with `bank`.");
    };
    let (after, reactions, category) = (typed.reveal_after, typed.reveal_reactions, typed.category);
    let mut requested =
        schedule_options::validate(&bank, chosen, after, reactions, category.as_deref())
            .map_err(refused)?;
    requested.private_answers = typed.answers.map(|mode| mode == AnswersMode::Private);
    let options =
        schedule_options::merge(&bank, default, &requested, current.as_ref()).map_err(refused)?;
    let settings = ScheduleSettings::new(channel.get(), guild, post_time, timezone, options);
    let updated = existing.is_some_and(|s| !s.removed);
    Ok((settings, updated, bank))
}

/// Post a daily question in a channel, or change its schedule.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id(), channel_id = %channel.id))]
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per slash-command option"
)]
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
    #[description = "The question bank to ask from (default: the bank it has, else the default)"]
    #[autocomplete = "autocomplete_bank"]
    bank: Option<String>,
    #[description = "Where members answer: `thread` (in public, the default) or `private` (shown together at the reveal)"]
    answers: Option<AnswersMode>,
) -> Result<(), Error> {
    require_text_channel_here(ctx, &channel)?;
    let typed = TypedOptions {
        time,
        timezone,
        reveal_after,
        reveal_reactions,
        category,
        bank,
        answers,
    };
    save_setup(ctx, channel.id, typed).await
}

/// Stores what `/qotd setup` asked for and says when the channel posts next.
async fn save_setup(
    ctx: Context<'_>,
    channel: serenity::ChannelId,
    typed: TypedOptions,
) -> Result<(), Error> {
    let (settings, updated, bank) = settings_for(ctx, channel, typed).await?;
    let app = ctx.data();
    let now = app.clock.now();
    let schedule = app.store.upsert_schedule(&settings, now).await?;
    app.scheduler.wake();
    reply_ephemeral(ctx, render::setup_reply(&bank, &schedule, updated, now)).await
}

/// Stop a channel's daily question (its history and streaks are kept).
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id(), channel_id = %channel))]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The channel to stop"] channel: serenity::ChannelId,
) -> Result<(), Error> {
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
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id(), channel_id = %channel))]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "The channel to pause"] channel: serenity::ChannelId,
) -> Result<(), Error> {
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
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id(), channel_id = %channel))]
pub async fn resume(
    ctx: Context<'_>,
    #[description = "The channel to resume"] channel: serenity::ChannelId,
) -> Result<(), Error> {
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
    let next = render::next_post_text(&resumed, now);
    reply_ephemeral(ctx, format!("▶️ Resumed <#{channel}>. Next post: {next}.")).await
}

/// Post today's question now, if today has none yet.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id(), channel_id = %channel))]
pub async fn post(
    ctx: Context<'_>,
    #[description = "The channel to post in"] channel: serenity::ChannelId,
) -> Result<(), Error> {
    let schedule = schedule_here(ctx, channel).await?;
    let app = ctx.data();
    let now = app.clock.now();
    let today = daily_schedule::local_date(now, schedule.timezone);
    let link = |message_id| render::message_link(schedule.guild_id, channel.get(), message_id);
    if let Some(existing) = app.store.daily_post_on(channel.get(), today).await?
        && let Some(message_id) = existing.message_id
    {
        user_error!(
            "Today's question (#{}) is already posted: {}",
            existing.seq,
            link(message_id)
        );
    }
    ctx.defer_ephemeral().await?;
    let discord = DiscordHttp::of(ctx.serenity_context().http.clone(), ctx.data());
    let post = match post::post_daily(app, &discord, &schedule, today, now).await {
        Ok(PostOutcome::Posted(post) | PostOutcome::AlreadyPosted(post)) => post,
        // The database's fault, not the admin's: the one error path says so.
        Err(PostFailure::Database(error)) => return Err(error.into()),
        Err(failure) => user_error!("I could not post in <#{channel}>: {failure}."),
    };
    app.scheduler.wake();
    let link = post
        .message_id
        .map_or_else(|| "being sent".to_owned(), link);
    reply_ephemeral(
        ctx,
        format!("📮 Posted question #{} in <#{channel}>: {link}", post.seq),
    )
    .await
}

/// Skip the next question of a channel's rotation.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id(), channel_id = %channel))]
pub async fn skip(
    ctx: Context<'_>,
    #[description = "The channel whose next question to skip"] channel: serenity::ChannelId,
) -> Result<(), Error> {
    let schedule = schedule_here(ctx, channel).await?;
    let app = ctx.data();
    let state = app.store.rotation_state(schedule.channel_id).await?;
    let category = schedule.category.as_deref();
    let bank = app
        .bank_for(schedule.guild_id, schedule.bank.as_deref())
        .await?;
    let pick = bank
        .as_ref()
        .and_then(|bank| rotation::next_in_bank(bank, category, &state, schedule.rotation_seed));
    let (Some(bank), Some(pick)) = (bank, pick) else {
        user_error!("There are no questions to skip for <#{channel}>.");
    };
    app.store
        .record_skip(schedule.channel_id, &pick, app.clock.now())
        .await?;
    let text: String = bank
        .get_str(&pick.question_id)
        .map_or("", |q| q.question.as_str())
        .chars()
        .take(300)
        .collect();
    let id = &pick.question_id;
    reply_ephemeral(ctx, format!("⏭️ Skipped `{id}` for <#{channel}>: “{text}”")).await
}

/// Every daily channel of this server: next post, pass progress, alerts.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn status(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let schedules = app.store.guild_schedules(guild).await?;
    let rotations = app.store.guild_rotation_states(guild).await?;
    let alerts = app.store.alerts_channel(guild).await?;
    let mut banks = HashMap::new();
    for schedule in &schedules {
        if let Some(bank) = app.bank_for(guild, schedule.bank.as_deref()).await? {
            banks.insert(schedule.channel_id, bank);
        }
    }
    let embed = render::status_embed(&banks, &schedules, &rotations, alerts, app.clock.now());
    let reply = poise::CreateReply::default()
        .embed(embed)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// Set the channel the bot reports problems to.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id(), channel_id = %channel.id))]
pub async fn alerts(
    ctx: Context<'_>,
    #[description = "The text channel for alerts"]
    #[channel_types("Text", "News")]
    channel: serenity::GuildChannel,
) -> Result<(), Error> {
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
    TeamName::parse(name).map_err(|e| refused(format!("{e}.")))
}

/// Create a team members can join.
#[poise::command(slash_command, guild_only, rename = "team-add")]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn team_add(
    ctx: Context<'_>,
    #[description = "The team's name (1–32 characters)"] name: String,
) -> Result<(), Error> {
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
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn team_remove(
    ctx: Context<'_>,
    #[description = "The team to delete"]
    #[autocomplete = "super::input::autocomplete_team"]
    name: String,
) -> Result<(), Error> {
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

/// Repair a member's streak in a daily channel (recorded: who, when, old → new)
#[poise::command(slash_command, guild_only, rename = "streak-set")]
pub async fn streak_set(
    ctx: Context<'_>,
    #[description = "The daily channel"] channel: serenity::ChannelId,
    #[description = "The member whose streak to set"] member: serenity::User,
    #[description = "Their current streak from now on"]
    #[min = 0]
    #[max = 100000]
    current: u32,
) -> Result<(), Error> {
    let schedule = schedule_here(ctx, channel).await?;
    let (app, admin) = (ctx.data(), ctx.author().id.get());
    let change = app
        .store
        .set_streak(
            channel.get(),
            member.id.get(),
            current,
            admin,
            app.clock.now(),
        )
        .await?;
    log_streak_repair(&schedule, member.id.get(), admin, &change);
    reply_ephemeral(
        ctx,
        render::streak_repaired(channel.get(), member.id.get(), &change),
    )
    .await
}

/// The operator's record of a streak repair (the database keeps its own row).
fn log_streak_repair(schedule: &Schedule, member: u64, admin: u64, change: &StreakChange) {
    let (old, new) = (change.before, change.after);
    tracing::info!(
        guild_id = schedule.guild_id,
        channel_id = schedule.channel_id,
        member_id = member,
        admin_id = admin,
        old_current = old.current,
        new_current = new.current,
        old_best = old.best,
        new_best = new.best,
        "streak repaired by an admin"
    );
}

/// How each question of a daily channel did: answers, unaided share, hint reveals.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn stats(
    ctx: Context<'_>,
    #[description = "The daily channel (default: this one, else the server's first)"]
    channel: Option<serenity::ChannelId>,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let schedules = app.store.guild_schedules(guild).await?;
    let channel_id = stats_channel(&schedules, channel, ctx.channel_id())?;
    let posts = app.store.post_records(channel_id).await?;
    let stats = question_stats::channel_stats(&posts);
    let reply = poise::CreateReply::default()
        .embed(render::question_stats(channel_id, &stats))
        .ephemeral(true)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// The channel `/qotd stats` reports on: the one asked for (a daily channel of this
/// server), else the channel it runs in if that is one, else the server's first.
fn stats_channel(
    schedules: &[Schedule],
    asked: Option<serenity::ChannelId>,
    here: serenity::ChannelId,
) -> Result<u64, Error> {
    let daily: Vec<u64> = schedules.iter().map(|s| s.channel_id).collect();
    let fallback = Fallback::HereOrFirst(here.get());
    match daily_channel::pick(&daily, asked.map(|c| c.get()), fallback) {
        Ok(Some(channel)) => Ok(channel),
        Err(NoChannel::NotDaily(channel)) => user_error!(
            "<#{channel}> has no daily question in this server. Leave `channel` empty for this one."
        ),
        Ok(None) | Err(NoChannel::NoneYet) => {
            user_error!("This server has no daily question yet. Start one with `/qotd setup`.")
        }
    }
}
