//! Posting a daily question, finishing it (reaction, thread), revealing its hint, and
//! telling admins when a channel cannot be served.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use poise::serenity_prelude as serenity;
use tracing::{debug, info, warn};

use super::{App, no_pings, render};
use crate::core::hint_reveal::RevealReason;
use crate::core::rotation;
use crate::storage::{ClaimOutcome, DailyPost, NewDailyPost, Schedule};

/// How a Discord call failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Discord refused for good (no permission, unknown channel): do not retry now.
    #[error("Discord refused: {0}")]
    Refused(String),
    /// A 5xx, a 429 or a network error: the outcome is unknown, retry later.
    #[error("Discord did not answer: {0}")]
    Transient(String),
    #[error("database: {0}")]
    Storage(#[from] crate::storage::StorageError),
}

impl SendError {
    fn from_serenity(error: serenity::Error) -> Self {
        if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) = &error {
            let status = response.status_code.as_u16();
            let detail = format!(
                "{} {} ({})",
                status, response.error.message, response.error.code
            );
            if (400..500).contains(&status) && status != 429 {
                return SendError::Refused(detail);
            }
            return SendError::Transient(detail);
        }
        SendError::Transient(error.to_string())
    }
}

/// Runs a Discord call, retrying 5xx/429/network failures a few times with backoff.
/// serenity's own rate limiter is off behind `DISCORD_API_PROXY`, so 429s land here.
pub async fn with_retries<T, F, Fut>(what: &str, mut call: F) -> Result<T, SendError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = serenity::Result<T>>,
{
    const ATTEMPTS: u32 = 4;
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=ATTEMPTS {
        match call().await.map_err(SendError::from_serenity) {
            Err(SendError::Transient(detail)) if attempt < ATTEMPTS => {
                debug!(what, attempt, %detail, "retrying a Discord call");
                tokio::time::sleep(delay).await;
                delay *= 3;
            }
            other => return other,
        }
    }
    unreachable!("the last attempt returns")
}

