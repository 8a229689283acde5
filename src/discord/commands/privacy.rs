//! `/privacy export|delete|hide|show` and the **Delete my data** button (SPEC §15):
//! a member's own data in a server, to take away, to delete, or to keep off the
//! leaderboards.

use poise::serenity_prelude as serenity;
use tracing::{info, warn};

use super::input::{ephemeral_response, guild_id, reply_ephemeral, user_error};
use crate::core::privacy::{self, MemberRows};
use crate::discord::{Context, Error, no_pings, render};
use crate::state::App;

/// The largest file Discord takes from a bot without a boosted server (8 MiB).
const ATTACHMENT_LIMIT: usize = 8 * 1024 * 1024;

/// Your data in this server: take it, delete it, or leave the leaderboards.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("export", "delete", "hide", "show"),
    subcommand_required
)]
pub async fn privacy(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Everything qotd keeps about you in this server, as a JSON file only you see.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn export(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let user = ctx.author().id.get();
    let app = ctx.data();
    let rows = app.store.member_rows(guild, user).await?;
    let document = privacy::export_document(guild, user, app.clock.now(), &rows);
    let bytes = serde_json::to_vec_pretty(&document)?;
    if bytes.len() > ATTACHMENT_LIMIT {
        warn!(
            guild_id = guild,
            bytes = bytes.len(),
            "an export is larger than Discord takes"
        );
        user_error!(
            "Your data here is larger than a file Discord lets me send. The bot's operator can export it for you from the database."
        );
    }
    let reply = poise::CreateReply::default()
        .content(render::export_text(&counts(&rows)))
        .attachment(serenity::CreateAttachment::bytes(
            bytes,
            format!("qotd-data-{guild}.json"),
        ))
        .ephemeral(true)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// Delete everything qotd keeps about you in this server (you confirm first).
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn delete(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let user = ctx.author().id.get();
    let rows = ctx.data().store.member_rows(guild, user).await?;
    let reply = poise::CreateReply::default()
        .content(render::delete_confirmation(&counts(&rows)))
        .components(vec![serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(render::privacy_delete_id(user))
                .label("Delete my data")
                .style(serenity::ButtonStyle::Danger),
        ])])
        .ephemeral(true)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// Leave this server's leaderboards and season standings (streaks and practice go on).
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn hide(ctx: Context<'_>) -> Result<(), Error> {
    set_hidden(ctx, true).await
}

/// Rejoin this server's leaderboards and season standings.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn show(ctx: Context<'_>) -> Result<(), Error> {
    set_hidden(ctx, false).await
}

/// `/privacy hide` (`hidden`) or `/privacy show`, and what it changed.
async fn set_hidden(ctx: Context<'_>, hidden: bool) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let was_hidden = app
        .store
        .set_hidden(guild, ctx.author().id.get(), hidden, app.clock.now())
        .await?;
    reply_ephemeral(ctx, render::visibility_text(hidden, was_hidden)).await
}

/// How many rows of each table, for the person.
fn counts(rows: &MemberRows) -> Vec<(&'static str, u64)> {
    rows.iter()
        .map(|(table, records)| (*table, records.len() as u64))
        .collect()
}

/// Whether a button is a **Delete my data**.
pub fn is_delete_button(custom_id: &str) -> bool {
    render::privacy_delete_of(custom_id).is_some()
}

/// **Delete my data**: every row about the member in this server goes, in one
/// transaction; the operator's log gets one line with the counts.
pub async fn on_delete_button(
    app: &App,
    ctx: &serenity::Context,
    component: &serenity::ComponentInteraction,
) {
    let (Some(owner), Some(guild)) = (
        render::privacy_delete_of(&component.data.custom_id),
        component.guild_id,
    ) else {
        return;
    };
    let (guild_id, user_id) = (guild.get(), component.user.id.get());
    let response = if owner != user_id {
        ephemeral_response(
            "⚠️ This button deletes someone else's data: use `/privacy delete` for your own."
                .to_owned(),
        )
    } else {
        match app.store.delete_member(guild_id, user_id).await {
            Ok(removed) => {
                let summary = privacy::removed_summary(&removed);
                info!(guild_id, removed = %summary, "deleted a member's data at their request");
                app.active.forget_member(user_id);
                render::deleted_response(&summary)
            }
            Err(error) => {
                warn!(guild_id, %error, "failed to delete a member's data");
                ephemeral_response("⚠️ I could not delete your data just now; nothing was deleted. Please try again in a moment.".to_owned())
            }
        }
    };
    if let Err(error) = component.create_response(&ctx.http, response).await {
        warn!(%error, "failed to answer the Delete my data button");
    }
}
