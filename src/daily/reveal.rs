//! Revealing a daily post's hint, exactly once: the database decides who reveals, and
//! only that caller edits the post and announces it.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::port::{DiscordPort, PostFailure};
use crate::core::hint_reveal::{
    self, HintReveal, RevealDecision, RevealReason, RevealRule, enough_reactions,
};
use crate::state::Handles;
use crate::storage::{DailyPost, StorageError};

/// Reveals a daily post's hint, exactly once. Returns whether this call revealed it.
#[tracing::instrument(skip_all, fields(guild_id = post.guild_id, channel_id = post.channel_id, seq = post.seq))]
pub async fn reveal(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
    reason: RevealReason,
    now: DateTime<Utc>,
) -> Result<bool, PostFailure> {
    let mark = async {
        let won = handles.store.mark_revealed(post.id, reason, now).await;
        handles.active.mark_revealed(post.id);
        won
    };
    reveal_once(mark, async {
        info!(reason = reason.as_str(), "revealing the hint");
        handles.metrics.revealed(reason.as_str());
        show(handles, discord, post, reason).await
    })
    .await
}

/// A member's 💡 on quiz post `message_id`: the rule of daily posts (enough distinct
/// reactors reveal the hint) and the same reveal, exactly once. Returns whether this
/// call revealed it.
pub async fn reveal_quiz(
    handles: &Handles,
    discord: &impl DiscordPort,
    message_id: u64,
    user_id: u64,
) -> Result<bool, PostFailure> {
    let Some(quiz) = handles.store.quiz(message_id).await? else {
        return Ok(false);
    };
    if quiz.revealed_at.is_some() {
        return Ok(false);
    }
    let reactors = handles.store.add_quiz_reactor(message_id, user_id).await?;
    if !enough_reactions(reactors, quiz.reveal_reactions) {
        return Ok(false);
    }
    handles.active.remove_quiz(message_id);
    let mark = handles
        .store
        .mark_quiz_revealed(message_id, handles.clock.now());
    reveal_once(mark, async {
        let Some((bank, question)) = handles.question(quiz.guild_id, &quiz.question_id).await?
        else {
            return Ok(()); // the question left the bank: nothing to show
        };
        discord
            .show_quiz_hint(quiz.channel_id, message_id, &bank, &question)
            .await
    })
    .await
}

/// The reveal of every hint, a daily post's or a quiz's: `mark` records it and says
/// whether this caller made the change (the database lets one caller win), and only
/// that caller shows it. Returns whether this call revealed it.
async fn reveal_once(
    mark: impl Future<Output = Result<bool, StorageError>>,
    show: impl Future<Output = Result<(), PostFailure>>,
) -> Result<bool, PostFailure> {
    if !mark.await? {
        return Ok(false);
    }
    show.await?;
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

/// [`show`] for a task that holds the post's turn and has just read it. Across
/// processes, the one that takes the show in the database makes it; another one
/// finishing the post meanwhile leaves it to that one.
pub async fn show_in_turn(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
    reason: RevealReason,
) -> Result<(), PostFailure> {
    let now = handles.clock.now();
    let stale_before = hint_reveal::show_lease_start(now);
    if !handles
        .store
        .take_reveal_show(post.id, now, stale_before)
        .await?
    {
        return Ok(());
    }
    let shown = show_taken(handles, discord, post, reason).await;
    if shown.is_err()
        && let Err(error) = handles.store.give_back_reveal_show(post.id).await
    {
        warn!(post_id = post.id, %error, "cannot give back the hint's show; another try waits for its lease");
    }
    shown
}

/// Edits the post and announces the hint, for the holder of the show.
async fn show_taken(
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
    let best = super::best_answer::of_previous(handles, post).await;
    discord
        .show_hint(&bank, &question, post, best.as_ref())
        .await?;
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

    #[tokio::test]
    async fn a_quiz_is_revealed_once_by_enough_lightbulbs_the_daily_rule() {
        let nine: DateTime<Utc> = "2026-06-01T09:00:00Z".parse().unwrap();
        let bench = Bench::at(nine).await;
        let (h, discord) = (&bench.handles, &bench.discord);
        let question = h.library.default_bank().questions()[0].id.to_string();
        let quiz = crate::storage::QuizPost {
            message_id: 500,
            guild_id: bench.schedule.guild_id,
            channel_id: bench.schedule.channel_id,
            question_id: question,
            reveal_reactions: 2,
            posted_at: nine,
            revealed_at: None,
        };
        h.store.record_quiz(&quiz).await.unwrap();

        let first = reveal_quiz(h, discord, 500, 41).await.unwrap();
        let again = reveal_quiz(h, discord, 500, 41).await.unwrap();
        let (second, third) = tokio::join!(
            reveal_quiz(h, discord, 500, 42),
            reveal_quiz(h, discord, 500, 43)
        );

        assert!(!first && !again, "one distinct reactor of two");
        assert_eq!(
            [second.unwrap(), third.unwrap()]
                .iter()
                .filter(|won| **won)
                .count(),
            1
        );
        assert_eq!(discord.state().hints_shown, [500]);
        let stored = h.store.quiz(500).await.unwrap().unwrap();
        assert_eq!(stored.revealed_at, Some(nine));
    }
}
