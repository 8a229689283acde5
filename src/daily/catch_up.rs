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

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use tracing::{info, warn};

use super::port::{DiscordPort, HistoryMessage, PAGE, PostFailure};
use super::reveal;
use crate::active_questions::ActivePost;
use crate::core::answering;
use crate::state::Handles;
use crate::storage::NewAnswer;

/// Channels read at once: catch-up shares Discord's rate limits with the posts.
const CONCURRENCY: usize = 8;
/// A thread holds answers only; 50 pages are 5,000 messages.
const THREAD_PAGES: usize = 50;
/// The channel holds other talk too; replies to the post come soon after it.
const CHANNEL_PAGES: usize = 2;
/// 💡 reactors read per question: far above any `reveal_reactions` (at most 25).
const REACTOR_PAGES: usize = 10;

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

/// Runs a catch-up, or asks the running one to run again; called on every READY (one
/// per shard).
#[tracing::instrument(skip_all)]
pub async fn after_ready(handles: &Handles, discord: &impl DiscordPort) {
    if !handles.catch_up.start() {
        return;
    }
    loop {
        let outcome = catch_up(handles, discord).await;
        if outcome.answers + outcome.reactors_changed + outcome.failed > 0 {
            info!(
                questions = outcome.questions,
                answers = outcome.answers,
                reactors_changed = outcome.reactors_changed,
                failed = outcome.failed,
                "read the answers posted while the bot was not listening"
            );
        }
        if !handles.catch_up.finish() {
            break;
        }
    }
}

/// Reads every open question's thread and replies, and queues the answers found.
pub async fn catch_up(handles: &Handles, discord: &impl DiscordPort) -> CatchUp {
    let posts: Vec<ActivePost> = handles
        .active
        .all()
        .into_iter()
        .filter(|post| handles.serves(post.guild_id))
        .collect();
    let mut outcome = CatchUp {
        questions: posts.len(),
        ..CatchUp::default()
    };
    let mut found = futures::stream::iter(posts)
        .map(|post| async move { (post, answers_to(discord, post).await) })
        .buffer_unordered(CONCURRENCY);
    while let Some((post, result)) = found.next().await {
        match result {
            Ok(answers) => outcome.answers += queue_new_answers(handles, post, answers),
            Err(error) => {
                warn!(channel_id = post.channel_id, %error, "cannot read a question's thread to find missed answers");
                outcome.failed += 1;
                continue;
            }
        }
        if !post.revealed {
            match sync_reactors(handles, discord, post).await {
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

/// Queues the answers the bot has not seen yet; returns how many.
fn queue_new_answers(
    handles: &Handles,
    post: ActivePost,
    answers: Vec<(u64, DateTime<Utc>)>,
) -> usize {
    let mut queued = 0;
    for (user_id, at) in answers {
        if handles.active.first_answer(post.post_id, user_id) {
            queued += 1;
            handles.answers.push(NewAnswer {
                post_id: post.post_id,
                user_id,
                at,
            });
        }
    }
    queued
}

/// Makes the recorded 💡 reactors of `post` those Discord lists now (members, not
/// bots), then reveals if that is enough. Returns how many were added or removed.
async fn sync_reactors(
    handles: &Handles,
    discord: &impl DiscordPort,
    post: ActivePost,
) -> Result<usize, PostFailure> {
    let mut now_reacting = HashSet::new();
    let mut after = None;
    for _ in 0..REACTOR_PAGES {
        let page = discord
            .lightbulb_reactors(post.channel_id, post.message_id, after)
            .await?;
        after = page.iter().map(|reactor| reactor.user_id).max();
        now_reacting.extend(page.iter().filter(|r| !r.bot).map(|r| r.user_id));
        if page.len() < PAGE || after.is_none() {
            break;
        }
    }
    let recorded: HashSet<u64> = handles
        .store
        .reveal_reactors(post.post_id)
        .await?
        .into_iter()
        .collect();
    let mut changed = 0;
    // Removals first: a scheduler pass between two of these writes must never see
    // more reactors than Discord lists (an added reactor beside one not yet removed
    // could reach the reveal count that neither set reaches).
    for user in recorded.difference(&now_reacting) {
        handles
            .store
            .remove_reveal_reactor(post.post_id, *user)
            .await?;
        changed += 1;
    }
    for user in now_reacting.difference(&recorded) {
        handles
            .store
            .add_reveal_reactor(post.post_id, *user)
            .await?;
        changed += 1;
    }
    if changed > 0 {
        reveal::reveal_if_due(handles, discord, post.post_id).await;
    }
    Ok(changed)
}

/// Each member's first answer to `post` (`answering::answers`), oldest first, with
/// the time Discord gives the message.
async fn answers_to(
    discord: &impl DiscordPort,
    post: ActivePost,
) -> Result<Vec<(u64, DateTime<Utc>)>, PostFailure> {
    let mut read = Vec::new();
    if let Some(thread) = post.thread_id {
        let page = read_after(discord, thread, post.message_id, THREAD_PAGES).await?;
        read.extend(page.into_iter().map(|m| (thread, m)));
    }
    let replies = read_after(discord, post.channel_id, post.message_id, CHANNEL_PAGES).await?;
    read.extend(replies.into_iter().map(|m| (post.channel_id, m)));
    let question = post.question();
    let mut answers: Vec<(u64, answering::Message)> = read
        .into_iter()
        .map(|(channel_id, m)| (m.id, m.seen_in(channel_id)))
        .filter(|(_, seen)| answering::answers(seen, &question))
        .collect();
    answers.sort_by_key(|(id, _)| *id);
    let mut seen = HashSet::new();
    Ok(answers
        .into_iter()
        .filter(|(_, m)| seen.insert(m.author_id))
        .map(|(_, m)| (m.author_id, m.at))
        .collect())
}

/// The messages of `channel` after `after`, up to `pages` pages.
async fn read_after(
    discord: &impl DiscordPort,
    channel: u64,
    after: u64,
    pages: usize,
) -> Result<Vec<HistoryMessage>, PostFailure> {
    let mut cursor = after;
    let mut all = Vec::new();
    for _ in 0..pages {
        let page = discord.messages_after(channel, cursor).await?;
        let full = page.len() == PAGE;
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
