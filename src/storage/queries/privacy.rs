//! Members' data rights: the queries. Which rows are about a member, and which are a
//! server's, is written once here: [`MEMBER_TABLES`] and [`SERVER_TABLES`].

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use crate::core::privacy::{Cell, MemberRows, Record};
use crate::storage::convert::{from_db_id, from_millis, to_db_id, to_millis};
use crate::storage::engine::{Args, Conn, Db, Engine, Lock, Row, Value};
use crate::storage::error::StorageResult;
use crate::storage::privacy::Removed;

/// How a stored column reads out in an export.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Id,
    Time,
    Int,
    Real,
    Text,
    Bool,
}

/// One table's rows about a member: `$1` is the server, `$2` the member.
struct MemberTable {
    /// The export's name for them (the table's).
    name: &'static str,
    /// What the export shows, in the order `select` reads it (`None`: a count the
    /// database keeps from other rows, deleted but not exported).
    select: Option<(&'static str, &'static [(&'static str, Kind)])>,
    /// What deletes them (or, for rows that stay without the member, unlinks them).
    forget: &'static [&'static str],
}

/// Every table with rows about a member, in the order a deletion goes through them
/// (rows before the rows they point at). `docs/privacy.md` lists the same.
const MEMBER_TABLES: &[MemberTable] = &[
    MemberTable {
        name: "answer_stars",
        select: Some((
            "SELECT s.message_id FROM answer_stars s \
             JOIN answer_messages m ON m.message_id = s.message_id \
             JOIN daily_posts p ON p.id = m.post_id \
             WHERE p.guild_id = $1 AND s.voter_id = $2 ORDER BY s.message_id",
            &[("message_id", Kind::Id)],
        )),
        // The stars the member gave, then the stars on their own answers.
        forget: &[
            "DELETE FROM answer_stars WHERE voter_id = $2 AND message_id IN ( \
                 SELECT m.message_id FROM answer_messages m \
                 JOIN daily_posts p ON p.id = m.post_id WHERE p.guild_id = $1)",
            "DELETE FROM answer_stars WHERE message_id IN ( \
                 SELECT m.message_id FROM answer_messages m \
                 JOIN daily_posts p ON p.id = m.post_id \
                 WHERE p.guild_id = $1 AND m.user_id = $2)",
        ],
    },
    MemberTable {
        name: "answer_messages",
        select: Some((
            "SELECT m.message_id, m.post_id FROM answer_messages m \
             JOIN daily_posts p ON p.id = m.post_id \
             WHERE p.guild_id = $1 AND m.user_id = $2 ORDER BY m.message_id",
            &[("message_id", Kind::Id), ("post_id", Kind::Int)],
        )),
        forget: &[
            "DELETE FROM answer_messages WHERE user_id = $2 AND post_id IN ( \
             SELECT id FROM daily_posts WHERE guild_id = $1)",
        ],
    },
    MemberTable {
        name: "private_answers",
        select: Some((
            "SELECT post_id, author_name, body, submitted_at, updated_at, message_id \
             FROM private_answers WHERE guild_id = $1 AND user_id = $2 ORDER BY post_id",
            &[
                ("post_id", Kind::Int),
                ("author_name", Kind::Text),
                ("body", Kind::Text),
                ("submitted_at", Kind::Time),
                ("updated_at", Kind::Time),
                ("message_id", Kind::Id),
            ],
        )),
        forget: &["DELETE FROM private_answers WHERE guild_id = $1 AND user_id = $2"],
    },
    MemberTable {
        name: "answers",
        select: Some((
            "SELECT a.post_id, p.channel_id, p.local_date, p.question_id, a.answered_at, \
                 a.unaided, a.counted \
             FROM answers a JOIN daily_posts p ON p.id = a.post_id \
             WHERE p.guild_id = $1 AND a.user_id = $2 ORDER BY a.post_id",
            &[
                ("post_id", Kind::Int),
                ("channel_id", Kind::Id),
                ("local_date", Kind::Text),
                ("question_id", Kind::Text),
                ("answered_at", Kind::Time),
                ("unaided", Kind::Bool),
                ("counted", Kind::Bool),
            ],
        )),
        forget: &["DELETE FROM answers WHERE user_id = $2 AND post_id IN ( \
             SELECT id FROM daily_posts WHERE guild_id = $1)"],
    },
    // The answers not yet in the practice deck (kept from `answers`).
    MemberTable {
        name: "practice_inbox",
        select: None,
        forget: &["DELETE FROM practice_inbox WHERE guild_id = $1 AND user_id = $2"],
    },
    // The server totals (kept from `member_streaks`): deleting them updates the
    // server's standings and ranked count by trigger.
    MemberTable {
        name: "member_totals",
        select: None,
        forget: &["DELETE FROM member_totals WHERE guild_id = $1 AND user_id = $2"],
    },
    MemberTable {
        name: "member_streaks",
        select: Some((
            "SELECT channel_id, current, best, total, unaided, last_answered_seq, freezes, \
                 last_kept_seq, last_freeze_seq, before_latest_post \
             FROM member_streaks WHERE guild_id = $1 AND user_id = $2 ORDER BY channel_id",
            &[
                ("channel_id", Kind::Id),
                ("current", Kind::Int),
                ("best", Kind::Int),
                ("total", Kind::Int),
                ("unaided", Kind::Int),
                ("last_answered_seq", Kind::Int),
                ("freezes", Kind::Int),
                ("last_kept_seq", Kind::Int),
                ("last_freeze_seq", Kind::Int),
                ("before_latest_post", Kind::Text),
            ],
        )),
        forget: &["DELETE FROM member_streaks WHERE guild_id = $1 AND user_id = $2"],
    },
    MemberTable {
        name: "streak_freezes",
        select: Some((
            "SELECT channel_id, seq FROM streak_freezes WHERE user_id = $2 \
             AND channel_id IN (SELECT channel_id FROM schedules WHERE guild_id = $1) \
             ORDER BY channel_id, seq",
            &[("channel_id", Kind::Id), ("seq", Kind::Int)],
        )),
        forget: &["DELETE FROM streak_freezes WHERE user_id = $2 \
             AND channel_id IN (SELECT channel_id FROM schedules WHERE guild_id = $1)"],
    },
    // Repairs of the member's streak (the admin who made one is not the member's).
    MemberTable {
        name: "streak_adjustments",
        select: Some((
            "SELECT channel_id, at, old_current, new_current, old_best, new_best \
             FROM streak_adjustments WHERE user_id = $2 \
             AND channel_id IN (SELECT channel_id FROM schedules WHERE guild_id = $1) \
             ORDER BY id",
            &[
                ("channel_id", Kind::Id),
                ("at", Kind::Time),
                ("old_current", Kind::Int),
                ("new_current", Kind::Int),
                ("old_best", Kind::Int),
                ("new_best", Kind::Int),
            ],
        )),
        forget: &["DELETE FROM streak_adjustments WHERE user_id = $2 \
             AND channel_id IN (SELECT channel_id FROM schedules WHERE guild_id = $1)"],
    },
    MemberTable {
        name: "practice_reviews",
        select: Some((
            "SELECT question_id, rating, reviewed_at, source, post_id FROM practice_reviews \
             WHERE guild_id = $1 AND user_id = $2 ORDER BY id",
            &[
                ("question_id", Kind::Text),
                ("rating", Kind::Int),
                ("reviewed_at", Kind::Time),
                ("source", Kind::Text),
                ("post_id", Kind::Int),
            ],
        )),
        forget: &["DELETE FROM practice_reviews WHERE guild_id = $1 AND user_id = $2"],
    },
    MemberTable {
        name: "practice_cards",
        select: Some((
            "SELECT question_id, due, stability, difficulty, elapsed_days, scheduled_days, \
                 reps, lapses, state, last_review, introduced_at, introduced_by \
             FROM practice_cards WHERE guild_id = $1 AND user_id = $2 ORDER BY question_id",
            &[
                ("question_id", Kind::Text),
                ("due", Kind::Time),
                ("stability", Kind::Real),
                ("difficulty", Kind::Real),
                ("elapsed_days", Kind::Int),
                ("scheduled_days", Kind::Int),
                ("reps", Kind::Int),
                ("lapses", Kind::Int),
                ("state", Kind::Int),
                ("last_review", Kind::Time),
                ("introduced_at", Kind::Time),
                ("introduced_by", Kind::Text),
            ],
        )),
        forget: &["DELETE FROM practice_cards WHERE guild_id = $1 AND user_id = $2"],
    },
    // An approved suggestion is a question of the server's bank: it stays, without
    // its author.
    MemberTable {
        name: "suggestions",
        select: Some((
            "SELECT id, author_name, bank, category, difficulty, question, hint, status, \
                 reason, created_at, decided_at \
             FROM suggestions WHERE guild_id = $1 AND user_id = $2 ORDER BY id",
            &[
                ("id", Kind::Int),
                ("author_name", Kind::Text),
                ("bank", Kind::Text),
                ("category", Kind::Text),
                ("difficulty", Kind::Int),
                ("question", Kind::Text),
                ("hint", Kind::Text),
                ("status", Kind::Text),
                ("reason", Kind::Text),
                ("created_at", Kind::Time),
                ("decided_at", Kind::Time),
            ],
        )),
        forget: &[
            "DELETE FROM suggestions WHERE guild_id = $1 AND user_id = $2 \
             AND status <> 'approved'",
            "UPDATE suggestions SET user_id = 0, author_name = 'a member' \
             WHERE guild_id = $1 AND user_id = $2",
        ],
    },
    MemberTable {
        name: "reveal_reactors",
        select: Some((
            "SELECT post_id FROM reveal_reactors WHERE user_id = $2 \
             AND post_id IN (SELECT id FROM daily_posts WHERE guild_id = $1) ORDER BY post_id",
            &[("post_id", Kind::Int)],
        )),
        forget: &["DELETE FROM reveal_reactors WHERE user_id = $2 \
             AND post_id IN (SELECT id FROM daily_posts WHERE guild_id = $1)"],
    },
    MemberTable {
        name: "quiz_reactors",
        select: Some((
            "SELECT message_id FROM quiz_reactors WHERE user_id = $2 \
             AND message_id IN (SELECT message_id FROM quiz_posts WHERE guild_id = $1) \
             ORDER BY message_id",
            &[("message_id", Kind::Id)],
        )),
        forget: &["DELETE FROM quiz_reactors WHERE user_id = $2 \
             AND message_id IN (SELECT message_id FROM quiz_posts WHERE guild_id = $1)"],
    },
    MemberTable {
        name: "reminders",
        select: Some((
            "SELECT hours_before, last_sent_on FROM reminders \
             WHERE guild_id = $1 AND user_id = $2",
            &[("hours_before", Kind::Int), ("last_sent_on", Kind::Text)],
        )),
        forget: &["DELETE FROM reminders WHERE guild_id = $1 AND user_id = $2"],
    },
    MemberTable {
        name: "rewards_given",
        select: Some((
            "SELECT role_id, taken_at, given_at FROM rewards_given \
             WHERE guild_id = $1 AND user_id = $2 ORDER BY role_id",
            &[
                ("role_id", Kind::Id),
                ("taken_at", Kind::Time),
                ("given_at", Kind::Time),
            ],
        )),
        forget: &["DELETE FROM rewards_given WHERE guild_id = $1 AND user_id = $2"],
    },
    // A month the member won: the month stays, without its champion.
    MemberTable {
        name: "season_champions",
        select: Some((
            "SELECT season, taken_at, moved_at FROM season_champions \
             WHERE guild_id = $1 AND user_id = $2 ORDER BY season",
            &[
                ("season", Kind::Text),
                ("taken_at", Kind::Time),
                ("moved_at", Kind::Time),
            ],
        )),
        forget: &["UPDATE season_champions SET user_id = NULL \
             WHERE guild_id = $1 AND user_id = $2"],
    },
    MemberTable {
        name: "team_members",
        select: Some((
            "SELECT m.team_id, t.name, m.joined_at FROM team_members m \
             JOIN teams t ON t.id = m.team_id WHERE m.guild_id = $1 AND m.user_id = $2",
            &[
                ("team_id", Kind::Int),
                ("team_name", Kind::Text),
                ("joined_at", Kind::Time),
            ],
        )),
        forget: &["DELETE FROM team_members WHERE guild_id = $1 AND user_id = $2"],
    },
    MemberTable {
        name: "hidden_members",
        select: Some((
            "SELECT hidden_at FROM hidden_members WHERE guild_id = $1 AND user_id = $2",
            &[("hidden_at", Kind::Time)],
        )),
        forget: &["DELETE FROM hidden_members WHERE guild_id = $1 AND user_id = $2"],
    },
];

/// Every table with rows of a server (`$1`), each with the statement that deletes
/// them, in an order that deletes rows before the rows they point at.
const SERVER_TABLES: &[(&str, &str)] = &[
    (
        "answer_stars",
        "DELETE FROM answer_stars WHERE message_id IN (SELECT m.message_id \
         FROM answer_messages m JOIN daily_posts p ON p.id = m.post_id WHERE p.guild_id = $1)",
    ),
    (
        "answer_messages",
        "DELETE FROM answer_messages WHERE post_id IN (SELECT id FROM daily_posts WHERE guild_id = $1)",
    ),
    (
        "private_answers",
        "DELETE FROM private_answers WHERE guild_id = $1",
    ),
    (
        "answers",
        "DELETE FROM answers WHERE post_id IN (SELECT id FROM daily_posts WHERE guild_id = $1)",
    ),
    (
        "reveal_reactors",
        "DELETE FROM reveal_reactors WHERE post_id IN (SELECT id FROM daily_posts WHERE guild_id = $1)",
    ),
    (
        "post_answer_counts",
        "DELETE FROM post_answer_counts WHERE post_id IN (SELECT id FROM daily_posts WHERE guild_id = $1)",
    ),
    (
        "practice_inbox",
        "DELETE FROM practice_inbox WHERE guild_id = $1",
    ),
    ("daily_posts", "DELETE FROM daily_posts WHERE guild_id = $1"),
    (
        "rotation_skips",
        "DELETE FROM rotation_skips WHERE channel_id IN (SELECT channel_id FROM schedules WHERE guild_id = $1)",
    ),
    (
        "streak_freezes",
        "DELETE FROM streak_freezes WHERE channel_id IN (SELECT channel_id FROM schedules WHERE guild_id = $1)",
    ),
    (
        "streak_adjustments",
        "DELETE FROM streak_adjustments WHERE channel_id IN (SELECT channel_id FROM schedules WHERE guild_id = $1)",
    ),
    (
        "member_totals",
        "DELETE FROM member_totals WHERE guild_id = $1",
    ),
    (
        "member_streaks",
        "DELETE FROM member_streaks WHERE guild_id = $1",
    ),
    (
        "guild_ranked",
        "DELETE FROM guild_ranked WHERE guild_id = $1",
    ),
    (
        "guild_standings",
        "DELETE FROM guild_standings WHERE guild_id = $1",
    ),
    (
        "team_members",
        "DELETE FROM team_members WHERE guild_id = $1",
    ),
    ("teams", "DELETE FROM teams WHERE guild_id = $1"),
    (
        "quiz_reactors",
        "DELETE FROM quiz_reactors WHERE message_id IN \
         (SELECT message_id FROM quiz_posts WHERE guild_id = $1)",
    ),
    ("quiz_posts", "DELETE FROM quiz_posts WHERE guild_id = $1"),
    (
        "practice_reviews",
        "DELETE FROM practice_reviews WHERE guild_id = $1",
    ),
    (
        "practice_cards",
        "DELETE FROM practice_cards WHERE guild_id = $1",
    ),
    ("suggestions", "DELETE FROM suggestions WHERE guild_id = $1"),
    ("reminders", "DELETE FROM reminders WHERE guild_id = $1"),
    (
        "rewards_given",
        "DELETE FROM rewards_given WHERE guild_id = $1",
    ),
    (
        "role_rewards",
        "DELETE FROM role_rewards WHERE guild_id = $1",
    ),
    (
        "season_posts",
        "DELETE FROM season_posts WHERE guild_id = $1",
    ),
    (
        "season_champions",
        "DELETE FROM season_champions WHERE guild_id = $1",
    ),
    (
        "hidden_members",
        "DELETE FROM hidden_members WHERE guild_id = $1",
    ),
    ("schedules", "DELETE FROM schedules WHERE guild_id = $1"),
    (
        "guild_settings",
        "DELETE FROM guild_settings WHERE guild_id = $1",
    ),
];

/// The tables a member's deletion goes through, for the test that checks every table
/// with a member's id is one of them.
pub fn member_tables() -> Vec<&'static str> {
    MEMBER_TABLES.iter().map(|table| table.name).collect()
}

/// The tables a server deletion goes through, for the test that checks they are all
/// of the schema's (with `server_removals`, which the deletion takes first).
pub fn server_tables() -> Vec<&'static str> {
    SERVER_TABLES.iter().map(|(table, _)| *table).collect()
}

