//! The [`Store`]: the bot's database, on SQLite or PostgreSQL, behind one API.
//!
//! Each backend compiles the same queries (`queries/`) against its own driver, with
//! its own migrations and the few statements that differ; `Store` picks one by the
//! scheme of `DATABASE_URL` and hands every call to it.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use super::answers::{
    AnswerRecord, CalendarHistory, ChannelStreak, LeaderboardPage, NewAnswer, StreakChange,
};
use super::error::{StorageError, StorageResult};
use super::postgres;
use super::posts::{ClaimOutcome, DailyPost, NewDailyPost};
use super::practice::{CardRating, RateOutcome};
use super::quizzes::QuizPost;
use super::schedules::{Schedule, ScheduleSettings};
use super::sqlite;
use super::suggestions::{DecideOutcome, Decision, FileOutcome, NewSuggestion, Suggestion};
use super::teams::{RankedTeam, Team, TeamError};
use crate::core::hint_reveal::RevealReason;
use crate::core::practice::{DeckCard, Rating};
use crate::core::question_stats::PostRecord;
use crate::core::rotation::{Pick, RotationState};
use crate::core::streak_rules::MemberStreak;
use crate::core::team_name::TeamName;

/// The bot's database.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlite::Backend),
    Postgres(postgres::Backend),
}

/// The connection pool under a [`Store`], for tools and tests that run their own SQL.
pub enum Pool<'a> {
    Sqlite(&'a sqlx::SqlitePool),
    Postgres(&'a sqlx::PgPool),
}

/// Which database a `DATABASE_URL` names, by its scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// `sqlite` or `postgres` (a metric label).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH`, created if missing, or
    /// `postgres://…`) and applies its backend's migrations.
    pub async fn open(url: &str) -> StorageResult<Self> {
        let backend = match DatabaseKind::of_url(url) {
            Some(DatabaseKind::Sqlite) => Backend::Sqlite(sqlite::Backend::open(url).await?),
            Some(DatabaseKind::Postgres) => Backend::Postgres(postgres::Backend::open(url).await?),
            None => {
                return Err(StorageError::InvalidUrl(
                    "expected sqlite://PATH or postgres://USER@HOST/DATABASE".into(),
                ));
            }
        };
        Ok(Self { backend })
    }

    /// Opens a SQLite database file by path (tests and tools).
    pub async fn open_path(path: &Path) -> StorageResult<Self> {
        Self::open(&format!("sqlite://{}", path.display())).await
    }

    pub fn kind(&self) -> DatabaseKind {
        match &self.backend {
            Backend::Sqlite(_) => DatabaseKind::Sqlite,
            Backend::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    pub fn pool(&self) -> Pool<'_> {
        match &self.backend {
            Backend::Sqlite(db) => Pool::Sqlite(db.pool()),
            Backend::Postgres(db) => Pool::Postgres(db.pool()),
        }
    }

    /// The schedule of `channel_id` if the channel is one of server `guild_id`'s: the
    /// one lookup for "is this channel a daily channel of this server" (a channel id
    /// from a member is hostile: it may be another server's). A removed schedule is
    /// returned too, with `removed` set, for the callers that restore or show history.
    pub async fn schedule_in(
        &self,
        guild_id: u64,
        channel_id: u64,
    ) -> StorageResult<Option<Schedule>> {
        Ok(self
            .schedule(channel_id)
            .await?
            .filter(|schedule| schedule.guild_id == guild_id))
    }

    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(db) => db.close().await,
            Backend::Postgres(db) => db.close().await,
        }
    }
}

