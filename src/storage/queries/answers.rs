//! Answers, streaks and leaderboards: the queries.

use const_format::concatcp;
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use sqlx::{ColumnIndex, Executor, IntoArguments};

use sqlx::{Encode, Type};

use crate::core::calendar::PostedDay;
use crate::core::ranking::{self, Ranked, Standing};
use crate::core::streak_rules::{self, Answer, AnswerEffect, MemberStreak, StoredStreak};
use crate::storage::answers::{
    AnswerRecord, CalendarHistory, ChannelStreak, ChannelStreakRow, LeaderboardPage, NewAnswer,
    PostAndStreakRow, STREAK_COLUMNS, StandingRow, StreakChange, StreakRow,
};
use crate::storage::convert::{from_millis, to_db_id, to_millis};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Row, Value};
use crate::storage::error::StorageResult;

/// A leaderboard page in one statement (one round trip): rows of kind 0 are the top
/// standings, the row of kind 1 carries the number of ranked members in `id`, and the
/// row of kind 2 (present when the caller is ranked) carries the number of strictly
/// better standings in `id` with the caller's own scores. Binds `$1` = the scope's key,
/// `$2` = the caller, `$3` = the limit.
macro_rules! leaderboard_sql {
    (top: $top:literal, count: $count:literal, me: $me:literal, better: $better:literal) => {
        concatcp!(
            "WITH me AS (",
            $me,
            ") \
             SELECT CAST(0 AS BIGINT) AS kind, user_id AS id, current, best, total FROM (",
            $top,
            " ORDER BY current DESC, best DESC, total DESC, user_id LIMIT $3) AS top \
             UNION ALL SELECT CAST(1 AS BIGINT), COALESCE((",
            $count,
            "), 0), 0, 0, 0 \
             UNION ALL SELECT CAST(2 AS BIGINT), ",
            $better,
            ", me.current, me.best, me.total FROM me"
        )
    };
}

/// One channel: every count reads the channel's rows of its leaderboard index (the
/// members who left the leaderboards, `hidden_members`, read once per statement:
/// the index still covers the query).
const CHANNEL_LEADERBOARD: &str = leaderboard_sql!(
    top: "SELECT user_id, current, best, total FROM member_streaks WHERE channel_id = $1 \
          AND user_id NOT IN (SELECT user_id FROM hidden_members WHERE guild_id = \
              (SELECT guild_id FROM schedules WHERE channel_id = $1))",
    count: "SELECT COUNT(*) FROM member_streaks WHERE channel_id = $1 \
            AND user_id NOT IN (SELECT user_id FROM hidden_members WHERE guild_id = \
                (SELECT guild_id FROM schedules WHERE channel_id = $1))",
    me: "SELECT current, best, total FROM member_streaks WHERE channel_id = $1 AND user_id = $2 \
         AND user_id NOT IN (SELECT user_id FROM hidden_members WHERE guild_id = \
             (SELECT guild_id FROM schedules WHERE channel_id = $1))",
    better: "(SELECT COUNT(*) FROM member_streaks o WHERE o.channel_id = $1 \
             AND o.current >= me.current AND (o.current > me.current OR o.best > me.best \
             OR (o.best = me.best AND o.total > me.total)) \
             AND o.user_id NOT IN (SELECT user_id FROM hidden_members WHERE guild_id = \
                 (SELECT guild_id FROM schedules WHERE channel_id = $1)))"
);

/// The whole server, from the kept counts (`guild_ranked`, `guild_standings`): the
/// better standings are summed per distinct (current, best), and only the caller's
/// own (current, best) is read member by member. The members who left the
/// leaderboards (`hidden_members`, few) are taken out of each count one by one.
const SERVER_LEADERBOARD: &str = leaderboard_sql!(
    top: "SELECT user_id, current, best, total FROM member_totals WHERE guild_id = $1 \
          AND total > 0 AND user_id NOT IN (SELECT user_id FROM hidden_members \
              WHERE guild_id = $1)",
    count: "SELECT (SELECT members FROM guild_ranked WHERE guild_id = $1) - \
            (SELECT COUNT(*) FROM hidden_members h JOIN member_totals o \
                ON o.guild_id = h.guild_id AND o.user_id = h.user_id \
             WHERE h.guild_id = $1 AND o.total > 0)",
    me: "SELECT current, best, total FROM member_totals \
         WHERE guild_id = $1 AND total > 0 AND user_id = $2 AND user_id NOT IN (SELECT \
             user_id FROM hidden_members WHERE guild_id = $1)",
    better: "CAST(COALESCE((SELECT SUM(g.members) FROM guild_standings g WHERE g.guild_id = $1 \
             AND g.current >= me.current AND (g.current > me.current OR g.best > me.best)), 0) \
             AS BIGINT) + (SELECT COUNT(*) FROM member_totals o WHERE o.guild_id = $1 \
             AND o.total > 0 AND o.current = me.current AND o.best = me.best \
             AND o.total > me.total) - (SELECT COUNT(*) FROM hidden_members h \
             JOIN member_totals o ON o.guild_id = h.guild_id AND o.user_id = h.user_id \
             WHERE h.guild_id = $1 AND o.total > 0 AND o.current >= me.current \
             AND (o.current > me.current OR o.best > me.best \
             OR (o.best = me.best AND o.total > me.total)))"
);

