//! Revealing a daily post's private answers together (SPEC §13), exactly once across
//! restarts, crashes and processes.
//!
//! At the reveal timeout one process takes the reveal in the database (a lease, as for
//! showing a hint). It first records the answers as answers, each at the time it was
//! submitted (they count for streaks as thread answers do, unaided when submitted
//! before the hint was shown), then shows them in the thread in submission order, one
//! answer at a time: marked as being sent, sent, its messages recorded. An answer
//! marked as being sent but not recorded (a crash, a call whose outcome is unknown) is
//! looked for in the thread by its titles before any of it is sent again. The
//! messages are spaced to stay within Discord's message bucket of the thread.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::port::{DiscordPort, PAGE, PostFailure};
use super::post::{RECOVERY_PAGES, bot_user_id};
use crate::core::private_answers::{
    self, ANSWERS_PER_PASS, MESSAGE_SPACING, answer_title, shown_parts,
};
use crate::state::Handles;
use crate::storage::{DailyPost, NewAnswer, PrivateAnswer};

/// What revealing a post's answers did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revealed {
    /// Every answer is shown (now, or before).
    All,
    /// Some are shown; the rest wait for the next pass (at once).
    More,
    /// Another task or process holds the reveal.
    Elsewhere,
}

/// Shows `post`'s private answers, at most [`ANSWERS_PER_PASS`] of them in this call.
/// The reveal is taken at the clock's time when the call starts (a pass may start it
/// well after its own `now`), and held by its stamp, renewed with every answer: a
/// holder that finds its stamp gone (another process took a reveal it thought stale)
/// stops at once.
#[tracing::instrument(skip_all, fields(guild_id = post.guild_id, channel_id = post.channel_id, seq = post.seq))]
pub async fn reveal_answers(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
) -> Result<Revealed, PostFailure> {
    let now = handles.clock.now();
    let stale_before = private_answers::show_lease_start(now);
    if !handles
        .store
        .take_answers_show(post, now, stale_before)
        .await?
    {
        return Ok(Revealed::Elsewhere);
    }
    let mut held = now;
    let shown = show_taken(handles, discord, post, &mut held).await;
    if matches!(shown, Ok(Revealed::More) | Err(_))
        && let Err(error) = handles.store.give_back_answers_show(post.id, held).await
    {
        warn!(post_id = post.id, %error, "cannot give back the answers' reveal; another try waits for its lease");
    }
    shown
}

/// The answers' reveal, for the holder of the stamp `held`.
async fn show_taken(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
    held: &mut DateTime<Utc>,
) -> Result<Revealed, PostFailure> {
    let answers = handles.store.private_answers_of(post.id).await?;
    count_as_answers(handles, post, &answers).await?;
    let Some(thread) = post.thread_id else {
        return Err(PostFailure::Transient("the post has no thread yet".into()));
    };
    let mut after = answers
        .iter()
        .filter_map(|a| a.message_id)
        .max()
        .unwrap_or(thread);
    let mut shown_now = 0;
    for (index, answer) in answers.iter().enumerate() {
        if answer.message_id.is_some() {
            continue;
        }
        if shown_now == ANSWERS_PER_PASS {
            return Ok(Revealed::More);
        }
        let Some(ids) =
            show_one(handles, discord, (thread, after), index + 1, answer, held).await?
        else {
            return Ok(Revealed::Elsewhere);
        };
        let now = handles.clock.now();
        if !handles
            .store
            .record_answer_shown(post.id, answer.user_id, &ids, *held, now)
            .await?
        {
            return Ok(Revealed::Elsewhere);
        }
        *held = now;
        after = ids.iter().copied().max().unwrap_or(after);
        shown_now += 1;
    }
    let now = handles.clock.now();
    if !handles
        .store
        .mark_answers_shown(post.id, *held, now)
        .await?
    {
        return Ok(Revealed::Elsewhere);
    }
    if !answers.is_empty() {
        info!(answers = answers.len(), "the private answers are revealed");
    }
    Ok(Revealed::All)
}

