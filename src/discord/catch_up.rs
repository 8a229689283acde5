//! Answers and 💡 reactions members posted while the bot was not listening.
//!
//! Discord does not replay the events of a gateway session that ended: a member who
//! answered while the bot was restarting, or during a reconnect that could not resume,
//! would lose their streak. After every READY the bot reads each open question's
//! thread, and the replies to its post, since the post, and records the answers it
//! finds with the time Discord gives each message. Answers it already has change
//! nothing. For a hint not yet revealed it also reads who reacted 💡 now, makes the
//! recorded reactors match, and reveals when there are enough. The scheduler waits
//! for the first catch-up before posting, because a new question ends the previous
//! one's answers.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use poise::serenity_prelude as serenity;
use tokio::sync::watch;
use tracing::{info, warn};

use super::daily::{SendError, with_retries};
use super::{App, render};
use crate::active_questions::ActivePost;
use crate::storage::NewAnswer;

/// Channels read at once: catch-up shares Discord's rate limits with the posts.
const CONCURRENCY: usize = 8;
/// A thread holds answers only; 50 pages are 5,000 messages.
const THREAD_PAGES: usize = 50;
/// The channel holds other talk too; replies to the post come soon after it.
const CHANNEL_PAGES: usize = 2;
const PAGE: u8 = 100;
/// 💡 reactors read per question: far above any `reveal_reactions` (at most 25).
const REACTOR_PAGES: usize = 10;

/// Whether a catch-up is running, and whether the first one finished.
#[derive(Debug)]
pub struct CatchUpState {
    running: AtomicBool,
    first_done: watch::Sender<bool>,
}

impl Default for CatchUpState {
    fn default() -> Self {
        Self {
            running: AtomicBool::new(false),
            first_done: watch::Sender::new(false),
        }
    }
}

impl CatchUpState {
    /// Waits until the first catch-up of the process finished, at most `limit`.
    pub async fn wait_first(&self, limit: Duration) {
        let mut done = self.first_done.subscribe();
        if tokio::time::timeout(limit, done.wait_for(|done| *done))
            .await
            .is_err()
        {
            warn!(
                "no gateway session after {} s; posting without reading missed answers first",
                limit.as_secs()
            );
        }
    }
}

/// What one catch-up found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CatchUp {
    pub questions: usize,
    /// Answers not seen before this catch-up (recorded, or already on record).
    pub answers: usize,
    /// 💡 reactors recorded or dropped to match Discord.
    pub reactors_changed: usize,
    /// Channels or threads Discord would not list.
    pub failed: usize,
}

/// Runs a catch-up unless one is running; called on every READY.
pub async fn after_ready(app: &App, http: &serenity::Http) {
    if app.catch_up.running.swap(true, Ordering::SeqCst) {
        return;
    }
    let outcome = catch_up(app, http).await;
    if outcome.answers + outcome.reactors_changed + outcome.failed > 0 {
        info!(
            questions = outcome.questions,
            answers = outcome.answers,
            reactors_changed = outcome.reactors_changed,
            failed = outcome.failed,
            "read the answers posted while the bot was not listening"
        );
    }
    app.catch_up.running.store(false, Ordering::SeqCst);
    app.catch_up.first_done.send_replace(true);
}

/// Reads every open question's thread and replies, and queues the answers found.
pub async fn catch_up(app: &App, http: &serenity::Http) -> CatchUp {
    let posts: Vec<ActivePost> = app
        .active
        .all()
        .into_iter()
        .filter(|post| !app.guilds.is_absent(post.guild_id))
        .collect();
    let mut outcome = CatchUp {
        questions: posts.len(),
        ..CatchUp::default()
    };
    let mut found = futures::stream::iter(posts)
        .map(|post| async move { (post, answers_to(http, post).await) })
        .buffer_unordered(CONCURRENCY);
    while let Some((post, result)) = found.next().await {
        let answers = match result {
            Ok(answers) => answers,
            Err(error) => {
                warn!(channel_id = post.channel_id, %error, "cannot read a question's thread to find missed answers");
                outcome.failed += 1;
                continue;
            }
        };
        for (user_id, at) in answers {
            if app.active.first_answer(post.post_id, user_id) {
                outcome.answers += 1;
                app.answers.push(NewAnswer {
                    post_id: post.post_id,
                    user_id,
                    at,
                });
            }
        }
        if !post.revealed {
            match sync_reactors(app, http, post).await {
                Ok(changed) => outcome.reactors_changed += changed,
                Err(error) => {
                    warn!(channel_id = post.channel_id, %error, "cannot read a question's 💡 reactions");
                    outcome.failed += 1;
                }
            }
        }
    }
    outcome
}