#[async_trait::async_trait]
impl<E> crate::storage::answers::Answers for E
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    async fn record_answer(
        &self,
        post_id: i64,
        user_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<AnswerRecord> {
        let mut records = self
            .record_answers(&[NewAnswer {
                post_id,
                user_id,
                at: now,
            }])
            .await?;
        Ok(records.pop().unwrap_or(AnswerRecord::UnknownPost))
    }

    /// Records `answers` in one transaction, a few statements for the whole batch
    /// rather than a few per answer (on PostgreSQL each statement is a round trip, on
    /// SQLite a hop to sqlx's worker thread): read the posts and streaks, then insert
    /// the answers and write the streaks, in one statement on PostgreSQL.
    async fn record_answers(&self, answers: &[NewAnswer]) -> StorageResult<Vec<AnswerRecord>> {
        // The channels' streaks and latest questions, and their servers' totals: what
        // an answer read is still true when it writes the streak (a post's channel
        // never changes, so it is read before the locks).
        let posts: Vec<i64> = answers.iter().map(|answer| answer.post_id).collect();
        let locks = self.locks_of_posts(&posts).await?;
        let mut tx = self.begin_write(&locks).await?;
        let mut records = Vec::with_capacity(answers.len());
        for round in rounds(answers) {
            records.extend(record_round::<E>(&mut tx, round).await?);
        }
        tx.commit().await?;
        Ok(records)
    }

    async fn answered_at(
        &self,
        post_id: i64,
        user_id: u64,
    ) -> StorageResult<Option<DateTime<Utc>>> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT answered_at FROM answers WHERE post_id = $1 AND user_id = $2",
        )
        .bind(post_id)
        .bind(to_db_id(user_id))
        .fetch_optional(self.reader())
        .await?;
        Ok(at.map(from_millis))
    }

    async fn answer_count(&self, post_id: i64) -> StorageResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM answers WHERE post_id = $1")
            .bind(post_id)
            .fetch_one(self.reader())
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn member_streak(&self, channel_id: u64, user_id: u64) -> StorageResult<MemberStreak> {
        const QUERY: &str = concatcp!(
            "SELECT ",
            STREAK_COLUMNS,
            " FROM member_streaks WHERE channel_id = $1 AND user_id = $2"
        );
        Ok(sqlx::query_as::<_, StreakRow>(QUERY)
            .bind(to_db_id(channel_id))
            .bind(to_db_id(user_id))
            .fetch_optional(self.reader())
            .await?
            .map(MemberStreak::from)
            .unwrap_or_default())
    }

    async fn member_streaks(
        &self,
        guild_id: u64,
        user_id: u64,
    ) -> StorageResult<Vec<ChannelStreak>> {
        let rows: Vec<ChannelStreakRow> = sqlx::query_as(
            "SELECT s.channel_id, COALESCE(m.current, 0) AS current, COALESCE(m.best, 0) AS best, \
                 COALESCE(m.total, 0) AS total, COALESCE(m.unaided, 0) AS unaided, \
                 m.last_answered_seq, COALESCE(m.freezes, 0) AS freezes, m.last_kept_seq, \
                 m.last_freeze_seq, (SELECT f.local_date FROM daily_posts f \
                     WHERE f.channel_id = s.channel_id AND f.seq = m.last_freeze_seq) \
                     AS last_freeze_date, \
                 (SELECT MAX(a.at) FROM streak_adjustments a \
                     WHERE a.channel_id = s.channel_id AND a.user_id = $2) AS adjusted_at \
             FROM schedules s LEFT JOIN member_streaks m \
                 ON m.channel_id = s.channel_id AND m.user_id = $2 \
             WHERE s.guild_id = $1 AND s.removed = FALSE ORDER BY s.channel_id",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(ChannelStreak::from).collect())
    }

    /// Sets a member's current streak in a channel (`streak_rules::repaired`) and
    /// records who changed it, when, from what to what, in one transaction.
    async fn set_streak(
        &self,
        channel_id: u64,
        user_id: u64,
        current: u32,
        admin_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<StreakChange> {
        // The channel's streaks and the server's totals: the repair reads and writes
        // this member's at once.
        let locks = self.locks_of_channel(channel_id).await?;
        let mut tx = self.begin_write(&locks).await?;
        let (channel, user) = (to_db_id(channel_id), to_db_id(user_id));
        let (guild, latest): (i64, i64) = sqlx::query_as(
            "SELECT s.guild_id, COALESCE((SELECT MAX(p.seq) FROM daily_posts p \
                 WHERE p.channel_id = s.channel_id AND p.message_id IS NOT NULL), 0) \
             FROM schedules s WHERE s.channel_id = $1",
        )
        .bind(channel)
        .fetch_one(&mut *tx)
        .await?;
        const STREAK: &str = concatcp!(
            "SELECT ",
            STREAK_COLUMNS,
            " FROM member_streaks WHERE channel_id = $1 AND user_id = $2"
        );
        let before: MemberStreak = sqlx::query_as::<_, StreakRow>(STREAK)
            .bind(channel)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?
            .map(MemberStreak::from)
            .unwrap_or_default();
        let after = streak_rules::repaired(before, current, latest);
        // A repair starts the streak's history over: nothing before the latest post.
        let repaired = StoredStreak::from(after);
        save_streaks::<E>(&mut tx, vec![streak_json(channel, user, guild, &repaired)]).await?;
        sqlx::query(
            "INSERT INTO streak_adjustments (channel_id, user_id, admin_id, at, old_current, \
                 new_current, old_best, new_best) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(channel)
        .bind(user)
        .bind(to_db_id(admin_id))
        .bind(to_millis(now))
        .bind(i64::from(before.current))
        .bind(i64::from(after.current))
        .bind(i64::from(before.best))
        .bind(i64::from(after.best))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(StreakChange { before, after })
    }

    /// A member's daily questions in a channel since the local date `since` (each
    /// with the member's answer, if it counted), the questions freezes bridged for
    /// them, and the channel's latest question: what the streak calendar draws.
    async fn calendar_history(
        &self,
        channel_id: u64,
        user_id: u64,
        since: NaiveDate,
    ) -> StorageResult<CalendarHistory> {
        let (channel, user) = (to_db_id(channel_id), to_db_id(user_id));
        let rows: Vec<(String, i64, Option<bool>, Option<bool>)> = sqlx::query_as(
            "SELECT p.local_date, p.seq, a.unaided, a.counted FROM daily_posts p \
             LEFT JOIN answers a ON a.post_id = p.id AND a.user_id = $2 \
             WHERE p.channel_id = $1 AND p.local_date >= $3 AND p.message_id IS NOT NULL",
        )
        .bind(channel)
        .bind(user)
        .bind(since.to_string())
        .fetch_all(self.reader())
        .await?;
        let frozen: Vec<i64> = sqlx::query_scalar(
            "SELECT seq FROM streak_freezes WHERE channel_id = $1 AND user_id = $2",
        )
        .bind(channel)
        .bind(user)
        .fetch_all(self.reader())
        .await?;
        let latest_seq: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(seq) FROM daily_posts WHERE channel_id = $1 AND message_id IS NOT NULL",
        )
        .bind(channel)
        .fetch_one(self.reader())
        .await?;
        let posts = rows
            .into_iter()
            .filter_map(|(date, seq, unaided, counted)| {
                Some(PostedDay {
                    date: date.parse().ok()?,
                    seq,
                    answer: unaided.filter(|_| counted == Some(true)),
                })
            })
            .collect();
        Ok(CalendarHistory {
            posts,
            frozen: frozen.into_iter().collect(),
            latest_seq,
        })
    }

    async fn member_leaderboard(
        &self,
        guild_id: u64,
        channel_id: Option<u64>,
        caller_id: u64,
        limit: u32,
    ) -> StorageResult<LeaderboardPage> {
        let (sql, key) = match channel_id {
            Some(channel) => (CHANNEL_LEADERBOARD, to_db_id(channel)),
            None => (SERVER_LEADERBOARD, to_db_id(guild_id)),
        };
        let rows: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(sql)
            .bind(key)
            .bind(to_db_id(caller_id))
            .bind(i64::from(limit))
            .fetch_all(self.reader())
            .await?;
        let standing = |id, current, best, total| {
            Standing::from(StandingRow {
                id,
                current,
                best,
                total,
            })
        };
        let mut page = LeaderboardPage {
            top: Vec::new(),
            caller: None,
            ranked_count: 0,
        };
        let mut top = Vec::new();
        for (kind, id, current, best, total) in rows {
            match kind {
                0 => top.push(standing(id, current, best, total)),
                1 => page.ranked_count = u64::try_from(id).unwrap_or(0),
                _ => {
                    page.caller = Some(Ranked {
                        rank: u64::try_from(id).unwrap_or(0) + 1,
                        standing: standing(to_db_id(caller_id), current, best, total),
                    })
                }
            }
        }
        page.top = ranking::rank(top);
        Ok(page)
    }
}

