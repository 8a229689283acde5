//! Private answers (SPEC §13): the daily post's **Answer** button opens a modal
//! holding the member's answer so far; submitting it saves, edits or (empty)
//! withdraws the answer until the reveal. The button and the modal carry the post in
//! their custom ids, so a restart between the two loses nothing. ⭐ on a revealed
//! answer is a vote.

use poise::serenity_prelude as serenity;
use tracing::{info, warn};

use super::input::{ephemeral_response, modal_text};
use crate::core::private_answers::{self, Submission};
use crate::discord::render::timestamp;
use crate::discord::render::{self, ANSWER_INPUT, AnswerAction};
use crate::state::App;
use crate::storage::{DailyPost, SaveOutcome, StarOutcome, WithdrawOutcome};

/// Whether a component or modal is a private answer's.
pub fn is_answer(custom_id: &str) -> bool {
    AnswerAction::parse(custom_id).is_some()
}

/// The **Answer** button: the modal, with the member's answer so far.
#[tracing::instrument(skip_all, fields(guild_id = ?component.guild_id))]
pub async fn on_component(
    app: &App,
    ctx: &serenity::Context,
    component: &serenity::ComponentInteraction,
) {
    let Some(AnswerAction::Open(post_id)) = AnswerAction::parse(&component.data.custom_id) else {
        return;
    };
    let user = component.user.id.get();
    let response = match open_post(app, post_id, component.guild_id).await {
        Ok(post) => match app.store.private_answer(post.id, user).await {
            Ok(current) => render::answer_modal(&post, current.and_then(|a| a.body).as_deref()),
            Err(error) => {
                warn!(%error, post_id, "failed to read a private answer");
                ephemeral_response(COULD_NOT_READ.to_owned())
            }
        },
        Err(refusal) => ephemeral_response(refusal),
    };
    if let Err(error) = component.create_response(&ctx.http, response).await {
        warn!(%error, "failed to answer the Answer button");
    }
}

/// The answer modal's submission: saved, edited or withdrawn, said ephemerally.
#[tracing::instrument(skip_all, fields(guild_id = ?modal.guild_id))]
pub async fn on_modal(app: &App, ctx: &serenity::Context, modal: &serenity::ModalInteraction) {
    let Some(AnswerAction::Submit(post_id)) = AnswerAction::parse(&modal.data.custom_id) else {
        return;
    };
    let text = match open_post(app, post_id, modal.guild_id).await {
        Ok(post) => submit(app, &post, modal).await,
        Err(refusal) => refusal,
    };
    if let Err(error) = modal
        .create_response(&ctx.http, ephemeral_response(text))
        .await
    {
        warn!(%error, "failed to answer a private answer's submission");
    }
}

const COULD_NOT_READ: &str =
    "⚠️ I could not read your answer; nothing was changed. Try again in a moment.";
const COULD_NOT_SAVE: &str =
    "⚠️ I could not save that; nothing was changed. Try again in a moment.";

