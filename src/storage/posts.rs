//! Daily posts: claiming a date, confirming the send, rotation and hint reveal state.

use chrono::{DateTime, NaiveDate, Utc};

use super::convert::{from_db_id, from_millis};
use super::error::{StorageError, StorageResult};
use crate::core::hint_reveal::{RevealReason, RevealRule};
use crate::core::rotation::{Pick, TOPIC_GAP};

/// How many of a channel's latest posts the rotation looks back on (topic spacing).
pub(super) const RECENT_KEPT: i64 = TOPIC_GAP as i64 - 1;

/// A daily question of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyPost {
    pub id: i64,
    pub channel_id: u64,
    pub guild_id: u64,
    pub local_date: NaiveDate,
    /// Number in the channel's series, from 1.
    pub seq: i64,
    pub question_id: String,
    pub pass: u32,
    /// Sent with the message (`enforce_nonce`) so a retried send cannot post twice.
    pub nonce: String,
    pub claimed_at: DateTime<Utc>,
    /// Set once Discord confirmed the message.
    pub message_id: Option<u64>,
    pub thread_id: Option<u64>,
    pub reacted: bool,
    pub reveal_reactions: u32,
    pub reveal_due_at: DateTime<Utc>,
    pub revealed_at: Option<DateTime<Utc>>,
    pub reveal_reason: Option<RevealReason>,
    /// The revealed hint is on the post and announced in the thread.
    pub reveal_shown: bool,
}

/// What the scheduler wants to post.
#[derive(Debug, Clone)]
pub struct NewDailyPost {
    pub channel_id: u64,
    pub local_date: NaiveDate,
    pub pick: Pick,
    pub nonce: String,
    pub reveal: RevealRule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The date is ours: send the message.
    Claimed(DailyPost),
    /// The date already has a post (claimed by an earlier run or a concurrent call).
    AlreadyPosted(DailyPost),
}

#[derive(sqlx::FromRow)]
pub(super) struct PostRow {
    id: i64,
    channel_id: i64,
    guild_id: i64,
    local_date: String,
    seq: i64,
    question_id: String,
    pass: i64,
    nonce: String,
    claimed_at: i64,
    message_id: Option<i64>,
    thread_id: Option<i64>,
    reacted: bool,
    reveal_reactions: i64,
    reveal_due_at: i64,
    revealed_at: Option<i64>,
    reveal_reason: Option<String>,
    reveal_shown: bool,
}

impl TryFrom<PostRow> for DailyPost {
    type Error = StorageError;

    fn try_from(row: PostRow) -> Result<Self, Self::Error> {
        let corrupt = |what: &str| StorageError::Corrupt(format!("daily post {}: {what}", row.id));
        Ok(DailyPost {
            id: row.id,
            channel_id: from_db_id(row.channel_id),
            guild_id: from_db_id(row.guild_id),
            local_date: row.local_date.parse().map_err(|_| corrupt("local_date"))?,
            seq: row.seq,
            question_id: row.question_id,
            pass: u32::try_from(row.pass).map_err(|_| corrupt("pass"))?,
            nonce: row.nonce,
            claimed_at: from_millis(row.claimed_at),
            message_id: row.message_id.map(from_db_id),
            thread_id: row.thread_id.map(from_db_id),
            reacted: row.reacted,
            reveal_reactions: u32::try_from(row.reveal_reactions)
                .map_err(|_| corrupt("reveal_reactions"))?,
            reveal_due_at: from_millis(row.reveal_due_at),
            revealed_at: row.revealed_at.map(from_millis),
            reveal_reason: row.reveal_reason.as_deref().and_then(RevealReason::parse),
            reveal_shown: row.reveal_shown,
        })
    }
}

/// The columns of [`PostRow`].
macro_rules! select_post {
    () => {
        "SELECT id, channel_id, guild_id, local_date, seq, question_id, pass, nonce, claimed_at, \
         message_id, thread_id, reacted, reveal_reactions, reveal_due_at, revealed_at, \
         reveal_reason, reveal_shown FROM daily_posts"
    };
}

pub(super) fn convert(rows: Vec<PostRow>) -> StorageResult<Vec<DailyPost>> {
    rows.into_iter().map(DailyPost::try_from).collect()
}

pub(super) use select_post;
