//! Suggestions (SPEC §10): `/suggest new` and `/suggest list` for everyone, and
//! `/qotd suggestions` with its Approve and Reject buttons (Reject asks for a reason in
//! a modal) for admins. A decision is made only for the server the button is pressed
//! in, by a member with Manage Server.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use tracing::{info, warn};

use super::input::{
    autocomplete_bank, autocomplete_category, bank_id_here, ephemeral_response, guild_id,
    may_manage_server, modal_text, refused, reply_ephemeral, user_error,
};
use crate::core::question_bank::QuestionBank;
use crate::core::suggestion::{self, REVIEW_PAGE, Suggested};
use crate::discord::{Context, Error, no_pings, render};
use crate::state::App;
use crate::storage::{
    DecideOutcome, Decision, FileOutcome, NewSuggestion, StorageError, SuggestionStatus,
};

const PREFIX: &str = "suggest:";
/// The text input of the Reject modal.
const REASON_INPUT: &str = "reason";

/// Suggest questions for this server's daily question.
#[poise::command(slash_command, guild_only, subcommands("new_suggestion", "list"))]
pub async fn suggest(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Suggest a question: admins approve it into this server's bank.
#[poise::command(slash_command, guild_only, rename = "new")]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn new_suggestion(
    ctx: Context<'_>,
    #[description = "The question (at most 1000 characters)"] question: String,
    #[description = "A hint that helps without giving it away (at most 500 characters)"]
    hint: String,
    #[description = "The question's category"]
    #[autocomplete = "autocomplete_category"]
    category: String,
    #[description = "How hard it is, 1–5 (default 3)"] difficulty: Option<i64>,
    #[description = "The question bank it is for (default: this channel's)"]
    #[autocomplete = "autocomplete_bank"]
    bank: Option<String>,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let (bank_id, bank) = suggestion_bank(ctx, bank.as_deref()).await?;
    let (question, hint, category) = (&question, &hint, &category);
    let suggested = Suggested {
        question,
        hint,
        category,
        difficulty,
    };
    let checked = suggestion::check(&bank, &suggested)
        .map_err(|problems| refused(render::suggestion_problems(&problems)))?;
    file(ctx, guild, bank_id.as_deref(), &checked).await
}

/// Files a checked suggestion under the member's name and tells them.
async fn file(
    ctx: Context<'_>,
    guild: u64,
    bank: Option<&str>,
    question: &crate::core::question_bank::Question,
) -> Result<(), Error> {
    let app = ctx.data();
    let author = suggestion::author_name(&ctx.author_member().await.map_or_else(
        || ctx.author().display_name().to_owned(),
        |member| member.display_name().to_owned(),
    ));
    let user_id = ctx.author().id.get();
    let new = NewSuggestion {
        guild_id: guild,
        user_id,
        author_name: &author,
        bank,
        question,
    };
    match app.store.file_suggestion(&new, app.clock.now()).await? {
        FileOutcome::TooManyPending => user_error!(
            "You already have {} suggestions waiting for an admin. Once one is decided you can send another: see `/suggest list`.",
            suggestion::MAX_PENDING
        ),
        FileOutcome::Filed(filed) => {
            info!(
                guild_id = guild,
                user_id,
                suggestion = filed.id,
                "suggestion filed"
            );
            reply_ephemeral(ctx, render::suggestion_filed(&filed)).await
        }
    }
}

/// The bank a suggestion is for ([`bank_id_here`]; `None`: the default bank) and its
/// file's bank, whose categories it is checked against.
async fn suggestion_bank(
    ctx: Context<'_>,
    typed: Option<&str>,
) -> Result<(Option<String>, Arc<QuestionBank>), Error> {
    let id = bank_id_here(ctx, typed).await?;
    match ctx.data().library.bank(id.as_deref()) {
        Some(bank) => Ok((id, Arc::clone(bank))),
        None => user_error!(
            "This channel's question bank is no longer available. Pick one with the `bank` option."
        ),
    }
}

/// Your suggestions in this server: pending, approved, or rejected with the reason.
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let mine = app
        .store
        .member_suggestions(guild, ctx.author().id.get())
        .await?;
    let reply = poise::CreateReply::default()
        .embed(render::member_suggestions(&mine))
        .ephemeral(true)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// Review members' suggested questions (Manage Server).
#[poise::command(slash_command, guild_only)]
#[tracing::instrument(skip_all, fields(guild_id = ?ctx.guild_id()))]
pub async fn suggestions(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let review = review_page(ctx.data(), guild, None).await?;
    let reply = review
        .embeds
        .into_iter()
        .fold(poise::CreateReply::default(), poise::CreateReply::embed)
        .content(review.content)
        .components(review.rows)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    ctx.send(reply).await?;
    Ok(())
}

