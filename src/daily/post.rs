//! Posting a channel's daily question exactly once: claim the date in the database,
//! send with a nonce, add the 💡 and open the thread, each step recorded as it
//! completes, so a crash or a failure anywhere is finished later without a second post.

use chrono::{DateTime, NaiveDate, Utc};
use tracing::{info, warn};

use super::best_answer;
use super::port::{DiscordPort, PAGE, PostFailure};
use super::reveal;
use crate::core::{daily_schedule, refusals, rotation};
use crate::state::Handles;
use crate::storage::{ClaimOutcome, DailyPost, NewDailyPost, Schedule};

/// What posting a channel's daily question did.
#[derive(Debug)]
pub enum PostOutcome {
    Posted(DailyPost),
    /// The date already had its post (this process's earlier pass, or another one).
    AlreadyPosted(DailyPost),
}

/// How many pages of 100 messages crash recovery reads looking for a post it may
/// have sent. A claim is usually recovered minutes after the crash; 500 messages is
/// more than all but the busiest channel sees in that time. Beyond them the post is
/// sent again, with its nonce (Discord drops it if its nonce window is still open).
pub const RECOVERY_PAGES: usize = 5;

/// A nonce for a channel's post on a date: Discord allows at most 25 characters.
pub fn nonce(channel_id: u64, date: NaiveDate) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in channel_id
        .to_le_bytes()
        .into_iter()
        .chain(date.to_string().bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("qotd{hash:016x}")
}