/// One row of a member table, read as its columns say.
fn record<R>(row: &R, columns: &'static [(&'static str, Kind)]) -> StorageResult<Record>
where
    R: sqlx::Row,
    usize: ColumnIndex<R>,
    i64: Value<R::Database>,
    f64: Value<R::Database>,
    bool: Value<R::Database>,
    String: Value<R::Database>,
{
    let mut record = Vec::with_capacity(columns.len());
    for (index, &(name, kind)) in columns.iter().enumerate() {
        let cell = match kind {
            Kind::Id => row
                .try_get::<Option<i64>, _>(index)?
                .map(|id| Cell::Id(from_db_id(id))),
            Kind::Time => row
                .try_get::<Option<i64>, _>(index)?
                .map(|ms| Cell::Time(from_millis(ms))),
            Kind::Int => row.try_get::<Option<i64>, _>(index)?.map(Cell::Int),
            Kind::Real => row.try_get::<Option<f64>, _>(index)?.map(Cell::Real),
            Kind::Text => row.try_get::<Option<String>, _>(index)?.map(Cell::Text),
            Kind::Bool => row.try_get::<Option<bool>, _>(index)?.map(Cell::Bool),
        };
        record.push((name, cell.unwrap_or(Cell::Null)));
    }
    Ok(record)
}

