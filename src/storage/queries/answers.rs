//! Answers, streaks and leaderboards: the queries.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Backend, Connection};
use crate::core::calendar::PostedDay;
use crate::core::ranking::{self, Ranked, Standing};
use crate::core::streak_rules::{self, Answer, AnswerEffect, MemberStreak};
use crate::storage::answers::{
    AnswerRecord, CalendarHistory, ChannelStreak, ChannelStreakRow, LeaderboardPage, NewAnswer,
    PostAndStreakRow, StandingRow, StreakChange, StreakRow, streak_columns,
};
use crate::storage::convert::{from_millis, to_db_id, to_millis};
use crate::storage::error::StorageResult;

/// The standings CTE for a scope: one channel's streaks, or the server totals (each
/// member's streaks summed over the server's active channels, kept with every streak
/// change: by triggers, and on PostgreSQL by the answers' own write statement).
/// Both forms bind `$1` = channel id (or NULL) and `$2` = guild id.
macro_rules! standings_cte {
    () => {
        "WITH standings AS ( \
             SELECT user_id AS id, current, best, total FROM member_streaks \
             WHERE $1 IS NOT NULL AND channel_id = $1 \
           UNION ALL \
             SELECT user_id AS id, current, best, total FROM member_totals \
             WHERE $1 IS NULL AND guild_id = $2 AND total > 0 \
         ) "
    };
}
pub(super) use standings_cte;

