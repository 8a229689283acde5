//! Answers, streaks and leaderboards.

use chrono::{DateTime, NaiveDate, Utc};

use super::convert::from_db_id;
use super::error::StorageResult;
use crate::core::ranking::{Ranked, Standing};
use crate::core::streak_rules::{MemberStreak, StoredStreak};

/// An answer to record: who answered which daily post, when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewAnswer {
    pub post_id: i64,
    pub user_id: u64,
    pub at: DateTime<Utc>,
}

/// What recording an answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerRecord {
    Counted {
        streak: MemberStreak,
        unaided: bool,
    },
    AlreadyAnswered,
    /// Stored, but the next question was already posted: the streak is unchanged.
    TooLate,
    /// No such daily post.
    UnknownPost,
}

/// A member's streak in one daily channel of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelStreak {
    pub channel_id: u64,
    pub streak: MemberStreak,
    /// The local date of the question the last spent freeze bridged.
    pub last_freeze_date: Option<NaiveDate>,
    /// When an admin last repaired this streak (`/qotd streak-set`).
    pub adjusted_at: Option<DateTime<Utc>>,
}

/// A streak repair: the values before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreakChange {
    pub before: MemberStreak,
    pub after: MemberStreak,
}

#[derive(sqlx::FromRow)]
pub(super) struct ChannelStreakRow {
    pub channel_id: i64,
    #[sqlx(flatten)]
    pub streak: StreakRow,
    pub last_freeze_date: Option<String>,
    pub adjusted_at: Option<i64>,
}

impl From<ChannelStreakRow> for ChannelStreak {
    fn from(row: ChannelStreakRow) -> Self {
        ChannelStreak {
            channel_id: from_db_id(row.channel_id),
            streak: row.streak.into(),
            last_freeze_date: row.last_freeze_date.and_then(|date| date.parse().ok()),
            adjusted_at: row.adjusted_at.map(super::convert::from_millis),
        }
    }
}

/// What the streak calendar draws of one member in one channel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarHistory {
    pub posts: Vec<crate::core::calendar::PostedDay>,
    /// The questions a freeze bridged for the member.
    pub frozen: std::collections::BTreeSet<i64>,
    /// The channel's latest question (still open).
    pub latest_seq: Option<i64>,
}

/// The top of a leaderboard and where the caller stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderboardPage {
    pub top: Vec<Ranked>,
    /// The caller's rank, also when outside the top (`None`: never answered).
    pub caller: Option<Ranked>,
    /// How many members (or teams) are ranked.
    pub ranked_count: u64,
}

#[derive(sqlx::FromRow)]
pub(super) struct StreakRow {
    pub current: i64,
    pub best: i64,
    pub total: i64,
    pub unaided: i64,
    pub last_answered_seq: Option<i64>,
    pub freezes: i64,
    pub last_kept_seq: Option<i64>,
    pub last_freeze_seq: Option<i64>,
}

/// The columns of [`StreakRow`] in `member_streaks` (aliased `m` where it is joined).
pub(super) const STREAK_COLUMNS: &str =
    "current, best, total, unaided, last_answered_seq, freezes, last_kept_seq, last_freeze_seq";