/// Records the answers as answers, each at its submission time (a second call
/// changes nothing: an answer recorded stays as it is).
async fn count_as_answers(
    handles: &Handles,
    post: &DailyPost,
    answers: &[PrivateAnswer],
) -> Result<(), PostFailure> {
    if answers.is_empty() {
        return Ok(());
    }
    let news: Vec<NewAnswer> = answers
        .iter()
        .map(|answer| NewAnswer {
            post_id: post.id,
            user_id: answer.user_id,
            // Its last version's time: an answer edited after the hint was shown is
            // not unaided.
            at: answer.updated_at,
        })
        .collect();
    handles.store.record_answers(&news).await?;
    handles.answers.announce_counted();
    for answer in answers {
        handles.active.first_answer(post.id, answer.user_id);
    }
    Ok(())
}

/// Sends the messages of the answer in `place` (from 1) in `thread`, each part
/// once: after a crash or an unknown outcome, the parts already in the thread (after
/// message `after`) are found by their titles. Returns the messages' ids in order;
/// `None` when the reveal held since `held` was taken over meanwhile.
async fn show_one(
    handles: &Handles,
    discord: &impl DiscordPort,
    (thread, after): (u64, u64),
    place: usize,
    answer: &PrivateAnswer,
    held: &mut DateTime<Utc>,
) -> Result<Option<Vec<u64>>, PostFailure> {
    let name = answer.author_name.as_deref().unwrap_or("A member");
    let parts = shown_parts(answer.body.as_deref().unwrap_or_default());
    let titles: Vec<String> = (1..=parts.len())
        .map(|part| answer_title(place, name, part, parts.len()))
        .collect();
    let mut ids = match answer.sending {
        true => find_sent(handles, discord, thread, after, &titles).await?,
        false => {
            let now = handles.clock.now();
            let store = &handles.store;
            if !store
                .mark_answer_sending(answer.post_id, answer.user_id, *held, now)
                .await?
            {
                return Ok(None);
            }
            *held = now;
            vec![None; parts.len()]
        }
    };
    for ((id, title), text) in ids.iter_mut().zip(&titles).zip(&parts) {
        if id.is_none() {
            tokio::time::sleep(MESSAGE_SPACING).await;
            *id = Some(discord.send_answer(thread, title, text).await?);
        }
    }
    Ok(Some(ids.into_iter().flatten().collect()))
}