/// A page of the review list.
struct ReviewPage {
    content: String,
    embeds: Vec<serenity::CreateEmbed>,
    rows: Vec<serenity::CreateActionRow>,
}

/// The oldest pending suggestions of the server (at most [`REVIEW_PAGE`]), each with
/// its buttons; `note` says what was just decided.
async fn review_page(
    app: &App,
    guild: u64,
    note: Option<String>,
) -> Result<ReviewPage, StorageError> {
    let pending = app.store.pending_suggestions(guild).await?;
    let waiting = app.store.pending_suggestion_count(guild).await?;
    let page = &pending[..pending.len().min(REVIEW_PAGE)];
    let embeds = page
        .iter()
        .map(|s| {
            let bank = app.library.bank(s.bank.as_deref());
            render::suggestion_review(s, bank.map(AsRef::as_ref))
        })
        .collect();
    let rows = page
        .iter()
        .map(|s| {
            serenity::CreateActionRow::Buttons(vec![
                serenity::CreateButton::new(Review::Approve(s.id).custom_id())
                    .label(format!("Approve #{}", s.id))
                    .style(serenity::ButtonStyle::Success),
                serenity::CreateButton::new(Review::Reject(s.id).custom_id())
                    .label(format!("Reject #{}", s.id))
                    .style(serenity::ButtonStyle::Danger),
            ])
        })
        .collect();
    let waiting = usize::try_from(waiting).unwrap_or(usize::MAX);
    let content = render::review_header(note.as_deref(), page.len(), waiting);
    Ok(ReviewPage {
        content,
        embeds,
        rows,
    })
}

/// What a review button or the Reject modal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Approve(i64),
    /// Open the modal asking for the reason.
    Reject(i64),
    /// The modal's submission.
    Reason(i64),
}

impl Review {
    pub fn custom_id(self) -> String {
        match self {
            Review::Approve(id) => format!("{PREFIX}approve:{id}"),
            Review::Reject(id) => format!("{PREFIX}reject:{id}"),
            Review::Reason(id) => format!("{PREFIX}reason:{id}"),
        }
    }

    pub fn parse(custom_id: &str) -> Option<Self> {
        let (action, id) = custom_id.strip_prefix(PREFIX)?.split_once(':')?;
        let id = id.parse().ok()?;
        match action {
            "approve" => Some(Review::Approve(id)),
            "reject" => Some(Review::Reject(id)),
            "reason" => Some(Review::Reason(id)),
            _ => None,
        }
    }
}

/// Whether a component or modal is a suggestion review's.
pub fn is_review(custom_id: &str) -> bool {
    custom_id.starts_with(PREFIX)
}

const NOT_ALLOWED: &str = "⚠️ Only members with the **Manage Server** permission can decide suggestions. Nothing was changed.";

/// Approve (decided at once) or Reject (opens the modal for the reason).
#[tracing::instrument(skip_all, fields(guild_id = ?component.guild_id))]
pub async fn on_component(
    app: &App,
    ctx: &serenity::Context,
    component: &serenity::ComponentInteraction,
) {
    let (Some(review), Some(guild)) =
        (Review::parse(&component.data.custom_id), component.guild_id)
    else {
        return;
    };
    let response = if !may_manage_server(component.member.as_ref().and_then(|m| m.permissions)) {
        warn!(
            user_id = component.user.id.get(),
            "refused a suggestion decision: no Manage Server"
        );
        ephemeral_response(NOT_ALLOWED.to_owned())
    } else {
        match review {
            Review::Approve(id) => match still_fits(app, guild.get(), id).await {
                Ok(()) => {
                    let admin = component.user.id.get();
                    decide(app, guild.get(), id, Decision::Approve, admin).await
                }
                Err(problem) => ephemeral_response(problem),
            },
            Review::Reject(id) | Review::Reason(id) => reason_modal(id),
        }
    };
    if let Err(error) = component.create_response(&ctx.http, response).await {
        warn!(%error, "failed to answer a suggestion button");
    }
}

/// The Reject modal's submission: the reason, then the decision.
#[tracing::instrument(skip_all, fields(guild_id = ?modal.guild_id))]
pub async fn on_modal(app: &App, ctx: &serenity::Context, modal: &serenity::ModalInteraction) {
    let (Some(Review::Reason(id)), Some(guild)) =
        (Review::parse(&modal.data.custom_id), modal.guild_id)
    else {
        return;
    };
    let response = if !may_manage_server(modal.member.as_ref().and_then(|m| m.permissions)) {
        ephemeral_response(NOT_ALLOWED.to_owned())
    } else {
        match suggestion::reason(&modal_text(modal, REASON_INPUT)) {
            Ok(reason) => {
                decide(
                    app,
                    guild.get(),
                    id,
                    Decision::Reject { reason },
                    modal.user.id.get(),
                )
                .await
            }
            Err(problem) => ephemeral_response(format!("⚠️ {problem} Nothing was changed.")),
        }
    };
    if let Err(error) = modal.create_response(&ctx.http, response).await {
        warn!(%error, "failed to answer a suggestion's reason");
    }
}