/// `answers` cut into consecutive rounds in which no member appears twice: a member's
/// streak read at the start of a round is still theirs when the round writes it. (A
/// member answers twice in one batch only when their channel's next question was
/// posted meanwhile.)
fn rounds(answers: &[NewAnswer]) -> Vec<&[NewAnswer]> {
    let mut rounds = Vec::new();
    let mut start = 0;
    let mut members = std::collections::HashSet::new();
    for (i, answer) in answers.iter().enumerate() {
        if !members.insert(answer.user_id) {
            rounds.push(&answers[start..i]);
            start = i;
            members.clear();
            members.insert(answer.user_id);
        }
    }
    if start < answers.len() {
        rounds.push(&answers[start..]);
    }
    rounds
}

/// A JSON array bound as one parameter, so a batch is one statement.
pub(super) fn json_param(value: &serde_json::Value) -> String {
    value.to_string()
}

/// One round (each member once), inside the caller's transaction.
async fn record_round<E>(
    conn: &mut Conn<E>,
    answers: &[NewAnswer],
) -> StorageResult<Vec<AnswerRecord>>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    let found = read_round::<E>(conn, answers).await?;
    // The rule decides each answer; the known posts' answers are inserted at once.
    let decided: Vec<Option<Decided>> = answers
        .iter()
        .zip(found)
        .map(|(answer, row)| {
            let row = row?;
            let unaided = row.revealed_at.is_none_or(|at| to_millis(answer.at) < at);
            let next_claimed_at = row.next_claimed_at.map(from_millis);
            let effect = streak_rules::apply_answer(
                row.stored(),
                Answer {
                    question_seq: row.seq,
                    latest_seq: row.latest_seq,
                    unaided,
                    in_time: streak_rules::in_time(answer.at, next_claimed_at),
                },
            );
            Some((row, unaided, effect))
        })
        .collect();
    let inserted = write_round::<E>(conn, answers, &decided).await?;
    give_back_freezes::<E>(conn, answers, &decided, &inserted).await?;
    let records = answers.iter().zip(decided).map(|(answer, decided)| {
        let key = (answer.post_id, to_db_id(answer.user_id));
        match decided {
            None => AnswerRecord::UnknownPost,
            Some(_) if !inserted.contains(&key) => AnswerRecord::AlreadyAnswered,
            Some((_, _, AnswerEffect::AlreadyAnswered)) => AnswerRecord::AlreadyAnswered,
            Some((_, _, AnswerEffect::TooLate)) => AnswerRecord::TooLate,
            Some((_, unaided, AnswerEffect::Counted { stored, .. })) => AnswerRecord::Counted {
                streak: stored.streak,
                unaided,
            },
        }
    });
    Ok(records.collect())
}