#[async_trait::async_trait]
impl<E> crate::storage::privacy::Privacy for E
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    async fn member_rows(&self, guild_id: u64, user_id: u64) -> StorageResult<MemberRows> {
        let mut tables = Vec::new();
        for table in MEMBER_TABLES {
            let Some((select, columns)) = table.select else {
                continue;
            };
            let rows = sqlx::query(select)
                .bind(to_db_id(guild_id))
                .bind(to_db_id(user_id))
                .fetch_all(self.reader())
                .await?;
            let records = rows
                .iter()
                .map(|row| record(row, columns))
                .collect::<StorageResult<Vec<Record>>>()?;
            tables.push((table.name, records));
        }
        Ok(tables)
    }

    async fn delete_member(&self, guild_id: u64, user_id: u64) -> StorageResult<Removed> {
        // The server and its channels (streaks, totals, standings change) and the
        // member's deck: the same locks their own writes take.
        let mut locks = self.locks_of_guild(guild_id).await?;
        locks.push(Lock::Member {
            guild: guild_id,
            user: user_id,
        });
        let mut tx = self.begin_write(&locks).await?;
        let mut removed = Vec::with_capacity(MEMBER_TABLES.len());
        for table in MEMBER_TABLES {
            let mut rows = 0;
            for &statement in table.forget {
                let result = sqlx::query(statement)
                    .bind(to_db_id(guild_id))
                    .bind(to_db_id(user_id))
                    .execute(&mut *tx)
                    .await?;
                rows += E::rows_affected(&result);
            }
            removed.push((table.name, rows));
        }
        tx.commit().await?;
        Ok(removed)
    }

    async fn set_hidden(
        &self,
        guild_id: u64,
        user_id: u64,
        hidden: bool,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let was = self.is_hidden(guild_id, user_id).await?;
        let (guild, user) = (to_db_id(guild_id), to_db_id(user_id));
        let query = if hidden {
            sqlx::query(
                "INSERT INTO hidden_members (guild_id, user_id, hidden_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (guild_id, user_id) DO NOTHING",
            )
            .bind(guild)
            .bind(user)
            .bind(to_millis(now))
        } else {
            sqlx::query("DELETE FROM hidden_members WHERE guild_id = $1 AND user_id = $2")
                .bind(guild)
                .bind(user)
        };
        query.execute(self.writer()).await?;
        Ok(was)
    }

    async fn is_hidden(&self, guild_id: u64, user_id: u64) -> StorageResult<bool> {
        let row: Option<i64> = sqlx::query_scalar(
            "SELECT hidden_at FROM hidden_members WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(to_db_id(guild_id))
        .bind(to_db_id(user_id))
        .fetch_optional(self.reader())
        .await?;
        Ok(row.is_some())
    }

    async fn server_removed(&self, guild_id: u64, now: DateTime<Utc>) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO server_removals (guild_id, removed_at) VALUES ($1, $2) \
             ON CONFLICT (guild_id) DO NOTHING",
        )
        .bind(to_db_id(guild_id))
        .bind(to_millis(now))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn server_back(&self, guild_id: u64) -> StorageResult<bool> {
        let result = sqlx::query("DELETE FROM server_removals WHERE guild_id = $1")
            .bind(to_db_id(guild_id))
            .execute(self.writer())
            .await?;
        Ok(E::rows_affected(&result) > 0)
    }

    async fn server_removals(&self) -> StorageResult<Vec<(u64, DateTime<Utc>)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT guild_id, removed_at FROM server_removals ORDER BY removed_at, guild_id",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(guild, at)| (from_db_id(guild), from_millis(at)))
            .collect())
    }

    async fn delete_server(
        &self,
        guild_id: u64,
        removed_by: DateTime<Utc>,
    ) -> StorageResult<Option<Removed>> {
        let locks = self.locks_of_guild(guild_id).await?;
        let mut tx = self.begin_write(&locks).await?;
        // The removal is taken (deleted) first: a second process waits for this
        // transaction and then finds nothing to take.
        let taken =
            sqlx::query("DELETE FROM server_removals WHERE guild_id = $1 AND removed_at <= $2")
                .bind(to_db_id(guild_id))
                .bind(to_millis(removed_by))
                .execute(&mut *tx)
                .await?;
        if E::rows_affected(&taken) == 0 {
            return Ok(None);
        }
        let mut removed = Vec::with_capacity(SERVER_TABLES.len());
        for &(table, statement) in SERVER_TABLES {
            let result = sqlx::query(statement)
                .bind(to_db_id(guild_id))
                .execute(&mut *tx)
                .await?;
            removed.push((table, E::rows_affected(&result)));
        }
        tx.commit().await?;
        Ok(Some(removed))
    }
}