impl From<StreakRow> for MemberStreak {
    fn from(row: StreakRow) -> Self {
        let count = |n: i64| u32::try_from(n).unwrap_or(0);
        MemberStreak {
            current: count(row.current),
            best: count(row.best),
            total: count(row.total),
            unaided: count(row.unaided),
            last_answered_seq: row.last_answered_seq,
            freezes: count(row.freezes),
            last_kept_seq: row.last_kept_seq,
            last_freeze_seq: row.last_freeze_seq,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PostAndStreakRow {
    pub channel_id: i64,
    pub guild_id: i64,
    pub seq: i64,
    pub revealed_at: Option<i64>,
    pub latest_seq: i64,
    pub current: Option<i64>,
    pub best: Option<i64>,
    pub total: Option<i64>,
    pub unaided: Option<i64>,
    pub last_answered_seq: Option<i64>,
    pub freezes: Option<i64>,
    pub last_kept_seq: Option<i64>,
    pub last_freeze_seq: Option<i64>,
    /// The claim time of the post after this one, once it is posted.
    pub next_claimed_at: Option<i64>,
    /// `core::streak_rules::BeforePost` as JSON.
    pub before_latest_post: Option<String>,
}

impl PostAndStreakRow {
    /// The member's streak as stored, with what it was before the latest post.
    pub(super) fn stored(&self) -> StoredStreak {
        StoredStreak {
            streak: self.streak(),
            before_latest: self
                .before_latest_post
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok()),
        }
    }

    fn streak(&self) -> MemberStreak {
        match self.current {
            None => MemberStreak::default(),
            Some(current) => StreakRow {
                current,
                best: self.best.unwrap_or(0),
                total: self.total.unwrap_or(0),
                unaided: self.unaided.unwrap_or(0),
                last_answered_seq: self.last_answered_seq,
                freezes: self.freezes.unwrap_or(0),
                last_kept_seq: self.last_kept_seq,
                last_freeze_seq: self.last_freeze_seq,
            }
            .into(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct StandingRow {
    pub id: i64,
    pub current: i64,
    pub best: i64,
    pub total: i64,
}

impl From<StandingRow> for Standing {
    fn from(row: StandingRow) -> Self {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Standing {
            id: from_db_id(row.id),
            current: count(row.current),
            best: count(row.best),
            total: count(row.total),
        }
    }
}

/// Answers, streaks and leaderboards.
#[async_trait::async_trait]
pub trait Answers: Send + Sync {
    /// Records that `user_id` answered daily post `post_id` at `now` and updates their
    /// streak with `streak_rules::apply_answer`, in one transaction.
    async fn record_answer(
        &self,
        post_id: i64,
        user_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<AnswerRecord>;
    /// Records several answers in one transaction (one commit for a burst of answers),
    /// each exactly as [`Store::record_answer`] would, in order.
    async fn record_answers(&self, answers: &[NewAnswer]) -> StorageResult<Vec<AnswerRecord>>;
    /// When `user_id` answered `post_id`, if they did.
    async fn answered_at(&self, post_id: i64, user_id: u64)
    -> StorageResult<Option<DateTime<Utc>>>;
    async fn answer_count(&self, post_id: i64) -> StorageResult<u64>;
    /// A member's streak in one channel (zeros when they never answered there).
    async fn member_streak(&self, channel_id: u64, user_id: u64) -> StorageResult<MemberStreak>;
    /// A member's streak in every daily channel of a server.
    async fn member_streaks(
        &self,
        guild_id: u64,
        user_id: u64,
    ) -> StorageResult<Vec<ChannelStreak>>;
    /// The member leaderboard of one channel, or of the whole server (each member's
    /// streaks summed over its daily channels) when `channel_id` is `None`.
    async fn member_leaderboard(
        &self,
        guild_id: u64,
        channel_id: Option<u64>,
        caller_id: u64,
        limit: u32,
    ) -> StorageResult<LeaderboardPage>;

    /// Sets a member's current streak in a channel (`streak_rules::repaired`: best
    /// rises with it, a running streak stays alive) and records who changed it, when,
    /// from what to what, in the same transaction (`/qotd streak-set`).
    async fn set_streak(
        &self,
        channel_id: u64,
        user_id: u64,
        current: u32,
        admin_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<StreakChange>;

    /// A member's daily questions in a channel since `since` (a local date), the
    /// questions freezes bridged for them and the channel's latest question: what the
    /// streak calendar draws.
    async fn calendar_history(
        &self,
        channel_id: u64,
        user_id: u64,
        since: NaiveDate,
    ) -> StorageResult<CalendarHistory>;
}