/// A leaderboard page in one statement (one round trip): rows of kind 0 are the top
/// standings, the row of kind 1 carries the number of ranked members in `id`, and the
/// row of kind 2 (present when the caller is ranked) carries the number of strictly
/// better standings in `id` with the caller's own scores. Binds `$1` = the scope's key,
/// `$2` = the caller, `$3` = the limit.
macro_rules! leaderboard_sql {
    (top: $top:literal, count: $count:literal, me: $me:literal, better: $better:literal) => {
        concat!(
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

/// One channel: every count reads the channel's rows of its leaderboard index.
const CHANNEL_LEADERBOARD: &str = leaderboard_sql!(
    top: "SELECT user_id, current, best, total FROM member_streaks WHERE channel_id = $1",
    count: "SELECT COUNT(*) FROM member_streaks WHERE channel_id = $1",
    me: "SELECT current, best, total FROM member_streaks WHERE channel_id = $1 AND user_id = $2",
    better: "(SELECT COUNT(*) FROM member_streaks o WHERE o.channel_id = $1 \
             AND o.current >= me.current AND (o.current > me.current OR o.best > me.best \
             OR (o.best = me.best AND o.total > me.total)))"
);

/// The whole server, from the kept counts (`guild_ranked`, `guild_standings`): the
/// better standings are summed per distinct (current, best), and only the caller's
/// own (current, best) is read member by member.
const SERVER_LEADERBOARD: &str = leaderboard_sql!(
    top: "SELECT user_id, current, best, total FROM member_totals WHERE guild_id = $1 AND total > 0",
    count: "SELECT members FROM guild_ranked WHERE guild_id = $1",
    me: "SELECT current, best, total FROM member_totals \
         WHERE guild_id = $1 AND total > 0 AND user_id = $2",
    better: "CAST(COALESCE((SELECT SUM(g.members) FROM guild_standings g WHERE g.guild_id = $1 \
             AND g.current >= me.current AND (g.current > me.current OR g.best > me.best)), 0) \
             AS BIGINT) + (SELECT COUNT(*) FROM member_totals o WHERE o.guild_id = $1 \
             AND o.total > 0 AND o.current = me.current AND o.best = me.best \
             AND o.total > me.total)"
);

impl Backend {
    pub async fn record_answer(
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
    pub async fn record_answers(&self, answers: &[NewAnswer]) -> StorageResult<Vec<AnswerRecord>> {
        let mut tx = self.begin_record().await?;
        let mut records = Vec::with_capacity(answers.len());
        for round in rounds(answers) {
            records.extend(record_round(&mut tx, round).await?);
        }
        tx.commit().await?;
        Ok(records)
    }

    pub async fn answered_at(
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

    pub async fn answer_count(&self, post_id: i64) -> StorageResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM answers WHERE post_id = $1")
            .bind(post_id)
            .fetch_one(self.reader())
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub async fn member_streak(
        &self,
        channel_id: u64,
        user_id: u64,
    ) -> StorageResult<MemberStreak> {
        const QUERY: &str = concat!(
            "SELECT ",
            streak_columns!(),
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

    pub async fn member_streaks(
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
    pub async fn set_streak(
        &self,
        channel_id: u64,
        user_id: u64,
        current: u32,
        admin_id: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<StreakChange> {
        let mut tx = self.begin_write().await?;
        let (channel, user) = (to_db_id(channel_id), to_db_id(user_id));
        let (guild, latest): (i64, i64) = sqlx::query_as(
            "SELECT s.guild_id, COALESCE((SELECT MAX(p.seq) FROM daily_posts p \
                 WHERE p.channel_id = s.channel_id AND p.message_id IS NOT NULL), 0) \
             FROM schedules s WHERE s.channel_id = $1",
        )
        .bind(channel)
        .fetch_one(&mut *tx)
        .await?;
        const STREAK: &str = concat!(
            "SELECT ",
            streak_columns!(),
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
        save_streaks(&mut tx, vec![streak_json(channel, user, guild, &after)]).await?;
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
    pub async fn calendar_history(
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

    pub async fn member_leaderboard(
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
fn json_param(value: &serde_json::Value) -> String {
    value.to_string()
}

/// [`read_round`]'s statement: each answer's post, the channel's latest posted
/// question and the member's streak.
const READ_ROUND: &str = concat!(
    "SELECT b.i, p.channel_id, p.guild_id, p.seq, p.revealed_at, \
         (SELECT COALESCE(MAX(q.seq), 0) FROM daily_posts q \
          WHERE q.channel_id = p.channel_id AND q.message_id IS NOT NULL) AS latest_seq, \
         m.current, m.best, m.total, m.unaided, m.last_answered_seq, m.freezes, \
         m.last_kept_seq, m.last_freeze_seq \
     FROM ",
    answers_posts_and_streaks!("$1"),
);

/// Inserts answers: binds a JSON array of `[post, member, answered_at, unaided,
/// counted]` as `$1`; returns `$returning` of the answers it inserted (an answer
/// already there is not).
macro_rules! insert_answers_sql {
    ($returning:literal) => {
        concat!(
            "INSERT INTO answers (post_id, user_id, answered_at, unaided, counted) \
             SELECT post_id, user_id, answered_at, unaided, counted FROM ",
            new_answers!("$1"),
            " AS n WHERE TRUE ON CONFLICT DO NOTHING RETURNING ",
            $returning
        )
    };
}

/// [`insert_answers_sql`] alone (SQLite): returns the (post, member) pairs inserted.
const INSERT_ANSWERS: &str = insert_answers_sql!("post_id, user_id");

/// The columns [`SAVE_STREAKS`] and [`WRITE_ROUND`] write and how a conflict updates.
macro_rules! save_streaks_sql {
    ($from:expr) => {
        concat!(
            "INSERT INTO member_streaks (channel_id, user_id, guild_id, current, best, total, \
                 unaided, last_answered_seq, freezes, last_kept_seq, last_freeze_seq) \
             SELECT s.channel_id, s.user_id, s.guild_id, s.current, s.best, s.total, s.unaided, \
                 s.last_answered_seq, s.freezes, s.last_kept_seq, s.last_freeze_seq FROM ",
            $from,
            " AS s WHERE TRUE \
             ON CONFLICT (channel_id, user_id) DO UPDATE SET current = excluded.current, \
                 best = excluded.best, total = excluded.total, unaided = excluded.unaided, \
                 last_answered_seq = excluded.last_answered_seq, freezes = excluded.freezes, \
                 last_kept_seq = excluded.last_kept_seq, \
                 last_freeze_seq = excluded.last_freeze_seq"
        )
    };
}

/// [`save_streaks`]' statement: binds a JSON array of [`streak_json`]s; the server totals
/// follow by trigger.
const SAVE_STREAKS: &str = save_streaks_sql!(streak_rows!("$1"));

/// Both writes of a round and the kept counts they move, in one statement
/// (PostgreSQL, whose statements are round trips and whose row triggers cost more than
/// the rows they follow): inserts the answers of `$1` as [`INSERT_ANSWERS`] does, saves
/// the streaks of `$2` of the members whose answer it inserted (a round has each
/// member once), and writes what the row triggers of the other writes keep, once for
/// the round: the practice inbox, and for streaks of active channels the server
/// totals, standings and ranked members. Runs in a transaction begun with
/// `BEGIN_RECORD`, which sets the triggers aside; returns the inserted pairs.
///
/// Each CTE reads the tables as they were before the statement (PostgreSQL runs them
/// on one snapshot), which is where a streak's and a member's previous values come
/// from; the write lock keeps them current. A standing one member leaves and another
/// enters is written once, with its net change: a statement cannot update a row twice.
const WRITE_ROUND: &str = concat!(
    "WITH inserted AS (",
    insert_answers_sql!("post_id, user_id, answered_at, unaided"),
    "), streaks AS (\
         SELECT s.*, COALESCE(m.current, 0) AS old_current, COALESCE(m.best, 0) AS old_best, \
             COALESCE(m.total, 0) AS old_total FROM ",
    streak_rows!("$2"),
    " AS s JOIN inserted i ON i.user_id = s.user_id \
         LEFT JOIN LATERAL (SELECT current, best, total FROM member_streaks \
             WHERE channel_id = s.channel_id AND user_id = s.user_id LIMIT 1) AS m ON TRUE\
     ), saved AS (",
    save_streaks_sql!("streaks"),
    "), inbox AS (\
         INSERT INTO practice_inbox (post_id, user_id, guild_id, question_id, answered_at, unaided) \
         SELECT i.post_id, i.user_id, p.guild_id, p.question_id, i.answered_at, i.unaided \
         FROM inserted i CROSS JOIN LATERAL (SELECT guild_id, question_id FROM daily_posts \
             WHERE id = i.post_id LIMIT 1) AS p ON CONFLICT DO NOTHING\
     ), deltas AS (\
         SELECT s.guild_id, s.user_id, s.current - s.old_current AS current, \
             s.best - s.old_best AS best, s.total - s.old_total AS total, \
             t.current AS before_current, t.best AS before_best, \
             COALESCE(t.total, 0) > 0 AS ranked_before \
         FROM streaks s LEFT JOIN LATERAL (SELECT current, best, total FROM member_totals \
             WHERE guild_id = s.guild_id AND user_id = s.user_id LIMIT 1) AS t ON TRUE \
         WHERE (SELECT removed FROM schedules WHERE channel_id = s.channel_id) IS NOT TRUE\
     ), totals AS (\
         INSERT INTO member_totals AS t (guild_id, user_id, current, best, total) \
         SELECT guild_id, user_id, current, best, total FROM deltas WHERE TRUE \
         ON CONFLICT (guild_id, user_id) DO UPDATE SET current = t.current + excluded.current, \
             best = t.best + excluded.best, total = t.total + excluded.total \
         RETURNING guild_id, user_id, current, best, total\
     ), moves AS (\
         SELECT t.guild_id, d.before_current, d.before_best, d.ranked_before, t.current, t.best, \
             t.total > 0 AS ranked, NOT (d.ranked_before AND t.total > 0 \
                 AND d.before_current = t.current AND d.before_best = t.best) AS moved \
         FROM totals t JOIN deltas d ON d.guild_id = t.guild_id AND d.user_id = t.user_id\
     ), standings AS (\
         INSERT INTO guild_standings AS g (guild_id, current, best, members) \
         SELECT guild_id, current, best, SUM(members) FROM (\
             SELECT guild_id, before_current AS current, before_best AS best, -1 AS members \
             FROM moves WHERE moved AND ranked_before \
             UNION ALL SELECT guild_id, current, best, 1 FROM moves WHERE moved AND ranked\
         ) AS m GROUP BY guild_id, current, best HAVING SUM(members) != 0 \
         ON CONFLICT (guild_id, current, best) DO UPDATE SET members = g.members + excluded.members\
     ), ranked AS (\
         INSERT INTO guild_ranked AS r (guild_id, members) \
         SELECT guild_id, SUM(CASE WHEN ranked THEN 1 ELSE -1 END) FROM moves \
         WHERE ranked_before != ranked GROUP BY guild_id \
         ON CONFLICT (guild_id) DO UPDATE SET members = r.members + excluded.members\
     ) SELECT post_id, user_id FROM inserted",
);

/// The statements recording answers runs on this backend, each with its number of
/// parameters.
const RECORD_STATEMENTS: &[(&str, usize)] = if super::ONE_STATEMENT_WRITES {
    &[(READ_ROUND, 1), (WRITE_ROUND, 2)]
} else {
    &[(READ_ROUND, 1), (INSERT_ANSWERS, 1), (SAVE_STREAKS, 1)]
};

/// Prepares the statements that record answers on `conn`, into its statement cache,
/// so that no answer waits for them: on PostgreSQL a connection prepares a statement
/// the first time it runs it, a round trip for the server to parse it and describe
/// its types. Needs the schema in place. Their parameters are JSON arrays as text
/// ([`json_param`]).
pub(super) async fn prepare_record_statements(conn: &mut Connection) -> sqlx::Result<()> {
    use sqlx::Executor as _;
    type Db = <Connection as sqlx::Connection>::Database;
    let text = <String as sqlx::Type<Db>>::type_info();
    for &(sql, parameters) in RECORD_STATEMENTS {
        let types = vec![text.clone(); parameters];
        (&mut *conn)
            .prepare_with(sqlx::SqlStr::from_static(sql), &types)
            .await?;
    }
    Ok(())
}

/// One round (each member once), inside the caller's transaction.
async fn record_round(
    conn: &mut Connection,
    answers: &[NewAnswer],
) -> StorageResult<Vec<AnswerRecord>> {
    let found = read_round(conn, answers).await?;
    // The rule decides each answer; the known posts' answers are inserted at once.
    let decided: Vec<Option<Decided>> = answers
        .iter()
        .zip(found)
        .map(|(answer, row)| {
            let row = row?;
            let unaided = row.revealed_at.is_none_or(|at| to_millis(answer.at) < at);
            let effect = streak_rules::apply_answer(
                row.streak(),
                Answer {
                    question_seq: row.seq,
                    latest_seq: row.latest_seq,
                    unaided,
                },
            );
            Some((row, unaided, effect))
        })
        .collect();
    let inserted = write_round(conn, answers, &decided).await?;
    let records = answers.iter().zip(decided).map(|(answer, decided)| {
        let key = (answer.post_id, to_db_id(answer.user_id));
        match decided {
            None => AnswerRecord::UnknownPost,
            Some(_) if !inserted.contains(&key) => AnswerRecord::AlreadyAnswered,
            Some((_, _, AnswerEffect::AlreadyAnswered)) => AnswerRecord::AlreadyAnswered,
            Some((_, _, AnswerEffect::TooLate)) => AnswerRecord::TooLate,
            Some((_, unaided, AnswerEffect::Counted(streak))) => {
                AnswerRecord::Counted { streak, unaided }
            }
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
async fn read_round(
    conn: &mut Connection,
    answers: &[NewAnswer],
) -> StorageResult<Vec<Option<PostAndStreakRow>>> {
    let pairs: Vec<(i64, i64)> = answers
        .iter()
        .map(|a| (a.post_id, to_db_id(a.user_id)))
        .collect();
    let rows: Vec<BatchRow> = sqlx::query_as(READ_ROUND)
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
/// count; returns the (post, member) pairs it inserted (an answer already there is
/// not, and its streak is left as it is).
async fn write_round(
    conn: &mut Connection,
    answers: &[NewAnswer],
    decided: &[Option<Decided>],
) -> StorageResult<std::collections::HashSet<(i64, i64)>> {
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
                matches!(effect, AnswerEffect::Counted(_)),
            ])
        })
        .collect();
    if new_answers.is_empty() {
        return Ok(Default::default());
    }
    // The counted answers' streaks, of those `inserted` (all, when the database picks).
    let streaks = |inserted: Option<&std::collections::HashSet<(i64, i64)>>| {
        let streaks = known().filter_map(|(answer, (row, _, effect))| {
            let AnswerEffect::Counted(streak) = effect else {
                return None;
            };
            let user = to_db_id(answer.user_id);
            let kept = inserted.is_none_or(|inserted| inserted.contains(&(answer.post_id, user)));
            kept.then(|| streak_json(row.channel_id, user, row.guild_id, streak))
        });
        streaks.collect::<Vec<_>>()
    };
    let new_answers = json_param(&serde_json::Value::Array(new_answers));
    if super::ONE_STATEMENT_WRITES {
        let inserted: Vec<(i64, i64)> = sqlx::query_as(WRITE_ROUND)
            .bind(new_answers)
            .bind(json_param(&serde_json::Value::Array(streaks(None))))
            .fetch_all(&mut *conn)
            .await?;
        return Ok(inserted.into_iter().collect());
    }
    let inserted: Vec<(i64, i64)> = sqlx::query_as(INSERT_ANSWERS)
        .bind(new_answers)
        .fetch_all(&mut *conn)
        .await?;
    let inserted = inserted.into_iter().collect();
    let streaks = streaks(Some(&inserted));
    if !streaks.is_empty() {
        save_streaks(conn, streaks).await?;
    }
    Ok(inserted)
}

/// Writes members' streaks (each a [`streak_json`]) in one statement; the server
/// totals follow by trigger.
async fn save_streaks(conn: &mut Connection, streaks: Vec<serde_json::Value>) -> StorageResult<()> {
    sqlx::query(SAVE_STREAKS)
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

/// A streak as [`SAVE_STREAKS`] and [`WRITE_ROUND`] take it.
fn streak_json(channel: i64, user: i64, guild: i64, streak: &MemberStreak) -> serde_json::Value {
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
    ])
}