/// Whether a pending suggestion still fits its bank as it is now (the bank file or
/// the category may have gone since it was filed); the refusal says why.
async fn still_fits(app: &App, guild: u64, id: i64) -> Result<(), String> {
    let found = app.store.suggestion(guild, id).await.map_err(|error| {
        warn!(%error, suggestion = id, "failed to read a suggestion");
        "⚠️ I could not read that suggestion; nothing was changed. Try again in a moment."
            .to_owned()
    })?;
    let Some(pending) = found.filter(|s| s.status == SuggestionStatus::Pending) else {
        return Ok(()); // Not here, or decided: the decision reports it.
    };
    let Some(bank) = app.library.bank(pending.bank.as_deref()) else {
        return Err(format!(
            "⚠️ Suggestion #{id} is for a question bank that is gone. Reject it with a reason instead."
        ));
    };
    let suggested = Suggested {
        question: &pending.question,
        hint: &pending.hint,
        category: &pending.category,
        difficulty: Some(pending.difficulty),
    };
    suggestion::check(bank, &suggested).map(drop).map_err(|problems| {
        format!(
            "⚠️ Suggestion #{id} no longer fits the bank ({}). Reject it with a reason instead.",
            problems.join("; ")
        )
    })
}

/// Records the decision and answers with the refreshed review page.
async fn decide(
    app: &App,
    guild: u64,
    id: i64,
    decision: Decision,
    admin: u64,
) -> serenity::CreateInteractionResponse {
    let outcome = app
        .store
        .decide_suggestion(guild, id, &decision, admin, app.clock.now())
        .await;
    let note = match outcome {
        Ok(DecideOutcome::Decided(decided)) => {
            info!(
                guild_id = guild,
                admin_id = admin,
                suggestion = id,
                status = decided.status.as_str(),
                "suggestion decided"
            );
            render::suggestion_decided(&decided)
        }
        Ok(DecideOutcome::AlreadyDecided(decided)) => {
            format!(
                "Suggestion #{id} was already {}: nothing changed.",
                decided.status.as_str()
            )
        }
        Ok(DecideOutcome::NotFound) => {
            warn!(
                guild_id = guild,
                admin_id = admin,
                suggestion = id,
                "a decision on a suggestion this server does not have"
            );
            return ephemeral_response(format!("⚠️ This server has no suggestion #{id}."));
        }
        Err(error) => {
            warn!(%error, suggestion = id, "failed to record a suggestion decision");
            return ephemeral_response(
                "⚠️ I could not save that decision; nothing was changed. Try again in a moment."
                    .to_owned(),
            );
        }
    };
    match review_page(app, guild, Some(note)).await {
        Ok(page) => serenity::CreateInteractionResponse::UpdateMessage(
            serenity::CreateInteractionResponseMessage::new()
                .content(page.content)
                .embeds(page.embeds)
                .components(page.rows)
                .allowed_mentions(no_pings()),
        ),
        Err(error) => {
            warn!(%error, "failed to read the pending suggestions");
            ephemeral_response(
                "The decision is saved; run `/qotd suggestions` again for the rest.".to_owned(),
            )
        }
    }
}

fn reason_modal(id: i64) -> serenity::CreateInteractionResponse {
    let input = serenity::CreateInputText::new(
        serenity::InputTextStyle::Paragraph,
        "Why? (the member sees this)",
        REASON_INPUT,
    )
    .max_length(suggestion::MAX_REASON_CHARS as u16)
    .required(true);
    serenity::CreateInteractionResponse::Modal(
        serenity::CreateModal::new(
            Review::Reason(id).custom_id(),
            format!("Reject suggestion #{id}"),
        )
        .components(vec![serenity::CreateActionRow::InputText(input)]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_ids_read_back() {
        for review in [Review::Approve(7), Review::Reject(12), Review::Reason(3)] {
            assert_eq!(Review::parse(&review.custom_id()), Some(review));
            assert!(is_review(&review.custom_id()));
        }
        assert_eq!(Review::parse("suggest:approve:x"), None);
        assert_eq!(Review::parse("suggest:burn:1"), None);
        assert_eq!(Review::parse("practice:hint:0:a"), None);
    }
}
