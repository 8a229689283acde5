//! What every command does with its input: read the server, check permissions and
//! channels, read options (autocomplete included), and refuse bad input with a
//! [`UserError`], answered in an ephemeral reply.

use poise::serenity_prelude as serenity;
use tracing::warn;

use std::sync::Arc;

use crate::core::question_bank::QuestionBank;
use crate::core::schedule_options::{self, BankChoice, CategoryChoice};
use crate::discord::{Context, Error, no_pings};

/// A problem with what the user asked: shown to them (ephemeral), nothing changed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

/// Returns early from a command with a message for the user.
macro_rules! user_error {
    ($($arg:tt)*) => {
        return Err($crate::discord::commands::input::UserError(format!($($arg)*)).into())
    };
}
pub(crate) use user_error;

/// A refusal whose message is the error's own (a core rule's explanation).
pub fn refused(error: impl std::fmt::Display) -> Error {
    UserError(error.to_string()).into()
}

/// Sends an ephemeral text reply.
pub async fn reply_ephemeral(ctx: Context<'_>, text: impl Into<String>) -> Result<(), Error> {
    ctx.send(
        poise::CreateReply::default()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

/// An ephemeral text answer to a button or a form (only the member sees it), pinging
/// no one.
pub fn ephemeral_response(text: String) -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::Message(
        serenity::CreateInteractionResponseMessage::new()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
}

/// What a member typed into the text input `input` of a submitted form (empty when
/// the form has no such input).
pub fn modal_text(modal: &serenity::ModalInteraction, input: &str) -> String {
    modal
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|component| match component {
            serenity::ActionRowComponent::InputText(text) if text.custom_id == input => {
                text.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// The server the command runs in (commands are guild-only).
pub fn guild_id(ctx: Context<'_>) -> Result<u64, Error> {
    match ctx.guild_id() {
        Some(guild) => Ok(guild.get()),
        None => user_error!("This command works in a server, not in direct messages."),
    }
}

/// Whether a member with these permissions may run the admin commands and decide
/// suggestions: Manage Server or Administrator, as Discord computed them for the
/// interaction (`None`: not a server member's interaction).
pub fn may_manage_server(permissions: Option<serenity::Permissions>) -> bool {
    permissions.is_some_and(|p| {
        p.contains(serenity::Permissions::MANAGE_GUILD)
            || p.contains(serenity::Permissions::ADMINISTRATOR)
    })
}

/// The poise check of every `/qotd` command (declared once, on `/qotd`: poise checks a
/// sub-command's parents too). Refuses unless the invoker has Manage Server, checked
/// here, server-side, whatever `default_member_permissions` the client honoured.
pub async fn require_manage_server(ctx: Context<'_>) -> Result<bool, Error> {
    let permissions = match ctx {
        poise::Context::Application(app) => {
            app.interaction.member.as_ref().and_then(|m| m.permissions)
        }
        poise::Context::Prefix(_) => None,
    };
    if !may_manage_server(permissions) {
        user_error!("Only members with the **Manage Server** permission can use `/qotd` commands.");
    }
    Ok(true)
}

/// Checks that `channel` is a text channel of the server the command runs in.
pub fn require_text_channel_here(
    ctx: Context<'_>,
    channel: &serenity::GuildChannel,
) -> Result<(), Error> {
    let here = guild_id(ctx)?;
    if channel.guild_id.get() != here {
        user_error!(
            "<#{}> is not a channel of this server. Pick a channel of this server.",
            channel.id
        );
    }
    if !matches!(
        channel.kind,
        serenity::ChannelType::Text | serenity::ChannelType::News
    ) {
        user_error!(
            "<#{}> is not a text channel. Pick a text channel.",
            channel.id
        );
    }
    Ok(())
}

fn choices(names: impl IntoIterator<Item = String>) -> serenity::CreateAutocompleteResponse {
    serenity::CreateAutocompleteResponse::new().set_choices(
        names
            .into_iter()
            .map(serenity::AutocompleteChoice::from)
            .collect(),
    )
}

/// Autocomplete for `timezone`.
pub async fn autocomplete_timezone(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    choices(timezone_choices(partial))
}

/// IANA zones matching what was typed (prefix matches first), at most 25.
pub fn timezone_choices(partial: &str) -> Vec<String> {
    let wanted = partial.trim().to_ascii_lowercase().replace(' ', "_");
    let mut prefix = Vec::new();
    let mut contains = Vec::new();
    for zone in chrono_tz::TZ_VARIANTS {
        let name = zone.name();
        let lower = name.to_ascii_lowercase();
        if lower.starts_with(&wanted) || lower.split('/').any(|part| part.starts_with(&wanted)) {
            prefix.push(name.to_owned());
        } else if lower.contains(&wanted) {
            contains.push(name.to_owned());
        }
    }
    prefix.extend(contains);
    prefix.truncate(25);
    prefix
}

/// Autocomplete: the categories of every bank (each once), at most 25.
pub async fn autocomplete_category(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let wanted = partial.trim().to_lowercase();
    let mut seen = std::collections::HashSet::new();
    let found = ctx
        .data()
        .library
        .shelves()
        .iter()
        .flat_map(|shelf| shelf.bank.categories())
        .filter(|c| c.id.as_str().contains(&wanted) || c.name.to_lowercase().contains(&wanted))
        .filter(|c| seen.insert(c.id.as_str()))
        .take(25)
        .map(|c| serenity::AutocompleteChoice::new(c.name.clone(), c.id.as_str().to_owned()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(found)
}

/// Autocomplete: the question banks (`QUESTIONS_PATH`), at most 25.
pub async fn autocomplete_bank(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let wanted = partial.trim().to_lowercase();
    let library = &ctx.data().library;
    choices(
        library
            .shelves()
            .iter()
            .map(|shelf| shelf.id.clone())
            .filter(|id| id.contains(&wanted))
            .take(25),
    )
}

/// The bank a command is about: the one typed, else the bank of the daily channel it
/// runs in (or of the channel whose open question's thread it runs in), else the
/// default bank (`None`).
pub async fn bank_id_here(ctx: Context<'_>, typed: Option<&str>) -> Result<Option<String>, Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let id = match schedule_options::bank_choice(&app.library, typed).map_err(refused)? {
        BankChoice::Only(id) => Some(id),
        BankChoice::Keep => {
            let here = ctx.channel_id().get();
            let channel = app
                .active
                .by_thread(here)
                .map_or(here, |post| post.channel_id);
            app.store
                .schedule_in(guild, channel)
                .await?
                .and_then(|schedule| schedule.bank)
        }
    };
    Ok(id.filter(|id| id != app.library.default_id()))
}

/// The bank a command picks from ([`bank_id_here`]), with this server's approved
/// suggestions.
pub async fn bank_here(ctx: Context<'_>, typed: Option<&str>) -> Result<Arc<QuestionBank>, Error> {
    let id = bank_id_here(ctx, typed).await?;
    match ctx.data().bank_for(guild_id(ctx)?, id.as_deref()).await? {
        Some(bank) => Ok(bank),
        None => user_error!(
            "This channel's question bank is no longer available. Pick one with the `bank` option."
        ),
    }
}

/// Autocomplete: the server's teams, at most 25.
pub async fn autocomplete_team(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let Some(guild) = ctx.guild_id() else {
        return choices([]);
    };
    let wanted = partial.trim().to_lowercase();
    match ctx.data().store.teams(guild.get()).await {
        Ok(teams) => choices(
            teams
                .into_iter()
                .map(|t| t.name)
                .filter(|name| name.to_lowercase().contains(&wanted))
                .take(25),
        ),
        Err(error) => {
            warn!(%error, "team autocomplete failed");
            choices([])
        }
    }
}

/// A category option of `bank` that narrows a choice of questions (`all` or empty:
/// none).
pub fn category_filter(bank: &QuestionBank, typed: Option<&str>) -> Result<Option<String>, Error> {
    match schedule_options::category_choice(bank, typed).map_err(refused)? {
        CategoryChoice::Only(id) => Ok(Some(id)),
        CategoryChoice::Keep | CategoryChoice::All => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezone_choices_match_what_was_typed_and_stop_at_25() {
        let berlin = timezone_choices("berl");
        assert_eq!(berlin.first().map(String::as_str), Some("Europe/Berlin"));
        assert!(timezone_choices("new york").contains(&"America/New_York".to_owned()));
        assert_eq!(timezone_choices("").len(), 25);
        assert!(timezone_choices("zzzz-nothing").is_empty());
    }
}