/// The bot's messages in `thread` after `after` that carry `titles`, by title.
async fn find_sent(
    handles: &Handles,
    discord: &impl DiscordPort,
    thread: u64,
    mut after: u64,
    titles: &[String],
) -> Result<Vec<Option<u64>>, PostFailure> {
    let bot_id = bot_user_id(handles, discord).await?;
    let mut found = vec![None; titles.len()];
    for _ in 0..RECOVERY_PAGES {
        let page = discord.messages_after(thread, after).await?;
        for message in page.iter().filter(|m| m.author_id == bot_id) {
            let part = titles
                .iter()
                .position(|title| message.title.as_deref() == Some(title.as_str()));
            if let Some(part) = part {
                found[part].get_or_insert(message.id);
            }
        }
        if page.len() < PAGE {
            break;
        }
        after = page.iter().map(|m| m.id).max().unwrap_or(after);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::daily::memory_port::Bench;
    use crate::daily::post::{PostOutcome, post_daily};
    use crate::storage::SaveOutcome;

    /// A private-answers post at nine, and three members' answers.
    async fn answered(bench: &Bench, nine: DateTime<Utc>) -> DailyPost {
        bench
            .handles
            .store
            .upsert_schedule(
                &crate::storage::ScheduleSettings {
                    private_answers: true,
                    ..Bench::settings()
                },
                nine - TimeDelta::days(1),
            )
            .await
            .unwrap();
        let schedule = bench
            .handles
            .store
            .schedule(bench.schedule.channel_id)
            .await
            .unwrap()
            .unwrap();
        let outcome = post_daily(
            &bench.handles,
            &bench.discord,
            &schedule,
            nine.date_naive(),
            nine,
        );
        let PostOutcome::Posted(post) = outcome.await.unwrap() else {
            panic!("posted");
        };
        assert!(post.private_answers);
        for (user, minute) in [(41, 1), (42, 2), (43, 3)] {
            let at = nine + TimeDelta::minutes(minute);
            let saved = bench
                .handles
                .store
                .save_private_answer(&post, user, &format!("m{user}"), &format!("a{user}"), at)
                .await
                .unwrap();
            assert_eq!(saved, SaveOutcome::Saved { edited: false });
        }
        post
    }

    /// [`answered`] at nine, the clock at its reveal timeout.
    async fn at_the_reveal() -> (Bench, DailyPost, DateTime<Utc>) {
        let nine: DateTime<Utc> = "2026-06-01T09:00:00Z".parse().unwrap();
        let bench = Bench::at(nine).await;
        let post = answered(&bench, nine).await;
        bench.clock.set(post.reveal_due_at);
        (bench, post, nine)
    }

    /// The titles of the answer messages sent, in order.
    fn sent_titles(discord: &crate::daily::memory_port::MemoryDiscord) -> Vec<String> {
        let state = discord.state();
        state.answers.iter().map(|a| a.1.clone()).collect()
    }

    #[tokio::test]
    async fn the_answers_are_shown_once_in_order_and_count_from_their_submission() {
        let (bench, post, nine) = at_the_reveal().await;
        let (h, discord) = (&bench.handles, &bench.discord);
        let due = post.reveal_due_at;

        let (a, b) = tokio::join!(
            reveal_answers(h, discord, &post),
            reveal_answers(h, discord, &post)
        );
        let mut outcomes = [a.unwrap(), b.unwrap()];
        outcomes.sort_by_key(|o| *o == Revealed::Elsewhere);
        assert_eq!(outcomes, [Revealed::All, Revealed::Elsewhere]);

        let titles = sent_titles(discord);
        assert_eq!(
            titles,
            ["1. m41 answered:", "2. m42 answered:", "3. m43 answered:"]
        );
        let again = reveal_answers(h, discord, &post).await.unwrap();
        assert_eq!(again, Revealed::Elsewhere, "shown: nothing to take");
        assert_eq!(discord.state().answers.len(), 3);
        let answered_at = h.store.answered_at(post.id, 42).await.unwrap();
        assert_eq!(answered_at, Some(nine + TimeDelta::minutes(2)));
        let closed = h
            .store
            .save_private_answer(&post, 44, "late", "late", due)
            .await
            .unwrap();
        assert_eq!(closed, SaveOutcome::Closed);
    }

    #[tokio::test]
    async fn an_answer_sent_before_a_lost_reply_is_found_and_not_sent_again() {
        let (bench, post, _) = at_the_reveal().await;
        let (h, discord) = (&bench.handles, &bench.discord);
        // The second answer's message is created, and Discord's reply lost.
        discord.state().lose_answer_after = Some(1);

        let failed = reveal_answers(h, discord, &post).await;
        assert!(
            matches!(failed, Err(PostFailure::Transient(_))),
            "{failed:?}"
        );
        let finished = reveal_answers(h, discord, &post).await.unwrap();

        assert_eq!(finished, Revealed::All);
        let titles = sent_titles(discord);
        assert_eq!(
            titles,
            ["1. m41 answered:", "2. m42 answered:", "3. m43 answered:"],
            "the second was found in the thread, not sent twice"
        );
        let stored = h.store.daily_post(post.id).await.unwrap().unwrap();
        assert!(stored.answers_shown_at.is_some());
    }

    #[tokio::test]
    async fn a_holder_whose_reveal_was_taken_over_changes_nothing() {
        let (bench, post, _) = at_the_reveal().await;
        let store = &bench.handles.store;
        let due = post.reveal_due_at;
        let stale = |at| private_answers::show_lease_start(at);
        assert!(
            store
                .take_answers_show(&post, due, stale(due))
                .await
                .unwrap()
        );
        // Two minutes later another process finds the reveal stale and takes it.
        let later = due + TimeDelta::minutes(2);
        assert!(
            store
                .take_answers_show(&post, later, stale(later))
                .await
                .unwrap()
        );

        let user = store.private_answers_of(post.id).await.unwrap()[0].user_id;
        let sending = store.mark_answer_sending(post.id, user, due, later);
        assert!(!sending.await.unwrap());
        let shown = store.record_answer_shown(post.id, user, &[9], due, later);
        assert!(!shown.await.unwrap());
        assert!(!store.mark_answers_shown(post.id, due, later).await.unwrap());
        store.give_back_answers_show(post.id, due).await.unwrap();

        let answers = store.private_answers_of(post.id).await.unwrap();
        assert!(answers.iter().all(|a| a.message_id.is_none() && !a.sending));
        let stored = store.daily_post(post.id).await.unwrap().unwrap();
        assert_eq!(stored.answers_shown_at, None);
        assert!(
            !store
                .take_answers_show(&post, later, stale(later))
                .await
                .unwrap(),
            "the new holder still holds it"
        );
    }
}