/// Saves, edits or withdraws the member's answer; returns what to tell them.
async fn submit(app: &App, post: &DailyPost, modal: &serenity::ModalInteraction) -> String {
    let user = modal.user.id.get();
    let now = app.clock.now();
    let shown_at = timestamp(post.reveal_due_at, 'R');
    let submission = match private_answers::read_submission(&modal_text(modal, ANSWER_INPUT)) {
        Ok(submission) => submission,
        Err(problem) => return format!("⚠️ {problem} Nothing was saved."),
    };
    match submission {
        Submission::Withdraw => match app.store.withdraw_private_answer(post, user, now).await {
            Ok(WithdrawOutcome::Withdrawn) => {
                info!(
                    post_id = post.id,
                    user_id = user,
                    "private answer withdrawn"
                );
                format!(
                    "Your answer to question #{} is withdrawn: it will not be shown and does not count. Press **Answer** again to answer before {shown_at}.",
                    post.seq
                )
            }
            Ok(WithdrawOutcome::NoAnswer) => format!(
                "You have no answer to question #{} to withdraw. Press **Answer** and write one before {shown_at}.",
                post.seq
            ),
            Ok(WithdrawOutcome::Closed) => closed(post),
            Err(error) => {
                warn!(%error, post_id = post.id, "failed to withdraw a private answer");
                COULD_NOT_SAVE.to_owned()
            }
        },
        Submission::Answer(body) => {
            let name = modal
                .member
                .as_ref()
                .map_or_else(|| modal.user.display_name(), |m| m.display_name());
            match app
                .store
                .save_private_answer(post, user, name, &body, now)
                .await
            {
                Ok(SaveOutcome::Saved { edited }) => {
                    info!(
                        post_id = post.id,
                        user_id = user,
                        edited,
                        "private answer saved"
                    );
                    let saved = if edited { "updated" } else { "saved" };
                    format!(
                        "✅ Your answer to question #{} is {saved}. Nobody sees it until every answer is shown in the thread, {shown_at}. Press **Answer** again to see, edit or withdraw it.",
                        post.seq
                    )
                }
                Ok(SaveOutcome::Closed) => closed(post),
                Err(error) => {
                    warn!(%error, post_id = post.id, "failed to save a private answer");
                    COULD_NOT_SAVE.to_owned()
                }
            }
        }
    }
}

/// The daily post `post_id` if it takes private answers in server `guild` now; else
/// what to tell the member. The id comes from a custom id: hostile until checked.
async fn open_post(
    app: &App,
    post_id: i64,
    guild: Option<serenity::GuildId>,
) -> Result<DailyPost, String> {
    let found = app.store.daily_post(post_id).await.map_err(|error| {
        warn!(%error, post_id, "failed to read a daily post");
        COULD_NOT_READ.to_owned()
    })?;
    let Some(post) = found.filter(|p| Some(p.guild_id) == guild.map(|g| g.get())) else {
        return Err("That question is not one of this server's daily questions.".to_owned());
    };
    if !post.private_answers {
        return Err(format!(
            "Question #{} takes its answers in its thread.",
            post.seq
        ));
    }
    let now = app.clock.now();
    if post.answers_shown_at.is_some() || !private_answers::open_at(post.reveal_due_at, now) {
        return Err(closed(&post));
    }
    Ok(post)
}

fn closed(post: &DailyPost) -> String {
    format!(
        "The answers to question #{} were shown in its thread {}: your answer can no longer change. Join the discussion there.",
        post.seq,
        timestamp(post.reveal_due_at, 'R')
    )
}

/// A ⭐ added to or removed from `message_id` in a question's thread by `voter`, a
/// member (the caller leaves bots out): a vote on a revealed answer, never the
/// author's own.
pub async fn on_star(app: &App, message_id: u64, voter: u64, added: bool) {
    let result = match added {
        true => app.store.add_star(message_id, voter).await.map(|outcome| {
            if outcome == StarOutcome::Counted {
                info!(message_id, voter, "star on a revealed answer");
            }
        }),
        false => app.store.remove_star(message_id, voter).await.map(drop),
    };
    if let Err(error) = result {
        warn!(message_id, %error, "failed to record a ⭐ vote");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_ids_read_back_and_fit_discords_100_characters() {
        for action in [AnswerAction::Open(i64::MAX), AnswerAction::Submit(7)] {
            let id = match action {
                AnswerAction::Open(post) => render::answer_button_id(post),
                AnswerAction::Submit(post) => render::answer_modal_id(post),
            };
            assert!(id.len() <= 100);
            assert_eq!(AnswerAction::parse(&id), Some(action));
            assert!(is_answer(&id));
        }
        assert_eq!(AnswerAction::parse("answer:open:x"), None);
        assert_eq!(AnswerAction::parse("answer:burn:1"), None);
        assert!(!is_answer("suggest:approve:1"));
    }
}
