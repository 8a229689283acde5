//! `/remind` (for everyone), `/qotd rewards` (admins), and the **Stop reminders**
//! button of a reminder (SPEC §14).

use poise::serenity_prelude as serenity;
use tracing::{info, warn};

use super::input::{ephemeral_response, guild_id, reply_ephemeral, user_error};
use crate::core::reminders::{DEFAULT_REMINDER_HOURS, REMINDER_HOURS};
use crate::core::rewards::RoleReward;
use crate::discord::{Context, Error, no_pings, render};
use crate::state::App;

/// Direct-message reminders before your streak breaks.
#[poise::command(slash_command, guild_only, subcommands("remind_on", "remind_off"))]
pub async fn remind(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// A direct message when a question you have a streak in is still unanswered.
#[poise::command(slash_command, guild_only, rename = "on")]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn remind_on(
    ctx: Context<'_>,
    #[description = "How many hours before the next question (1–23, default 3)"]
    #[min = 1]
    #[max = 23]
    hours_before: Option<u32>,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let hours = hours_before.unwrap_or(DEFAULT_REMINDER_HOURS);
    if !REMINDER_HOURS.contains(&hours) {
        user_error!("`hours_before` is 1 to 23 hours before the next question.");
    }
    let app = ctx.data();
    app.store
        .set_reminder(guild, ctx.author().id.get(), Some(hours))
        .await?;
    app.engagement.notify_one();
    reply_ephemeral(ctx, format!(
        "⏰ Reminders on: when a question you have a streak in is still unanswered {hours} hour{} before the next one, I send you a direct message (at most one a day). `/remind off` or the message's button stops them. Discord only lets me message you if this server allows direct messages from its members.",
        if hours == 1 { "" } else { "s" }
    ))
    .await
}

/// Stop the reminders in this server.
#[poise::command(slash_command, guild_only, rename = "off")]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn remind_off(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let was_on = ctx
        .data()
        .store
        .set_reminder(guild, ctx.author().id.get(), None)
        .await?;
    reply_ephemeral(
        ctx,
        match was_on {
            true => "🔕 Reminders off. `/remind on` starts them again.",
            false => "Your reminders were already off. `/remind on` starts them.",
        },
    )
    .await
}

/// Whether a button is a reminder's **Stop reminders**.
pub fn is_stop_reminders(custom_id: &str) -> bool {
    render::remind_stop_of(custom_id).is_some()
}

/// **Stop reminders** (in a direct message): the member's reminders of that server
/// go off.
pub async fn on_stop_reminders(
    app: &App,
    ctx: &serenity::Context,
    component: &serenity::ComponentInteraction,
) {
    let Some(guild_id) = render::remind_stop_of(&component.data.custom_id) else {
        return;
    };
    let user_id = component.user.id.get();
    let text = match app.store.set_reminder(guild_id, user_id, None).await {
        Ok(_) => {
            info!(guild_id, user_id, "a member stopped their reminders");
            "🔕 Reminders off. `/remind on` in the server starts them again.".to_owned()
        }
        Err(error) => {
            warn!(guild_id, %error, "failed to stop a member's reminders");
            "⚠️ I could not stop your reminders just now; please try again, or use `/remind off` in the server.".to_owned()
        }
    };
    if let Err(error) = component
        .create_response(&ctx.http, ephemeral_response(text))
        .await
    {
        warn!(%error, "failed to answer the Stop reminders button");
    }
}

/// Roles for streaks and for the season's champion (Manage Server).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("rewards_add", "rewards_remove", "rewards_list", "rewards_champion"),
    subcommand_required
)]
pub async fn rewards(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Give a role to members whose best streak reaches a number of days.
#[poise::command(slash_command, guild_only, rename = "add")]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn rewards_add(
    ctx: Context<'_>,
    #[description = "The best streak that earns the role (1–3650)"]
    #[min = 1]
    #[max = 3650]
    streak: u32,
    #[description = "The role to give"] role: serenity::Role,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let role_id = givable_role(ctx, &role)?;
    if !(1..=3650).contains(&streak) {
        user_error!("`streak` is 1 to 3650 days.");
    }
    let app = ctx.data();
    app.store
        .set_role_reward(guild, RoleReward { streak, role_id })
        .await?;
    app.engagement.notify_one();
    reply_ephemeral(ctx, format!(
        "🏅 Members whose best streak in a daily channel reaches **{streak}** get <@&{role_id}> (once; they keep it when the streak breaks). Members already there get it now. I need **Manage Roles** and my role above it."
    ))
    .await
}

/// Stop giving a reward role (members who have it keep it).
#[poise::command(slash_command, guild_only, rename = "remove")]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn rewards_remove(
    ctx: Context<'_>,
    #[description = "The reward role"] role: serenity::Role,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let removed = ctx
        .data()
        .store
        .remove_role_reward(guild, role.id.get())
        .await?;
    if !removed {
        user_error!(
            "<@&{}> is not a reward role here: `/qotd rewards list` shows them.",
            role.id
        );
    }
    reply_ephemeral(
        ctx,
        format!(
            "Removed: <@&{}> is no longer given for a streak. Members who have it keep it.",
            role.id
        ),
    )
    .await
}

/// The reward roles and the champion role.
#[poise::command(slash_command, guild_only, rename = "list")]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn rewards_list(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let store = &ctx.data().store;
    let rewards = store.role_rewards(guild).await?;
    let text = render::rewards_list(&rewards, store.champion_role(guild).await?);
    ctx.send(
        poise::CreateReply::default()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

/// The role the month's champion holds (empty: none).
#[poise::command(slash_command, guild_only, rename = "champion")]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn rewards_champion(
    ctx: Context<'_>,
    #[description = "The champion role (leave empty for none)"] role: Option<serenity::Role>,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let role_id = role.as_ref().map(|r| givable_role(ctx, r)).transpose()?;
    ctx.data().store.set_champion_role(guild, role_id).await?;
    reply_ephemeral(
        ctx,
        match role_id {
            Some(id) => format!(
                "🏆 When a month ends, its champion gets <@&{id}> and last month's champion loses it."
            ),
            None => "No champion role: the month's standings are still posted.".to_owned(),
        },
    )
    .await
}

/// A role the bot may be asked to give: not `@everyone`, not a bot's own role.
fn givable_role(ctx: Context<'_>, role: &serenity::Role) -> Result<u64, Error> {
    if Some(role.id.get()) == ctx.guild_id().map(|g| g.get()) {
        user_error!("`@everyone` cannot be given: pick another role.");
    }
    if role.managed {
        user_error!(
            "<@&{}> is managed by an integration: pick another role.",
            role.id
        );
    }
    Ok(role.id.get())
}
