//! Daily posts: claiming a date, confirming the send, rotation and hint reveal state.

use chrono::{DateTime, NaiveDate, Utc};

use super::convert::{from_db_id, from_millis};
use super::error::{StorageError, StorageResult};
use crate::core::hint_reveal::{RevealReason, RevealRule};
use crate::core::question_stats::PostRecord;
use crate::core::rotation::RotationState;
use crate::core::rotation::{Pick, TOPIC_GAP};
use std::collections::HashMap;

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
    /// Answers are given privately and revealed together (SPEC §13): the channel's
    /// mode when the post was claimed.
    pub private_answers: bool,
    /// When the private answers were all shown in the thread.
    pub answers_shown_at: Option<DateTime<Utc>>,
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
    private_answers: bool,
    answers_shown_at: Option<i64>,
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
            private_answers: row.private_answers,
            answers_shown_at: row.answers_shown_at.map(from_millis),
        })
    }
}

/// The columns of [`PostRow`].
pub(super) const SELECT_POST: &str = "SELECT id, channel_id, guild_id, local_date, seq, question_id, pass, nonce, claimed_at, \
         message_id, thread_id, reacted, reveal_reactions, reveal_due_at, revealed_at, \
         reveal_reason, reveal_shown, private_answers, answers_shown_at FROM daily_posts";

pub(super) fn convert(rows: Vec<PostRow>) -> StorageResult<Vec<DailyPost>> {
    rows.into_iter().map(DailyPost::try_from).collect()
}

/// Daily posts: claiming a date before anything is sent, confirming the send, rotation, and the hint reveal, each exactly once.
#[async_trait::async_trait]
pub trait Posts: Send + Sync {
    /// Claims the channel's post for `local_date` before anything is sent.
    ///
    /// In one transaction: refuses a date that already has a post (the UNIQUE rule
    /// backs this up), numbers the post and advances the rotation pass. Streaks change
    /// only once Discord confirms the message ([`Store::confirm_post_sent`]).
    async fn claim_daily_post(
        &self,
        new: &NewDailyPost,
        now: DateTime<Utc>,
    ) -> StorageResult<ClaimOutcome>;
    /// Records the message Discord created for a claimed post: the question is now
    /// posted, so in the same transaction the channel's streaks it breaks are reset
    /// with `streak_rules::on_question_posted`.
    async fn confirm_post_sent(&self, post_id: i64, message_id: u64) -> StorageResult<()>;
    /// Deletes a claim whose message Discord refused for good (no permission, channel
    /// gone): nothing was posted, so the day is skipped and breaks no streak.
    /// Returns false when the post was already sent (then it stays).
    async fn release_claim(&self, post_id: i64) -> StorageResult<bool>;
    async fn record_post_thread(&self, post_id: i64, thread_id: u64) -> StorageResult<()>;
    async fn record_post_reacted(&self, post_id: i64) -> StorageResult<()>;
    /// Posts whose send was never confirmed (a crash between claim and send), whose
    /// reaction or thread is still missing, or whose claimed reveal was not shown: the
    /// work to finish after a restart or a failed call.
    async fn unfinished_posts(&self) -> StorageResult<Vec<DailyPost>>;
    async fn daily_post(&self, post_id: i64) -> StorageResult<Option<DailyPost>>;
    async fn daily_post_on(
        &self,
        channel_id: u64,
        local_date: NaiveDate,
    ) -> StorageResult<Option<DailyPost>>;
    async fn latest_daily_post(&self, channel_id: u64) -> StorageResult<Option<DailyPost>>;
    /// Every channel's latest sent daily post: the questions members can still answer.
    async fn latest_daily_posts(&self) -> StorageResult<Vec<DailyPost>>;
    /// The channel's rotation: its pass and what was asked (or skipped) in it.
    async fn rotation_state(&self, channel_id: u64) -> StorageResult<RotationState>;
    /// The rotation of every schedule of a server, by channel: three indexed queries in
    /// one read transaction, whatever the number of channels (`/qotd status`).
    async fn guild_rotation_states(
        &self,
        guild_id: u64,
    ) -> StorageResult<HashMap<u64, RotationState>>;
    /// Marks `pick` as asked without posting it (`/qotd skip`).
    async fn record_skip(
        &self,
        channel_id: u64,
        pick: &Pick,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
    /// Adds a distinct 💡 reactor; returns the number of distinct reactors.
    async fn add_reveal_reactor(&self, post_id: i64, user_id: u64) -> StorageResult<u32>;
    async fn remove_reveal_reactor(&self, post_id: i64, user_id: u64) -> StorageResult<u32>;
    async fn reveal_reactors(&self, post_id: i64) -> StorageResult<Vec<u64>>;
    /// Every daily post of a channel with its answer counts and its reveal
    /// (`/qotd stats`).
    async fn post_records(&self, channel_id: u64) -> StorageResult<Vec<PostRecord>>;
    /// Marks the hint revealed. True only for the one call that made the change, so the
    /// caller that gets true is the one that edits the message: a reveal happens once.
    async fn mark_revealed(
        &self,
        post_id: i64,
        reason: RevealReason,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Takes the showing of a revealed hint (the post's edit and the announcement in
    /// its thread) at `now`: true for one caller at a time, across processes, while
    /// the hint is not shown yet. A holder silent since `stale_before` (it crashed)
    /// has lost it.
    async fn take_reveal_show(
        &self,
        post_id: i64,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Gives back [`Posts::take_reveal_show`] after a failure, for the next try.
    async fn give_back_reveal_show(&self, post_id: i64) -> StorageResult<()>;
    /// Records that the revealed hint is on the post and announced in its thread.
    async fn mark_reveal_shown(&self, post_id: i64) -> StorageResult<()>;
    /// Sent posts whose timeout reveal is due at `now` and has not happened.
    async fn due_reveals(&self, now: DateTime<Utc>) -> StorageResult<Vec<DailyPost>>;
    /// Every pending timeout reveal still ahead of `now` (of the hint, or of private
    /// answers), as (server, due): at most one per channel (its open question), for the
    /// scheduler's next wake-up.
    async fn upcoming_reveals(
        &self,
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<(u64, DateTime<Utc>)>>;
}