/// An answer of a known post as the rule decided it: its post and streak, whether it
/// came before the hint, and what it does to the streak.
type Decided = (PostAndStreakRow, bool, AnswerEffect);

/// One statement for every answer's post, the channel's latest *posted* question (a
/// claim not yet confirmed is not posted) and the member's streak; `None` where the
/// post does not exist.
async fn read_round<E>(
    conn: &mut Conn<E>,
    answers: &[NewAnswer],
) -> StorageResult<Vec<Option<PostAndStreakRow>>>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    let pairs: Vec<(i64, i64)> = answers
        .iter()
        .map(|a| (a.post_id, to_db_id(a.user_id)))
        .collect();
    let rows: Vec<BatchRow> = sqlx::query_as(E::READ_ROUND)
        .bind(json_param(&serde_json::json!(pairs)))
        .fetch_all(&mut *conn)
        .await?;
    let mut found: Vec<Option<PostAndStreakRow>> = answers.iter().map(|_| None).collect();
    for BatchRow { i, row } in rows {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| found.get_mut(i)) {
            *slot = Some(row);
        }
    }
    Ok(found)
}

/// Inserts the answers of known posts and saves the streaks of those inserted that
/// count ([`Engine::write_round`]); returns the (post, member) pairs it inserted (an
/// answer already there is not, and its streak is left as it is).
async fn write_round<E>(
    conn: &mut Conn<E>,
    answers: &[NewAnswer],
    decided: &[Option<Decided>],
) -> StorageResult<HashSet<(i64, i64)>>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    // The answers of known posts, with what the rule decided.
    let known = || {
        answers
            .iter()
            .zip(decided)
            .filter_map(|(a, d)| Some((a, d.as_ref()?)))
    };
    let new_answers: Vec<serde_json::Value> = known()
        .map(|(answer, (_, unaided, effect))| {
            serde_json::json!([
                answer.post_id,
                to_db_id(answer.user_id),
                to_millis(answer.at),
                unaided,
                matches!(effect, AnswerEffect::Counted { .. }),
            ])
        })
        .collect();
    if new_answers.is_empty() {
        return Ok(HashSet::new());
    }
    let streaks = known()
        .filter_map(|(answer, (row, _, effect))| {
            let AnswerEffect::Counted { stored: streak, .. } = effect else {
                return None;
            };
            let user = to_db_id(answer.user_id);
            Some(streak_json(row.channel_id, user, row.guild_id, streak))
        })
        .collect();
    E::write_round(
        conn,
        json_param(&serde_json::Value::Array(new_answers)),
        streaks,
    )
    .await
}