/// Hands each listed method to the backend's method of the same name.
macro_rules! delegate {
    ($(
    $(#[$meta:meta])*
    pub async fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
    impl Store {
        $(
            $(#[$meta])*
            pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                match &self.backend {
                    Backend::Sqlite(db) => db.$name($($arg),*).await,
                    Backend::Postgres(db) => db.$name($($arg),*).await,
                }
            }
        )*
    }
    };
}

delegate! {
    /// Commits a write that changes nothing: fails when the database cannot be
    /// written now (a read-only or full disk, a file locked by another process, a
    /// PostgreSQL server that is away or read-only). SQLite opens a file it cannot
    /// write read-only without a word, so only a real commit tells.
    pub async fn check_writable(&self) -> StorageResult<()>;

    // Schedules
    /// Creates or updates a channel's schedule (and re-activates a removed one).
    ///
    /// `active_since` becomes `now`: a post time that already passed today is not owed,
    /// so the next post is the next occurrence of the (new) time.
    pub async fn upsert_schedule(&self, settings: &ScheduleSettings, now: DateTime<Utc>) -> StorageResult<Schedule>;
    pub async fn schedule(&self, channel_id: u64) -> StorageResult<Option<Schedule>>;
    /// The server's schedules that were not removed, by channel id.
    pub async fn guild_schedules(&self, guild_id: u64) -> StorageResult<Vec<Schedule>>;
    /// Every schedule of every server that was not removed (paused ones included).
    pub async fn all_schedules(&self) -> StorageResult<Vec<Schedule>>;
    /// Pauses or resumes; resuming owes no post time that passed while paused.
    /// Returns false when the channel has no (unremoved) schedule.
    pub async fn set_paused(&self, channel_id: u64, paused: bool, now: DateTime<Utc>) -> StorageResult<bool>;
    /// Stops a schedule, keeping its history. Returns false when there was none.
    pub async fn remove_schedule(&self, channel_id: u64, now: DateTime<Utc>) -> StorageResult<bool>;
    /// Records the problem that keeps a channel from posting (shown by `/qotd status`).
    pub async fn set_schedule_alert(&self, channel_id: u64, alert: &str, now: DateTime<Utc>) -> StorageResult<()>;
    pub async fn clear_schedule_alert(&self, channel_id: u64) -> StorageResult<()>;

    // Daily posts and reveals
    /// Claims the channel's post for `local_date` before anything is sent.
    ///
    /// In one transaction: refuses a date that already has a post (the UNIQUE rule
    /// backs this up), numbers the post and advances the rotation pass. Streaks change
    /// only once Discord confirms the message ([`Store::confirm_post_sent`]).
    pub async fn claim_daily_post(&self, new: &NewDailyPost, now: DateTime<Utc>) -> StorageResult<ClaimOutcome>;
    /// Records the message Discord created for a claimed post: the question is now
    /// posted, so in the same transaction the channel's streaks it breaks are reset
    /// with `streak_rules::on_question_posted`.
    pub async fn confirm_post_sent(&self, post_id: i64, message_id: u64) -> StorageResult<()>;
    /// Deletes a claim whose message Discord refused for good (no permission, channel
    /// gone): nothing was posted, so the day is skipped and breaks no streak.
    /// Returns false when the post was already sent (then it stays).
    pub async fn release_claim(&self, post_id: i64) -> StorageResult<bool>;
    pub async fn record_post_thread(&self, post_id: i64, thread_id: u64) -> StorageResult<()>;
    pub async fn record_post_reacted(&self, post_id: i64) -> StorageResult<()>;
    /// Posts whose send was never confirmed (a crash between claim and send), whose
    /// reaction or thread is still missing, or whose claimed reveal was not shown: the
    /// work to finish after a restart or a failed call.
    pub async fn unfinished_posts(&self) -> StorageResult<Vec<DailyPost>>;
    pub async fn daily_post(&self, post_id: i64) -> StorageResult<Option<DailyPost>>;
    pub async fn daily_post_on(&self, channel_id: u64, local_date: NaiveDate) -> StorageResult<Option<DailyPost>>;
    pub async fn latest_daily_post(&self, channel_id: u64) -> StorageResult<Option<DailyPost>>;
    /// Every channel's latest sent daily post: the questions members can still answer.
    pub async fn latest_daily_posts(&self) -> StorageResult<Vec<DailyPost>>;
    /// The channel's rotation: its pass and what was asked (or skipped) in it.
    pub async fn rotation_state(&self, channel_id: u64) -> StorageResult<RotationState>;
    /// The rotation of every schedule of a server, by channel: three indexed queries in
    /// one read transaction, whatever the number of channels (`/qotd status`).
    pub async fn guild_rotation_states(&self, guild_id: u64) -> StorageResult<HashMap<u64, RotationState>>;
    /// Marks `pick` as asked without posting it (`/qotd skip`).
    pub async fn record_skip(&self, channel_id: u64, pick: &Pick, now: DateTime<Utc>) -> StorageResult<()>;
    /// Adds a distinct 💡 reactor; returns the number of distinct reactors.
    pub async fn add_reveal_reactor(&self, post_id: i64, user_id: u64) -> StorageResult<u32>;
    pub async fn remove_reveal_reactor(&self, post_id: i64, user_id: u64) -> StorageResult<u32>;
    pub async fn reveal_reactors(&self, post_id: i64) -> StorageResult<Vec<u64>>;
    /// Every daily post of a channel with its answer counts and its reveal
    /// (`/qotd stats`).
    pub async fn post_records(&self, channel_id: u64) -> StorageResult<Vec<PostRecord>>;
    /// Marks the hint revealed. True only for the one call that made the change, so the
    /// caller that gets true is the one that edits the message: a reveal happens once.
    pub async fn mark_revealed(&self, post_id: i64, reason: RevealReason, now: DateTime<Utc>) -> StorageResult<bool>;
    /// Records that the revealed hint is on the post and announced in its thread.
    pub async fn mark_reveal_shown(&self, post_id: i64) -> StorageResult<()>;
    /// Sent posts whose timeout reveal is due at `now` and has not happened.
    pub async fn due_reveals(&self, now: DateTime<Utc>) -> StorageResult<Vec<DailyPost>>;
    /// Every pending timeout reveal still ahead of `now`, as (server, due): at most one
    /// per channel (its open question), for the scheduler's next wake-up.
    pub async fn upcoming_reveals(&self, now: DateTime<Utc>) -> StorageResult<Vec<(u64, DateTime<Utc>)>>;

    // Answers, streaks and leaderboards
    /// Records that `user_id` answered daily post `post_id` at `now` and updates their
    /// streak with `streak_rules::apply_answer`, in one transaction.
    pub async fn record_answer(&self, post_id: i64, user_id: u64, now: DateTime<Utc>) -> StorageResult<AnswerRecord>;
    /// Records several answers in one transaction (one commit for a burst of answers),
    /// each exactly as [`Store::record_answer`] would, in order.
    pub async fn record_answers(&self, answers: &[NewAnswer]) -> StorageResult<Vec<AnswerRecord>>;
    /// When `user_id` answered `post_id`, if they did.
    pub async fn answered_at(&self, post_id: i64, user_id: u64) -> StorageResult<Option<DateTime<Utc>>>;
    pub async fn answer_count(&self, post_id: i64) -> StorageResult<u64>;
    /// A member's streak in one channel (zeros when they never answered there).
    pub async fn member_streak(&self, channel_id: u64, user_id: u64) -> StorageResult<MemberStreak>;
    /// A member's streak in every daily channel of a server.
    pub async fn member_streaks(&self, guild_id: u64, user_id: u64) -> StorageResult<Vec<ChannelStreak>>;
    /// The member leaderboard of one channel, or of the whole server (each member's
    /// streaks summed over its daily channels) when `channel_id` is `None`.
    pub async fn member_leaderboard(&self, guild_id: u64, channel_id: Option<u64>, caller_id: u64, limit: u32) -> StorageResult<LeaderboardPage>;

    /// Sets a member's current streak in a channel (`streak_rules::repaired`: best
    /// rises with it, a running streak stays alive) and records who changed it, when,
    /// from what to what, in the same transaction (`/qotd streak-set`).
    pub async fn set_streak(&self, channel_id: u64, user_id: u64, current: u32, admin_id: u64, now: DateTime<Utc>) -> StorageResult<StreakChange>;

    /// A member's daily questions in a channel since `since` (a local date), the
    /// questions freezes bridged for them and the channel's latest question: what the
    /// streak calendar draws.
    pub async fn calendar_history(&self, channel_id: u64, user_id: u64, since: NaiveDate) -> StorageResult<CalendarHistory>;

    // Practice (SPEC §8)
    /// A member's deck in a server.
    pub async fn practice_deck(&self, guild_id: u64, user_id: u64) -> StorageResult<Vec<DeckCard>>;
    /// When and how a member reviewed since `since`.
    pub async fn practice_reviews_since(&self, guild_id: u64, user_id: u64, since: DateTime<Utc>) -> StorageResult<Vec<(DateTime<Utc>, Rating)>>;
    /// Puts the member's daily answers not yet in their deck into it, oldest first,
    /// each reviewed at the time it was given (unaided Good, after the hint Hard);
    /// returns how many. Takes no write lock when there are none.
    pub async fn feed_practice(&self, guild_id: u64, user_id: u64) -> StorageResult<u32>;
    /// The questions this server has asked in its daily channels with their hint out,
    /// in the order first asked: the questions practice may show as new cards.
    pub async fn practice_questions(&self, guild_id: u64) -> StorageResult<Vec<String>>;
    /// Rates a card as shown at version `seen_reps` (0: a new card) and records the
    /// review, in one transaction; a stale version or a new card past today's limit
    /// (since `day_start`) changes nothing.
    pub async fn rate_practice_card(&self, rated: &CardRating<'_>, now: DateTime<Utc>, day_start: DateTime<Utc>) -> StorageResult<RateOutcome>;

    // Quiz posts
    pub async fn record_quiz(&self, quiz: &QuizPost) -> StorageResult<()>;
    pub async fn quiz(&self, message_id: u64) -> StorageResult<Option<QuizPost>>;
    /// Quizzes posted since `since` whose hint is not revealed: indexed at start so a
    /// 💡 on one still counts after a restart.
    pub async fn open_quiz_ids(&self, since: DateTime<Utc>) -> StorageResult<Vec<u64>>;
    /// Adds a 💡 reactor to a quiz; returns the number of distinct reactors.
    pub async fn add_quiz_reactor(&self, message_id: u64, user_id: u64) -> StorageResult<u32>;
    /// Marks a quiz's hint revealed; true only for the one call that did it.
    pub async fn mark_quiz_revealed(&self, message_id: u64, now: DateTime<Utc>) -> StorageResult<bool>;

    // Suggestions (SPEC §10)
    /// Files a checked suggestion as pending, unless the member already has
    /// `suggestion::MAX_PENDING` waiting (checked in the same transaction).
    pub async fn file_suggestion(&self, new: &NewSuggestion<'_>, now: DateTime<Utc>) -> StorageResult<FileOutcome>;
    /// A member's suggestions in a server, newest first (at most 25).
    pub async fn member_suggestions(&self, guild_id: u64, user_id: u64) -> StorageResult<Vec<Suggestion>>;
    /// A server's pending suggestions, oldest first (at most 25).
    pub async fn pending_suggestions(&self, guild_id: u64) -> StorageResult<Vec<Suggestion>>;
    /// How many suggestions of a server wait for a decision.
    pub async fn pending_suggestion_count(&self, guild_id: u64) -> StorageResult<u64>;
    /// Suggestion `id` of server `guild_id` (another server's is not found).
    pub async fn suggestion(&self, guild_id: u64, id: i64) -> StorageResult<Option<Suggestion>>;
    /// A server's approved suggestions: questions of its banks.
    pub async fn approved_suggestions(&self, guild_id: u64) -> StorageResult<Vec<Suggestion>>;
    /// The approved suggestion of a server with question id `question_id`, if any.
    pub async fn approved_suggestion(&self, guild_id: u64, question_id: &str) -> StorageResult<Option<Suggestion>>;
    /// Approves or rejects a pending suggestion of server `guild_id`; only the first
    /// decision counts.
    pub async fn decide_suggestion(&self, guild_id: u64, id: i64, decision: &Decision, admin_id: u64, now: DateTime<Utc>) -> StorageResult<DecideOutcome>;

    // Teams
    pub async fn create_team(&self, guild_id: u64, name: &TeamName, now: DateTime<Utc>) -> Result<Team, TeamError>;
    /// Deletes a team; its members become teamless.
    pub async fn delete_team(&self, guild_id: u64, name: &TeamName) -> Result<Team, TeamError>;
    pub async fn team(&self, guild_id: u64, name: &TeamName) -> StorageResult<Option<Team>>;
    /// The server's teams by name.
    pub async fn teams(&self, guild_id: u64) -> StorageResult<Vec<Team>>;
    /// Joins `name`, leaving any other team of the server.
    pub async fn join_team(&self, guild_id: u64, user_id: u64, name: &TeamName, now: DateTime<Utc>) -> Result<Team, TeamError>;
    /// Leaves the member's team; returns the team left, if any.
    pub async fn leave_team(&self, guild_id: u64, user_id: u64) -> StorageResult<Option<Team>>;
    pub async fn member_team(&self, guild_id: u64, user_id: u64) -> StorageResult<Option<Team>>;
    /// Every team of the server ranked by the sum of its members' standings in one
    /// channel (or across the server's channels), with `ranking::team_standing`.
    pub async fn team_leaderboard(&self, guild_id: u64, channel_id: Option<u64>) -> StorageResult<Vec<RankedTeam>>;

    // Server settings
    /// Sets (or clears, with `None`) the channel the bot reports problems to.
    pub async fn set_alerts_channel(&self, guild_id: u64, channel_id: Option<u64>) -> StorageResult<()>;
    pub async fn alerts_channel(&self, guild_id: u64) -> StorageResult<Option<u64>>;
}
