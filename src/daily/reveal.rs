//! Revealing a daily post's hint, exactly once: the database decides who reveals, and
//! only that caller edits the post and announces it.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::port::{DiscordPort, PostFailure};
use crate::core::hint_reveal::{HintReveal, RevealDecision, RevealReason, RevealRule};
use crate::state::Handles;
use crate::storage::DailyPost;

/// Reveals a daily post's hint, exactly once. Returns whether this call revealed it.
#[tracing::instrument(skip_all, fields(guild_id = post.guild_id, channel_id = post.channel_id, seq = post.seq))]
pub async fn reveal(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
    reason: RevealReason,
    now: DateTime<Utc>,
) -> Result<bool, PostFailure> {
    let won = handles.store.mark_revealed(post.id, reason, now).await?;
    handles.active.mark_revealed(post.id);
    if !won {
        return Ok(false);
    }
    info!(reason = reason.as_str(), "revealing the hint");
    handles.metrics.revealed(reason.as_str());
    show(handles, discord, post, reason).await?;
    Ok(true)
}

/// Puts the hint on the post and announces it in the thread, unless another task of
/// this process already did: it takes the post's turn and re-reads the post first.
pub async fn show(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
    reason: RevealReason,
) -> Result<(), PostFailure> {
    let _turn = handles.post_turns.take(post.id).await;
    let post = match handles.store.daily_post(post.id).await? {
        Some(now) if now.reveal_shown => return Ok(()),
        Some(now) => now,
        None => return Ok(()),
    };
    show_in_turn(handles, discord, &post, reason).await
}

/// [`show`] for a task that holds the post's turn and has just read it.
pub async fn show_in_turn(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
    reason: RevealReason,
) -> Result<(), PostFailure> {
    let found = match post.message_id {
        Some(_) => handles.question(post.guild_id, &post.question_id).await?,
        None => None,
    };
    let Some((bank, question)) = found else {
        // Nothing to show (the question left the bank): done, or the post would stay
        // unfinished for ever.
        handles.store.mark_reveal_shown(post.id).await?;
        return Ok(());
    };
    discord.show_hint(&bank, &question, post).await?;
    if let Some(thread) = post.thread_id {
        discord
            .announce_hint(thread, &question.hint, reason)
            .await?;
    }
    handles.store.mark_reveal_shown(post.id).await?;
    Ok(())
}

/// Reveals a daily post's hint if its recorded 💡 reactors (or its timeout) call for it.
pub async fn reveal_if_due(handles: &Handles, discord: &impl DiscordPort, post_id: i64) {
    let post = match handles.store.daily_post(post_id).await {
        Ok(Some(post)) => post,
        Ok(None) => return,
        Err(error) => return warn!(post_id, %error, "failed to read a daily post"),
    };
    let Ok(reactors) = handles.store.reveal_reactors(post.id).await else {
        return;
    };
    let rule = RevealRule {
        reactions_needed: post.reveal_reactions,
        reveal_after: post.reveal_due_at - post.claimed_at,
    };
    let mut state = HintReveal::restore(rule, post.claimed_at, reactors, post.reveal_reason);
    let now = handles.clock.now();
    if let RevealDecision::RevealNow(reason) = state.tick(now)
        && let Err(error) = reveal(handles, discord, &post, reason, now).await
    {
        warn!(post_id = post.id, %error, "failed to reveal a hint");
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::daily::memory_port::Bench;
    use crate::daily::post::{PostOutcome, post_daily};

    async fn posted(bench: &Bench, now: DateTime<Utc>) -> DailyPost {
        let date = now.date_naive();
        let outcome = post_daily(&bench.handles, &bench.discord, &bench.schedule, date, now);
        match outcome.await.unwrap() {
            PostOutcome::Posted(post) => post,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn two_tasks_revealing_together_show_the_hint_once() {
        let nine = "2026-06-01T09:00:00Z".parse().unwrap();
        let bench = Bench::at(nine).await;
        let post = posted(&bench, nine).await;
        let (h, discord) = (&bench.handles, &bench.discord);

        let (a, b) = tokio::join!(
            reveal(h, discord, &post, RevealReason::Reactions, nine),
            reveal(h, discord, &post, RevealReason::Timeout, nine),
        );

        assert_eq!(
            [a.unwrap(), b.unwrap()].iter().filter(|won| **won).count(),
            1
        );
        let (shown, announced) = {
            let state = discord.state();
            (state.hints_shown.clone(), state.announcements.len())
        };
        assert_eq!(shown, [post.message_id.unwrap()]);
        assert_eq!(announced, 1);
        let stored = h.store.daily_post(post.id).await.unwrap().unwrap();
        assert!(stored.reveal_shown);
    }

    #[tokio::test]
    async fn the_timeout_reveals_at_its_time_and_not_before() {
        let nine = "2026-06-01T09:00:00Z".parse().unwrap();
        let bench = Bench::at(nine).await;
        let post = posted(&bench, nine).await;
        let (h, discord) = (&bench.handles, &bench.discord);

        bench.clock.set(nine + TimeDelta::minutes(239));
        reveal_if_due(h, discord, post.id).await;
        assert!(
            discord.state().hints_shown.is_empty(),
            "not before 240 minutes"
        );

        bench.clock.set(nine + TimeDelta::minutes(240));
        reveal_if_due(h, discord, post.id).await;
        let stored = h.store.daily_post(post.id).await.unwrap().unwrap();
        assert_eq!(stored.reveal_reason, Some(RevealReason::Timeout));
        assert_eq!(
            discord.state().announcements,
            [(post.thread_id.unwrap(), RevealReason::Timeout)]
        );
    }

    #[tokio::test]
    async fn enough_lightbulbs_reveal_before_the_timeout() {
        let nine = "2026-06-01T09:00:00Z".parse().unwrap();
        let bench = Bench::at(nine).await;
        let post = posted(&bench, nine).await;
        let (h, discord) = (&bench.handles, &bench.discord);

        h.store.add_reveal_reactor(post.id, 42).await.unwrap();
        bench.clock.set(nine + TimeDelta::minutes(5));
        reveal_if_due(h, discord, post.id).await;

        let stored = h.store.daily_post(post.id).await.unwrap().unwrap();
        assert_eq!(stored.reveal_reason, Some(RevealReason::Reactions));
        assert_eq!(stored.revealed_at, Some(nine + TimeDelta::minutes(5)));
        assert_eq!(discord.state().hints_shown.len(), 1);
    }
}