/// Claims `date` for the channel, then sends and finishes the post.
#[tracing::instrument(skip_all, fields(guild_id = schedule.guild_id, channel_id = schedule.channel_id, %date))]
pub async fn post_daily(
    handles: &Handles,
    discord: &impl DiscordPort,
    schedule: &Schedule,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PostOutcome, PostFailure> {
    let state = handles.store.rotation_state(schedule.channel_id).await?;
    let category = schedule.category.as_deref();
    let Some(bank) = handles
        .bank_for(schedule.guild_id, schedule.bank.as_deref())
        .await?
    else {
        return Err(PostFailure::Refused(format!(
            "the question bank `{}` is not in QUESTIONS_PATH any more: choose another with `/qotd setup`",
            schedule.bank.as_deref().unwrap_or_default()
        )));
    };
    let Some(pick) = rotation::next_in_bank(&bank, category, &state, schedule.rotation_seed) else {
        return Err(PostFailure::Refused(match category {
            Some(category) => {
                format!("the question bank has no questions in category `{category}`")
            }
            None => "the question bank is empty".to_owned(),
        }));
    };
    let new = NewDailyPost {
        channel_id: schedule.channel_id,
        local_date: date,
        pick,
        nonce: nonce(schedule.channel_id, date),
        reveal: schedule.reveal_rule(),
    };
    match handles.store.claim_daily_post(&new, now).await? {
        ClaimOutcome::AlreadyPosted(post) => {
            // Another pass or process holds the claim: its post is the channel's.
            handles.activate(&post);
            Ok(PostOutcome::AlreadyPosted(post))
        }
        ClaimOutcome::Claimed(post) => {
            info!(seq = post.seq, question = %post.question_id, "posting the daily question");
            finish_post(handles, discord, post, false)
                .await
                .map(PostOutcome::Posted)
        }
    }
}

/// Brings a claimed post to its finished state: message sent (exactly once), 💡 added,
/// thread opened, and a claimed reveal shown. Safe to call again after any failure or
/// crash: each step is recorded as it completes. `recovering` is set for a claim made
/// by an earlier pass or process: its message may already exist and is looked for
/// before sending (a fresh claim skips that lookup: it cannot have been sent).
#[tracing::instrument(skip_all, fields(guild_id = post.guild_id, channel_id = post.channel_id, seq = post.seq))]
pub async fn finish_post(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: DailyPost,
    recovering: bool,
) -> Result<DailyPost, PostFailure> {
    // One task of this process at a time: the scheduler's pass may find a post that
    // `/qotd post` is finishing. The post as stored now says what is still undone.
    let _turn = handles.post_turns.take(post.id).await;
    let Some(mut post) = handles.store.daily_post(post.id).await? else {
        return Err(PostFailure::Transient(
            "the post's claim was given back meanwhile".into(),
        ));
    };
    if post.message_id.is_none() {
        handles.active.sending(post.channel_id);
        post.message_id = Some(ensure_sent(handles, discord, &post, recovering).await?);
        handles.activate(&post);
    }
    let message_id = post.message_id.unwrap_or_default();
    if !post.reacted {
        discord.add_lightbulb(post.channel_id, message_id).await?;
        handles.store.record_post_reacted(post.id).await?;
        post.reacted = true;
    }
    if post.thread_id.is_none() {
        let thread_id = ensure_thread(discord, &post, message_id, recovering).await?;
        handles.store.record_post_thread(post.id, thread_id).await?;
        post.thread_id = Some(thread_id);
        handles.activate(&post);
    }
    if let (Some(reason), false) = (post.reveal_reason, post.reveal_shown) {
        reveal::show_in_turn(handles, discord, &post, reason).await?;
        post.reveal_shown = true;
    }
    Ok(post)
}

/// Sends the post's message unless it already exists; records it. Returns its id.
async fn ensure_sent(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
    recovering: bool,
) -> Result<u64, PostFailure> {
    let Some((bank, question)) = handles.question(post.guild_id, &post.question_id).await? else {
        // The question left the bank between the claim and the send: nothing was
        // posted, so give the date back and let the next pass pick another question.
        handles.store.release_claim(post.id).await?;
        return Err(PostFailure::Transient(format!(
            "question `{}` is no longer in the bank",
            post.question_id
        )));
    };
    let found = match recovering {
        true => find_sent_message(handles, discord, post).await?,
        false => None,
    };
    let message_id = match found {
        Some(id) => id,
        None => match discord
            .send_question(
                &bank,
                &question,
                post,
                best_answer::of_previous(handles, post).await.as_ref(),
            )
            .await
        {
            Ok(id) => id,
            Err(PostFailure::Refused(detail)) => {
                // Discord did not create the message: the day is skipped.
                handles.store.release_claim(post.id).await?;
                return Err(PostFailure::Refused(detail));
            }
            Err(other) => return Err(other),
        },
    };
    handles.store.confirm_post_sent(post.id, message_id).await?;
    Ok(message_id)
}

/// Opens the post's thread. A crash after Discord opened it but before it was recorded
/// leaves it there: the message says which it is.
async fn ensure_thread(
    discord: &impl DiscordPort,
    post: &DailyPost,
    message_id: u64,
    recovering: bool,
) -> Result<u64, PostFailure> {
    match discord
        .open_thread(post.channel_id, message_id, post.seq)
        .await
    {
        Ok(thread_id) => Ok(thread_id),
        Err(PostFailure::Refused(detail)) if recovering => discord
            .thread_of(post.channel_id, message_id)
            .await?
            .ok_or(PostFailure::Refused(detail)),
        Err(other) => Err(other),
    }
}

/// A claim left unsent from a day that is over: if the message did go out (a crash
/// right after sending), adopt and finish it; otherwise the day is skipped.
pub async fn recover_or_skip(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: DailyPost,
) -> Result<Option<DailyPost>, PostFailure> {
    if find_sent_message(handles, discord, &post).await?.is_some() {
        return finish_post(handles, discord, post, true).await.map(Some);
    }
    info!(guild_id = post.guild_id, channel_id = post.channel_id, date = %post.local_date, "the day ended before its post was sent; skipping it");
    handles.store.release_claim(post.id).await?;
    Ok(None)
}

/// After a crash between claim and confirm, the message may exist: look for it among
/// the channel's latest messages (our nonce, or our title for this series number)
/// before sending again, so a resend can never post twice. A busy channel may have
/// moved on since, so up to [`RECOVERY_PAGES`] pages are read, newest first. When the
/// channel cannot be read, that is an error, not "not sent": a blind resend could post
/// twice once Discord's nonce window (minutes) has passed.
async fn find_sent_message(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: &DailyPost,
) -> Result<Option<u64>, PostFailure> {
    let bot_id = bot_user_id(handles, discord).await?;
    let title = crate::core::daily_schedule::daily_title(post.seq);
    let mut before = None;
    for _ in 0..RECOVERY_PAGES {
        let page = discord.messages_before(post.channel_id, before).await?;
        let ours = page.iter().find(|m| {
            m.author_id == bot_id
                && (m.nonce.as_deref() == Some(post.nonce.as_str())
                    || m.title.as_deref() == Some(title.as_str()))
        });
        if let Some(message) = ours {
            return Ok(Some(message.id));
        }
        if page.len() < PAGE {
            break;
        }
        before = page.iter().map(|m| m.id).min();
    }
    Ok(None)
}

/// The bot's own user id, asked of Discord once per process.
pub async fn bot_user_id(
    handles: &Handles,
    discord: &impl DiscordPort,
) -> Result<u64, PostFailure> {
    if let Some(id) = handles.bot_user_id.get() {
        return Ok(*id);
    }
    let id = discord.current_user_id().await?;
    let _ = handles.bot_user_id.set(id);
    Ok(id)
}

/// Records a problem that keeps a channel from posting: a warning for the operator,
/// the alert on the schedule (for `/qotd status`), and a message in the server's alerts
/// channel when one is set — once per distinct problem, not on every retry.
/// Discord refused the channel's post: the alert (once per cause), and the run of
/// local days with refusals, which pauses the schedule on its third day (SPEC §12).
pub async fn refused(
    handles: &Handles,
    discord: &impl DiscordPort,
    schedule: &Schedule,
    problem: &str,
    now: DateTime<Utc>,
) {
    alert(handles, discord, schedule, problem, now).await;
    let today = daily_schedule::local_date(now, schedule.timezone);
    let run = refusals::refused_on(schedule.refusals, today);
    if schedule.refusals == Some(run) && (schedule.paused || !run.pauses()) {
        return; // nothing new: the same day, already paused or not yet due to
    }
    let pause = run.pauses();
    if let Err(error) = handles
        .store
        .record_refusals(schedule.channel_id, run, pause, now)
        .await
    {
        return warn!(%error, "failed to record the refused day");
    }
    if pause {
        warn!(
            guild_id = schedule.guild_id,
            channel_id = schedule.channel_id,
            days = run.days(),
            %problem,
            "paused the schedule: Discord refused its post every day for {} days; /qotd resume starts it again",
            run.days()
        );
    }
}

pub async fn alert(
    handles: &Handles,
    discord: &impl DiscordPort,
    schedule: &Schedule,
    problem: &str,
    now: DateTime<Utc>,
) {
    let (guild_id, channel_id) = (schedule.guild_id, schedule.channel_id);
    warn!(guild_id, channel_id, %problem, "cannot post the daily question");
    if schedule.alert.as_deref() == Some(problem) {
        return;
    }
    if let Err(error) = handles
        .store
        .set_schedule_alert(channel_id, problem, now)
        .await
    {
        warn!(%error, "failed to record the alert");
    }
    let alerts_channel = match handles.store.alerts_channel(guild_id).await {
        Ok(Some(channel)) => channel,
        Ok(None) => return,
        Err(error) => return warn!(%error, "failed to read the alerts channel"),
    };
    if let Err(error) = discord
        .send_alert(alerts_channel, channel_id, problem)
        .await
    {
        warn!(guild_id, alerts_channel, %error, "failed to tell the alerts channel");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daily::memory_port::{Bench, CHANNEL};

    fn nine_on(date: &str) -> (NaiveDate, DateTime<Utc>) {
        let date: NaiveDate = date.parse().unwrap();
        (date, date.and_hms_opt(9, 0, 0).unwrap().and_utc())
    }

    #[tokio::test]
    async fn a_daily_question_is_sent_once_with_its_lightbulb_and_thread() {
        let (date, nine) = nine_on("2026-06-01");
        let bench = Bench::at(nine).await;
        let (h, discord) = (&bench.handles, &bench.discord);

        let outcome = post_daily(h, discord, &bench.schedule, date, nine)
            .await
            .unwrap();
        let PostOutcome::Posted(post) = outcome else {
            panic!("the first pass posts: {outcome:?}");
        };
        let again = post_daily(h, discord, &bench.schedule, date, nine)
            .await
            .unwrap();

        assert!(matches!(again, PostOutcome::AlreadyPosted(ref p) if p.id == post.id));
        let stored = h.store.daily_post(post.id).await.unwrap().unwrap();
        assert_eq!(stored.message_id, post.message_id);
        assert!(stored.reacted && stored.thread_id.is_some());
        let state = discord.state();
        assert_eq!(state.sent, 1, "one message for the date");
        assert_eq!(state.lightbulbs, [(CHANNEL, post.message_id.unwrap())]);
        assert_eq!(state.threads.len(), 1);
    }

    #[tokio::test]
    async fn a_send_discord_refuses_gives_the_date_back() {
        let (date, nine) = nine_on("2026-06-01");
        let bench = Bench::at(nine).await;
        bench.discord.state().refuse_sends = Some("Missing Access".into());

        let failed = post_daily(&bench.handles, &bench.discord, &bench.schedule, date, nine).await;

        assert!(matches!(failed, Err(PostFailure::Refused(ref d)) if d == "Missing Access"));
        let claim = bench
            .handles
            .store
            .daily_post_on(CHANNEL, date)
            .await
            .unwrap();
        assert!(claim.is_none(), "nothing was posted: the day is skipped");
    }

    #[tokio::test]
    async fn a_message_sent_before_a_crash_is_adopted_and_not_sent_again() {
        let (date, nine) = nine_on("2026-06-01");
        let bench = Bench::at(nine).await;
        let (h, discord) = (&bench.handles, &bench.discord);
        discord.state().lose_next_send_answer = true;
        let lost = post_daily(h, discord, &bench.schedule, date, nine).await;
        assert!(matches!(lost, Err(PostFailure::Transient(_))), "{lost:?}");
        // Other talk arrives after the post before the retry.
        discord.post(CHANNEL, 77, nine);

        let claim = h.store.daily_post_on(CHANNEL, date).await.unwrap().unwrap();
        assert_eq!(claim.message_id, None, "the send was never confirmed");
        let finished = finish_post(h, discord, claim, true).await.unwrap();

        let state = discord.state();
        assert_eq!(state.sent, 1, "adopted, not sent again");
        let sent = &state.channels[&CHANNEL][0];
        assert_eq!(finished.message_id, Some(sent.id));
        assert!(finished.reacted && finished.thread_id.is_some());
    }

    #[tokio::test]
    async fn two_tasks_finishing_one_post_open_one_thread_and_both_succeed() {
        let (date, nine) = nine_on("2026-06-01");
        let bench = Bench::at(nine).await;
        let (h, discord) = (&bench.handles, &bench.discord);
        // A post sent and confirmed, without its 💡 and thread (a crash, or `/qotd
        // post` still at work when the scheduler's pass reads it).
        discord.state().lose_next_send_answer = true;
        let _ = post_daily(h, discord, &bench.schedule, date, nine).await;
        let claim = h.store.daily_post_on(CHANNEL, date).await.unwrap().unwrap();
        let sent = discord.state().channels[&CHANNEL][0].id;
        h.store.confirm_post_sent(claim.id, sent).await.unwrap();

        let (scheduler, command) = tokio::join!(
            finish_post(h, discord, claim.clone(), true),
            finish_post(h, discord, claim.clone(), false),
        );

        let (scheduler, command) = (scheduler.unwrap(), command.unwrap());
        assert_eq!(scheduler.thread_id, command.thread_id);
        let state = discord.state();
        assert_eq!(
            (state.sent, state.threads.len(), state.lightbulbs.len()),
            (1, 1, 1)
        );
    }

    #[tokio::test]
    async fn a_problem_is_told_to_the_alerts_channel_once() {
        let (_, nine) = nine_on("2026-06-01");
        let bench = Bench::at(nine).await;
        let (h, discord) = (&bench.handles, &bench.discord);
        h.store
            .set_alerts_channel(bench.schedule.guild_id, Some(99))
            .await
            .unwrap();

        alert(h, discord, &bench.schedule, "Missing Access", nine).await;
        let schedule = h.store.schedule(CHANNEL).await.unwrap().unwrap();
        alert(h, discord, &schedule, "Missing Access", nine).await;

        assert_eq!(schedule.alert.as_deref(), Some("Missing Access"));
        let alerts = discord.state().alerts.clone();
        assert_eq!(alerts, [(99, CHANNEL, "Missing Access".to_owned())]);
    }

    #[test]
    fn nonces_fit_discords_25_characters_and_differ_per_channel_and_date() {
        let date: NaiveDate = "2026-06-01".parse().unwrap();
        let a = nonce(1, date);
        assert!(a.len() <= 25);
        assert_eq!(a, nonce(1, date));
        assert_ne!(a, nonce(2, date));
        assert_ne!(a, nonce(1, date.succ_opt().unwrap()));
    }
}
