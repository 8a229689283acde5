//! Revealing a daily post's hint, exactly once: the database decides who reveals, and
//! only that caller edits the post and announces it.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::port::{DiscordPort, PostFailure};
use crate::core::hint_reveal::{HintReveal, RevealDecision, RevealReason, RevealRule};
use crate::state::App;
use crate::storage::DailyPost;

/// Reveals a daily post's hint, exactly once. Returns whether this call revealed it.
#[tracing::instrument(skip_all, fields(guild_id = post.guild_id, channel_id = post.channel_id, seq = post.seq))]
pub async fn reveal(
    app: &App,
    discord: &impl DiscordPort,
    post: &DailyPost,
    reason: RevealReason,
    now: DateTime<Utc>,
) -> Result<bool, PostFailure> {
    let won = app.store.mark_revealed(post.id, reason, now).await?;
    app.active.mark_revealed(post.id);
    if !won {
        return Ok(false);
    }
    info!(reason = reason.as_str(), "revealing the hint");
    app.metrics.revealed(reason.as_str());
    show(app, discord, post, reason).await?;
    Ok(true)
}

/// Puts the hint on the post and announces it in the thread, unless another task of
/// this process already did: it takes the post's turn and re-reads the post first.
pub async fn show(
    app: &App,
    discord: &impl DiscordPort,
    post: &DailyPost,
    reason: RevealReason,
) -> Result<(), PostFailure> {
    let _turn = app.post_turns.take(post.id).await;
    let post = match app.store.daily_post(post.id).await? {
        Some(now) if now.reveal_shown => return Ok(()),
        Some(now) => now,
        None => return Ok(()),
    };
    let found = match post.message_id {
        Some(_) => app.question(post.guild_id, &post.question_id).await?,
        None => None,
    };
    let Some((bank, question)) = found else {
        // Nothing to show (the question left the bank): done, or the post would stay
        // unfinished for ever.
        app.store.mark_reveal_shown(post.id).await?;
        return Ok(());
    };
    discord.show_hint(&bank, &question, &post).await?;
    if let Some(thread) = post.thread_id {
        discord
            .announce_hint(thread, &question.hint, reason)
            .await?;
    }
    app.store.mark_reveal_shown(post.id).await?;
    Ok(())
}

/// Reveals a daily post's hint if its recorded 💡 reactors (or its timeout) call for it.
pub async fn reveal_if_due(app: &App, discord: &impl DiscordPort, post_id: i64) {
    let post = match app.store.daily_post(post_id).await {
        Ok(Some(post)) => post,
        Ok(None) => return,
        Err(error) => return warn!(post_id, %error, "failed to read a daily post"),
    };
    let Ok(reactors) = app.store.reveal_reactors(post.id).await else {
        return;
    };
    let rule = RevealRule {
        reactions_needed: post.reveal_reactions,
        reveal_after: post.reveal_due_at - post.claimed_at,
    };
    let mut state = HintReveal::restore(rule, post.claimed_at, reactors, post.reveal_reason);
    let now = app.clock.now();
    if let RevealDecision::RevealNow(reason) = state.tick(now)
        && let Err(error) = reveal(app, discord, &post, reason, now).await
    {
        warn!(post_id = post.id, %error, "failed to reveal a hint");
    }
}