/// Writes members' streaks (each a [`streak_json`]) in one statement; the server
/// totals follow by trigger.
async fn save_streaks<E>(conn: &mut Conn<E>, streaks: Vec<serde_json::Value>) -> StorageResult<()>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    sqlx::query(E::SAVE_STREAKS)
        .bind(json_param(&serde_json::Value::Array(streaks)))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A row of [`record_round`]'s read: the answer's place in the round, and its post
/// and streak.
#[derive(sqlx::FromRow)]
struct BatchRow {
    i: i64,
    #[sqlx(flatten)]
    row: PostAndStreakRow,
}

/// A streak as [`Engine::SAVE_STREAKS`] takes it.
pub(super) fn streak_json(
    channel: i64,
    user: i64,
    guild: i64,
    stored: &StoredStreak,
) -> serde_json::Value {
    let streak = &stored.streak;
    serde_json::json!([
        channel,
        user,
        guild,
        streak.current,
        streak.best,
        streak.total,
        streak.unaided,
        streak.last_answered_seq,
        streak.freezes,
        streak.last_kept_seq,
        streak.last_freeze_seq,
        before_json(stored),
    ])
}

/// What the streak was before the channel's latest post, as the column keeps it.
pub(super) fn before_json(stored: &StoredStreak) -> Option<String> {
    stored
        .before_latest
        .and_then(|before| serde_json::to_string(&before).ok())
}

/// Deletes the record of each freeze an answer recorded late gave back: the answer
/// now covers the question the freeze had bridged.
async fn give_back_freezes<E>(
    conn: &mut Conn<E>,
    answers: &[NewAnswer],
    decided: &[Option<Decided>],
    inserted: &HashSet<(i64, i64)>,
) -> StorageResult<()>
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    for (answer, decided) in answers.iter().zip(decided) {
        let user = to_db_id(answer.user_id);
        let Some((row, _, effect)) = decided else {
            continue;
        };
        let AnswerEffect::Counted {
            freeze_given_back: Some(seq),
            ..
        } = effect
        else {
            continue;
        };
        if !inserted.contains(&(answer.post_id, user)) {
            continue;
        }
        sqlx::query(
            "DELETE FROM streak_freezes WHERE channel_id = $1 AND user_id = $2 AND seq = $3",
        )
        .bind(row.channel_id)
        .bind(user)
        .bind(*seq)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