/// A nonce for a channel's post on a date: Discord allows at most 25 characters.
fn nonce(channel_id: u64, date: NaiveDate) -> String {
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

/// What posting a channel's daily question did.
#[derive(Debug)]
pub enum PostOutcome {
    Posted(DailyPost),
    /// The date already had its post.
    AlreadyPosted(DailyPost),
}

/// Claims `date` for the channel, then sends and finishes the post.
pub async fn post_daily(
    app: &App,
    http: &serenity::Http,
    schedule: &Schedule,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PostOutcome, PostFailure> {
    let eligible: Vec<&str> = app
        .bank
        .in_category(schedule.category.as_deref())
        .map(|q| q.id.as_str())
        .collect();
    let state = app
        .store
        .rotation_state(schedule.channel_id)
        .await
        .map_err(PostFailure::storage)?;
    let Some(pick) = rotation::next_question(eligible, &state, schedule.rotation_seed) else {
        let what = match &schedule.category {
            Some(category) => {
                format!("the question bank has no questions in category `{category}`")
            }
            None => "the question bank is empty".to_owned(),
        };
        return Err(PostFailure::Refused(what));
    };
    let new = NewDailyPost {
        channel_id: schedule.channel_id,
        local_date: date,
        pick,
        nonce: nonce(schedule.channel_id, date),
        reveal: schedule.reveal_rule(),
    };
    match app
        .store
        .claim_daily_post(&new, now)
        .await
        .map_err(PostFailure::storage)?
    {
        ClaimOutcome::AlreadyPosted(post) => Ok(PostOutcome::AlreadyPosted(post)),
        ClaimOutcome::Claimed(post) => {
            info!(guild_id = post.guild_id, channel_id = post.channel_id, seq = post.seq, question = %post.question_id, %date, "posting the daily question");
            finish_post(app, http, post, false)
                .await
                .map(PostOutcome::Posted)
        }
    }
}

/// Why a post could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PostFailure {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Transient(String),
    /// The database would not do its part (retried like a transient failure).
    #[error("{0}")]
    Database(crate::storage::StorageError),
}

impl PostFailure {
    fn storage(error: crate::storage::StorageError) -> Self {
        PostFailure::Database(error)
    }
}

impl From<SendError> for PostFailure {
    fn from(error: SendError) -> Self {
        match error {
            SendError::Refused(detail) => PostFailure::Refused(detail),
            SendError::Transient(detail) => PostFailure::Transient(detail),
            SendError::Storage(error) => PostFailure::storage(error),
        }
    }
}

/// Brings a claimed post to its finished state: message sent (exactly once), 💡 added,
/// thread opened, and a claimed reveal shown. Safe to call again after any failure or
/// crash: each step is recorded as it completes. `recovering` is set for a claim made
/// by an earlier pass or process: its message may already exist and is looked for
/// before sending (a fresh claim skips that lookup: it cannot have been sent).
pub async fn finish_post(
    app: &App,
    http: &serenity::Http,
    mut post: DailyPost,
    recovering: bool,
) -> Result<DailyPost, PostFailure> {
    let channel = serenity::ChannelId::new(post.channel_id);
    let Some(question) = app.bank.get_str(&post.question_id).cloned() else {
        // The question left the bank between the claim and the send: nothing was
        // posted, so give the date back and let the next pass pick another question.
        if post.message_id.is_none() {
            app.store
                .release_claim(post.id)
                .await
                .map_err(PostFailure::storage)?;
        }
        return Err(PostFailure::Transient(format!(
            "question `{}` is no longer in the bank",
            post.question_id
        )));
    };

    if post.message_id.is_none() {
        let found = if recovering {
            find_sent_message(app, http, &post).await?
        } else {
            None
        };
        let message_id = match found {
            Some(id) => id,
            None => {
                let hint = render::reveal_rule_text(post.reveal_reactions, post.reveal_due_at);
                let message = serenity::CreateMessage::new()
                    .embed(render::daily_embed(
                        &app.bank,
                        &question,
                        post.seq,
                        Err(hint),
                    ))
                    .nonce(serenity::Nonce::String(post.nonce.clone()))
                    .enforce_nonce(true)
                    .allowed_mentions(no_pings());
                match with_retries("send the daily question", || {
                    channel.send_message(http, message.clone())
                })
                .await
                {
                    Ok(message) => message.id.get(),
                    Err(SendError::Refused(detail)) => {
                        // Discord did not create the message: the day is skipped.
                        app.store
                            .release_claim(post.id)
                            .await
                            .map_err(PostFailure::storage)?;
                        return Err(PostFailure::Refused(detail));
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        };
        app.store
            .confirm_post_sent(post.id, message_id)
            .await
            .map_err(PostFailure::storage)?;
        post.message_id = Some(message_id);
        app.active.set(&post);
    }
    let message_id = serenity::MessageId::new(post.message_id.unwrap_or_default());

    if !post.reacted {
        let reaction = serenity::ReactionType::Unicode(render::LIGHTBULB.to_owned());
        with_retries("add the 💡 reaction", || {
            channel.create_reaction(http, message_id, reaction.clone())
        })
        .await?;
        app.store
            .record_post_reacted(post.id)
            .await
            .map_err(PostFailure::storage)?;
        post.reacted = true;
    }

    if post.thread_id.is_none() {
        let thread = serenity::CreateThread::new(render::thread_name(post.seq))
            .auto_archive_duration(serenity::AutoArchiveDuration::OneDay);
        let created = with_retries("open the answers thread", || {
            channel.create_thread_from_message(http, message_id, thread.clone())
        })
        .await;
        let thread_id = match created {
            Ok(thread) => thread.id.get(),
            // A crash after Discord opened the thread but before it was recorded: the
            // thread exists, and the message says which it is.
            Err(SendError::Refused(detail)) if recovering => {
                let message =
                    with_retries("read the post", || channel.message(http, message_id)).await?;
                match message.thread {
                    Some(thread) => thread.id.get(),
                    None => return Err(PostFailure::Refused(detail)),
                }
            }
            Err(other) => return Err(other.into()),
        };
        app.store
            .record_post_thread(post.id, thread_id)
            .await
            .map_err(PostFailure::storage)?;
        post.thread_id = Some(thread_id);
        app.active.set(&post);
    }

    if let (Some(reason), false) = (post.reveal_reason, post.reveal_shown) {
        show_reveal(app, http, &post, reason).await?;
        post.reveal_shown = true;
    }
    Ok(post)
}

/// A claim left unsent from a day that is over: if the message did go out (a crash
/// right after sending), adopt and finish it; otherwise the day is skipped.
pub async fn recover_or_skip(
    app: &App,
    http: &serenity::Http,
    post: DailyPost,
) -> Result<Option<DailyPost>, PostFailure> {
    if find_sent_message(app, http, &post).await?.is_some() {
        return finish_post(app, http, post, true).await.map(Some);
    }
    info!(guild_id = post.guild_id, channel_id = post.channel_id, date = %post.local_date, "the day ended before its post was sent; skipping it");
    app.store
        .release_claim(post.id)
        .await
        .map_err(PostFailure::storage)?;
    Ok(None)
}

/// After a crash between claim and confirm, the message may exist: look for it among
/// the channel's latest messages (our nonce, or our title for this series number)
/// before sending again, so a resend can never post twice. A busy channel may have
/// moved on since, so up to [`RECOVERY_PAGES`] pages are read, newest first. When the
/// channel cannot be read, that is an error, not "not sent": a blind resend could post
/// twice once Discord's nonce window (minutes) has passed.
async fn find_sent_message(
    app: &App,
    http: &serenity::Http,
    post: &DailyPost,
) -> Result<Option<u64>, SendError> {
    let channel = serenity::ChannelId::new(post.channel_id);
    let bot_id = bot_user_id(app, http).await?;
    let title = render::daily_title(post.seq);
    let ours = |message: &serenity::Message| {
        message.author.id == bot_id
            && (matches!(&message.nonce, Some(serenity::Nonce::String(n)) if *n == post.nonce)
                || message.embeds.first().and_then(|e| e.title.as_deref()) == Some(title.as_str()))
    };
    let mut before = None;
    for _ in 0..RECOVERY_PAGES {
        let mut request = serenity::GetMessages::new().limit(100);
        if let Some(before) = before {
            request = request.before(before);
        }
        let page = with_retries("list recent messages", || channel.messages(http, request)).await?;
        if let Some(message) = page.iter().find(|m| ours(m)) {
            return Ok(Some(message.id.get()));
        }
        if page.len() < 100 {
            break;
        }
        before = page.iter().map(|m| m.id).min();
    }
    Ok(None)
}

/// How many pages of 100 messages crash recovery reads looking for a post it may
/// have sent. A claim is usually recovered minutes after the crash; 500 messages is
/// more than all but the busiest channel sees in that time. Beyond them the post is
/// sent again, with its nonce (Discord drops it if its nonce window is still open).
const RECOVERY_PAGES: usize = 5;

/// The bot's own user id, asked of Discord once per process.
async fn bot_user_id(app: &App, http: &serenity::Http) -> Result<serenity::UserId, SendError> {
    if let Some(id) = app.bot_user_id.get() {
        return Ok(serenity::UserId::new(*id));
    }
    let user = with_retries("read the bot's user", || http.get_current_user()).await?;
    let _ = app.bot_user_id.set(user.id.get());
    Ok(user.id)
}

/// Reveals a daily post's hint, exactly once: only the caller that records the reveal
/// edits the post and announces it. Returns whether this call revealed it.
pub async fn reveal(
    app: &App,
    http: &serenity::Http,
    post: &DailyPost,
    reason: RevealReason,
    now: DateTime<Utc>,
) -> Result<bool, SendError> {
    if !app.store.mark_revealed(post.id, reason, now).await? {
        app.active.mark_revealed(post.id);
        return Ok(false);
    }
    app.active.mark_revealed(post.id);
    info!(
        guild_id = post.guild_id,
        channel_id = post.channel_id,
        seq = post.seq,
        reason = reason.as_str(),
        "revealing the hint"
    );
    show_reveal(app, http, post, reason).await?;
    Ok(true)
}

/// Puts the hint on the post and announces it in the thread.
async fn show_reveal(
    app: &App,
    http: &serenity::Http,
    post: &DailyPost,
    reason: RevealReason,
) -> Result<(), SendError> {
    let (Some(message_id), Some(question)) = (post.message_id, app.bank.get_str(&post.question_id))
    else {
        return Ok(());
    };
    let channel = serenity::ChannelId::new(post.channel_id);
    let edit = serenity::EditMessage::new()
        .embed(render::daily_embed(
            &app.bank,
            question,
            post.seq,
            Ok(&question.hint),
        ))
        .allowed_mentions(no_pings());
    with_retries("edit the post to show the hint", || {
        channel.edit_message(http, message_id, edit.clone())
    })
    .await?;
    if let Some(thread) = post.thread_id {
        let announcement = serenity::CreateMessage::new()
            .content(render::reveal_announcement(&question.hint, reason))
            .allowed_mentions(no_pings());
        with_retries("announce the hint", || {
            serenity::ChannelId::new(thread).send_message(http, announcement.clone())
        })
        .await?;
    }
    app.store.mark_reveal_shown(post.id).await?;
    Ok(())
}

/// Records a problem that keeps a channel from posting: a warning for the operator,
/// the alert on the schedule (for `/qotd status`), and a message in the server's alerts
/// channel when one is set — once per distinct problem, not on every retry.
pub async fn alert(
    app: &App,
    http: &serenity::Http,
    schedule: &Schedule,
    problem: &str,
    now: DateTime<Utc>,
) {
    warn!(guild_id = schedule.guild_id, channel_id = schedule.channel_id, %problem, "cannot post the daily question");
    if schedule.alert.as_deref() == Some(problem) {
        return;
    }
    if let Err(error) = app
        .store
        .set_schedule_alert(schedule.channel_id, problem, now)
        .await
    {
        warn!(%error, "failed to record the alert");
    }
    let alerts_channel = match app.store.alerts_channel(schedule.guild_id).await {
        Ok(Some(channel)) => channel,
        Ok(None) => return,
        Err(error) => {
            warn!(%error, "failed to read the alerts channel");
            return;
        }
    };
    let message = serenity::CreateMessage::new()
        .content(format!(
            "⚠️ I could not post today's question in <#{}>: {problem}. The schedule is kept; I will try again.",
            schedule.channel_id
        ))
        .allowed_mentions(no_pings());
    if let Err(error) = with_retries("tell the alerts channel", || {
        serenity::ChannelId::new(alerts_channel).send_message(http, message.clone())
    })
    .await
    {
        warn!(guild_id = schedule.guild_id, alerts_channel, %error, "failed to tell the alerts channel");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