/// Makes the recorded 💡 reactors of `post` those Discord lists now (members, not
/// bots), then reveals if that is enough. Returns how many were added or removed.
async fn sync_reactors(
    app: &App,
    http: &serenity::Http,
    post: ActivePost,
) -> Result<usize, anyhow::Error> {
    let channel = serenity::ChannelId::new(post.channel_id);
    let message = serenity::MessageId::new(post.message_id);
    let lightbulb = serenity::ReactionType::Unicode(render::LIGHTBULB.to_owned());
    let mut now_reacting = HashSet::new();
    let mut after = None;
    for _ in 0..REACTOR_PAGES {
        let page = with_retries("read 💡 reactions to catch up", || {
            channel.reaction_users(http, message, lightbulb.clone(), Some(PAGE), after)
        })
        .await?;
        let full = page.len() == usize::from(PAGE);
        after = page.iter().map(|user| user.id).max();
        now_reacting.extend(
            page.iter()
                .filter(|user| !user.bot)
                .map(|user| user.id.get()),
        );
        if !full || after.is_none() {
            break;
        }
    }
    let recorded: HashSet<u64> = app
        .store
        .reveal_reactors(post.post_id)
        .await?
        .into_iter()
        .collect();
    let mut changed = 0;
    for user in now_reacting.difference(&recorded) {
        app.store.add_reveal_reactor(post.post_id, *user).await?;
        changed += 1;
    }
    for user in recorded.difference(&now_reacting) {
        app.store.remove_reveal_reactor(post.post_id, *user).await?;
        changed += 1;
    }
    if changed > 0 {
        super::events::reveal_if_due(app, http, post.post_id).await;
    }
    Ok(changed)
}

/// Each member's first answer to `post`: their first message in its thread or reply
/// to it, oldest first.
async fn answers_to(
    http: &serenity::Http,
    post: ActivePost,
) -> Result<Vec<(u64, DateTime<Utc>)>, SendError> {
    let after = serenity::MessageId::new(post.message_id);
    let mut messages = Vec::new();
    if let Some(thread) = post.thread_id {
        messages.extend(read_after(http, thread, after, THREAD_PAGES).await?);
    }
    messages.extend(
        read_after(http, post.channel_id, after, CHANNEL_PAGES)
            .await?
            .into_iter()
            .filter(|m| {
                m.message_reference
                    .as_ref()
                    .and_then(|r| r.message_id)
                    .is_some_and(|id| id == after)
            }),
    );
    messages.retain(super::events::is_member_message);
    messages.sort_by_key(|m| m.id);
    let mut seen = HashSet::new();
    Ok(messages
        .into_iter()
        .filter(|m| seen.insert(m.author.id))
        .map(|m| (m.author.id.get(), *m.timestamp))
        .collect())
}

/// The messages of `channel` after `after`, up to `pages` pages.
async fn read_after(
    http: &serenity::Http,
    channel: u64,
    after: serenity::MessageId,
    pages: usize,
) -> Result<Vec<serenity::Message>, SendError> {
    let channel = serenity::ChannelId::new(channel);
    let mut cursor = after;
    let mut all = Vec::new();
    for _ in 0..pages {
        let page = with_retries("read messages to catch up", || {
            channel.messages(http, serenity::GetMessages::new().after(cursor).limit(PAGE))
        })
        .await?;
        let full = page.len() == usize::from(PAGE);
        match page.iter().map(|m| m.id).max() {
            Some(newest) => cursor = newest,
            None => break,
        }
        all.extend(page);
        if !full {
            break;
        }
    }
    Ok(all)
}
