//! `qotd migrate-db`: copies a SQLite database into an empty PostgreSQL database,
//! every table and row, in one PostgreSQL transaction, and checks the counts before it
//! commits: the target ends up with everything or with nothing.

use futures::TryStreamExt as _;
use sqlx::{PgPool, Row as _, SqlitePool};

use super::contract::{DatabaseKind, Pool};
use super::error::StorageError;
use super::store::Store;

/// How a column's values travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    OptInt,
    Text,
    OptText,
    Bool,
    Real,
}

use Kind::{Bool, Int, OptInt, OptText, Real, Text};

/// A table and its columns, in an order where every row's references exist first.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    /// A column filled by an identity sequence, moved past the copied ids.
    identity: Option<&'static str>,
}

impl Table {
    fn column_names(&self) -> impl Iterator<Item = &'static str> {
        self.columns.iter().map(|(name, _)| *name)
    }
}

/// The tables triggers fill as the rows they follow are copied: emptied once those
/// rows are in, then copied as they are (the last tables of [`TABLES`]).
const KEPT_BY_TRIGGERS: [&str; 5] = [
    "post_answer_counts",
    "practice_inbox",
    "member_totals",
    "guild_ranked",
    "guild_standings",
];

/// Every table of the schema (`tests/migrate_db.rs` checks this list against both).
const TABLES: &[Table] = &[
    Table {
        name: "guild_settings",
        columns: &[
            ("guild_id", Int),
            ("alerts_channel_id", OptInt),
            ("champion_role_id", OptInt),
            ("champion_refused_at", OptInt),
        ],
        identity: None,
    },
    Table {
        name: "schedules",
        columns: &[
            ("channel_id", Int),
            ("guild_id", Int),
            ("post_time", Text),
            ("timezone", Text),
            ("reveal_after_minutes", Int),
            ("reveal_reactions", Int),
            ("category", OptText),
            ("paused", Bool),
            ("removed", Bool),
            ("active_since", Int),
            ("rotation_seed", Int),
            ("rotation_pass", Int),
            ("alert", OptText),
            ("alert_at", OptInt),
            ("updated_at", Int),
            ("bank", OptText),
            ("refused_first", OptText),
            ("refused_last", OptText),
            ("private_answers", Bool),
        ],
        identity: None,
    },
    Table {
        name: "suggestions",
        columns: &[
            ("id", Int),
            ("guild_id", Int),
            ("user_id", Int),
            ("author_name", Text),
            ("bank", OptText),
            ("category", Text),
            ("difficulty", Int),
            ("question", Text),
            ("hint", Text),
            ("status", Text),
            ("reason", OptText),
            ("decided_by", OptInt),
            ("created_at", Int),
            ("decided_at", OptInt),
        ],
        identity: Some("id"),
    },
    Table {
        name: "daily_posts",
        columns: &[
            ("id", Int),
            ("channel_id", Int),
            ("guild_id", Int),
            ("local_date", Text),
            ("seq", Int),
            ("question_id", Text),
            ("pass", Int),
            ("nonce", Text),
            ("claimed_at", Int),
            ("message_id", OptInt),
            ("thread_id", OptInt),
            ("reacted", Bool),
            ("reveal_reactions", Int),
            ("reveal_due_at", Int),
            ("revealed_at", OptInt),
            ("reveal_reason", OptText),
            ("reveal_shown", Bool),
            ("reveal_show_taken_at", OptInt),
            ("private_answers", Bool),
            ("answers_show_taken_at", OptInt),
            ("answers_shown_at", OptInt),
        ],
        identity: Some("id"),
    },
    Table {
        name: "private_answers",
        columns: &[
            ("post_id", Int),
            ("user_id", Int),
            ("guild_id", Int),
            ("author_name", OptText),
            ("body", OptText),
            ("submitted_at", Int),
            ("updated_at", Int),
            ("sending_at", OptInt),
            ("message_id", OptInt),
        ],
        identity: None,
    },
    Table {
        name: "answer_messages",
        columns: &[("message_id", Int), ("post_id", Int), ("user_id", Int)],
        identity: None,
    },
    Table {
        name: "answer_stars",
        columns: &[("message_id", Int), ("voter_id", Int)],
        identity: None,
    },
    Table {
        name: "reminders",
        columns: &[
            ("guild_id", Int),
            ("user_id", Int),
            ("hours_before", Int),
            ("last_sent_on", OptText),
        ],
        identity: None,
    },
    Table {
        name: "role_rewards",
        columns: &[
            ("guild_id", Int),
            ("role_id", Int),
            ("streak", Int),
            ("refused_at", OptInt),
        ],
        identity: None,
    },
    Table {
        name: "rewards_given",
        columns: &[
            ("guild_id", Int),
            ("user_id", Int),
            ("role_id", Int),
            ("taken_at", Int),
            ("given_at", OptInt),
        ],
        identity: None,
    },
    Table {
        name: "season_posts",
        columns: &[
            ("channel_id", Int),
            ("season", Text),
            ("guild_id", Int),
            ("taken_at", Int),
            ("message_id", OptInt),
        ],
        identity: None,
    },
    Table {
        name: "season_champions",
        columns: &[
            ("guild_id", Int),
            ("season", Text),
            ("user_id", OptInt),
            ("taken_at", Int),
            ("moved_at", OptInt),
        ],
        identity: None,
    },
    Table {
        name: "hidden_members",
        columns: &[("guild_id", Int), ("user_id", Int), ("hidden_at", Int)],
        identity: None,
    },
    Table {
        name: "server_removals",
        columns: &[("guild_id", Int), ("removed_at", Int)],
        identity: None,
    },
    Table {
        name: "reveal_reactors",
        columns: &[("post_id", Int), ("user_id", Int)],
        identity: None,
    },
    Table {
        name: "rotation_skips",
        columns: &[
            ("channel_id", Int),
            ("pass", Int),
            ("question_id", Text),
            ("skipped_at", Int),
        ],
        identity: None,
    },
    Table {
        name: "answers",
        columns: &[
            ("post_id", Int),
            ("user_id", Int),
            ("answered_at", Int),
            ("unaided", Bool),
            ("counted", Bool),
        ],
        identity: None,
    },
    Table {
        name: "member_streaks",
        columns: &[
            ("channel_id", Int),
            ("user_id", Int),
            ("guild_id", Int),
            ("current", Int),
            ("best", Int),
            ("total", Int),
            ("unaided", Int),
            ("last_answered_seq", OptInt),
            ("freezes", Int),
            ("last_kept_seq", OptInt),
            ("last_freeze_seq", OptInt),
            ("before_latest_post", OptText),
        ],
        identity: None,
    },
    Table {
        name: "streak_freezes",
        columns: &[("channel_id", Int), ("user_id", Int), ("seq", Int)],
        identity: None,
    },
    Table {
        name: "streak_adjustments",
        columns: &[
            ("id", Int),
            ("channel_id", Int),
            ("user_id", Int),
            ("admin_id", Int),
            ("at", Int),
            ("old_current", Int),
            ("new_current", Int),
            ("old_best", Int),
            ("new_best", Int),
        ],
        identity: Some("id"),
    },
    Table {
        name: "teams",
        columns: &[
            ("id", Int),
            ("guild_id", Int),
            ("name", Text),
            ("name_key", Text),
            ("created_at", Int),
        ],
        identity: Some("id"),
    },
    Table {
        name: "team_members",
        columns: &[
            ("guild_id", Int),
            ("user_id", Int),
            ("team_id", Int),
            ("joined_at", Int),
        ],
        identity: None,
    },
    Table {
        name: "quiz_posts",
        columns: &[
            ("message_id", Int),
            ("guild_id", Int),
            ("channel_id", Int),
            ("question_id", Text),
            ("reveal_reactions", Int),
            ("posted_at", Int),
            ("revealed_at", OptInt),
        ],
        identity: None,
    },
    Table {
        name: "quiz_reactors",
        columns: &[("message_id", Int), ("user_id", Int)],
        identity: None,
    },
    Table {
        name: "practice_cards",
        columns: &[
            ("guild_id", Int),
            ("user_id", Int),
            ("question_id", Text),
            ("due", Int),
            ("stability", Real),
            ("difficulty", Real),
            ("elapsed_days", Int),
            ("scheduled_days", Int),
            ("reps", Int),
            ("lapses", Int),
            ("state", Int),
            ("last_review", Int),
            ("introduced_at", Int),
            ("introduced_by", Text),
        ],
        identity: None,
    },
    Table {
        name: "practice_reviews",
        columns: &[
            ("id", Int),
            ("guild_id", Int),
            ("user_id", Int),
            ("question_id", Text),
            ("rating", Int),
            ("reviewed_at", Int),
            ("source", Text),
            ("post_id", OptInt),
        ],
        identity: Some("id"),
    },
    // Kept by triggers (on member_streaks, on member_totals, on answers): emptied
    // after the rows they follow went in, then copied as they are.
    Table {
        name: "post_answer_counts",
        columns: &[("post_id", Int), ("answers", Int), ("unaided", Int)],
        identity: None,
    },
    Table {
        name: "practice_inbox",
        columns: &[
            ("post_id", Int),
            ("user_id", Int),
            ("guild_id", Int),
            ("question_id", Text),
            ("answered_at", Int),
            ("unaided", Bool),
        ],
        identity: None,
    },
    Table {
        name: "member_totals",
        columns: &[
            ("guild_id", Int),
            ("user_id", Int),
            ("current", Int),
            ("best", Int),
            ("total", Int),
        ],
        identity: None,
    },
    Table {
        name: "guild_ranked",
        columns: &[("guild_id", Int), ("members", Int)],
        identity: None,
    },
    Table {
        name: "guild_standings",
        columns: &[
            ("guild_id", Int),
            ("current", Int),
            ("best", Int),
            ("members", Int),
        ],
        identity: None,
    },
];

/// The tables `migrate-db` copies, each with its columns, in copy order.
pub fn copied_tables() -> Vec<(&'static str, Vec<&'static str>)> {
    TABLES
        .iter()
        .map(|table| (table.name, table.column_names().collect()))
        .collect()
}

/// Rows sent to PostgreSQL per statement.
const BATCH: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("migrate-db copies from SQLite: DATABASE_URL must be sqlite://PATH")]
    SourceNotSqlite,
    #[error("migrate-db copies into PostgreSQL: --to must be postgres://…")]
    TargetNotPostgres,
    #[error(
        "the target database is not empty (table {table} has {rows} rows); nothing was written. Use a new, empty database"
    )]
    TargetNotEmpty { table: String, rows: i64 },
    #[error(
        "table {table}: {copied} rows copied but the source has {expected}; nothing was committed"
    )]
    CountMismatch {
        table: &'static str,
        copied: i64,
        expected: i64,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for CopyError {
    fn from(error: sqlx::Error) -> Self {
        CopyError::Storage(error.into())
    }
}

/// Where a copy is: `done` of `total` rows of `table`.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub table: &'static str,
    pub done: i64,
    pub total: i64,
}

/// Copies the SQLite database at `source` into the empty PostgreSQL database at
/// `target`; returns every table's row count. Checks the target is empty before it
/// writes anything (even the schema).
pub async fn copy_to_postgres(
    source: &str,
    target: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<(&'static str, i64)>, CopyError> {
    if DatabaseKind::of_url(source) != Some(DatabaseKind::Sqlite) {
        return Err(CopyError::SourceNotSqlite);
    }
    if DatabaseKind::of_url(target) != Some(DatabaseKind::Postgres) {
        return Err(CopyError::TargetNotPostgres);
    }
    check_empty(target).await?;
    let source = Store::open(source).await?;
    let target = Store::open(target).await?;
    let (Pool::Sqlite(from), Pool::Postgres(to)) = (source.pool(), target.pool()) else {
        unreachable!("checked by scheme above");
    };
    let counts = copy_tables(from, to, progress).await;
    source.close().await;
    target.close().await;
    counts
}

/// Refuses a database that has any table with rows (a schema without rows, as a bot
/// that started once leaves it, is empty).
async fn check_empty(target: &str) -> Result<(), CopyError> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(target)
        .await
        .map_err(StorageError::from)?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) \
         FROM information_schema.tables WHERE table_type = 'BASE TABLE' \
         AND table_schema NOT IN ('pg_catalog', 'information_schema') \
         AND table_name != '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await?;
    for table in tables {
        let rows: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut conn)
                .await?;
        if rows > 0 {
            return Err(CopyError::TargetNotEmpty { table, rows });
        }
    }
    conn.close().await?;
    Ok(())
}

/// Copies every table in one PostgreSQL transaction from one SQLite read transaction
/// (a consistent snapshot), checks the counts, then commits.
async fn copy_tables(
    from: &SqlitePool,
    to: &PgPool,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<(&'static str, i64)>, CopyError> {
    let mut read = from.begin().await?;
    let mut write = to.begin().await?;
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            table.name
        )))
        .fetch_one(&mut *read)
        .await?;
        if KEPT_BY_TRIGGERS.contains(&table.name) {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", table.name)))
                .execute(&mut *write)
                .await?;
        }
        copy_table(table, total, &mut read, &mut write, progress).await?;
        let copied: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            table.name
        )))
        .fetch_one(&mut *write)
        .await?;
        if copied != total {
            return Err(CopyError::CountMismatch {
                table: table.name,
                copied,
                expected: total,
            });
        }
        if let Some(column) = table.identity {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{0}', '{column}'), \
                 COALESCE(MAX({column}), 0) + 1, false) FROM {0}",
                table.name
            )))
            .execute(&mut *write)
            .await?;
        }
        counts.push((table.name, total));
    }
    write.commit().await?;
    read.commit().await?;
    Ok(counts)
}

/// One column's values of a batch.
enum Values {
    Int(Vec<i64>),
    OptInt(Vec<Option<i64>>),
    Text(Vec<String>),
    OptText(Vec<Option<String>>),
    Bool(Vec<bool>),
    Real(Vec<f64>),
}

impl Values {
    fn new(kind: Kind) -> Self {
        match kind {
            Int => Values::Int(Vec::new()),
            OptInt => Values::OptInt(Vec::new()),
            Text => Values::Text(Vec::new()),
            OptText => Values::OptText(Vec::new()),
            Bool => Values::Bool(Vec::new()),
            Real => Values::Real(Vec::new()),
        }
    }

    fn push(&mut self, row: &sqlx::sqlite::SqliteRow, index: usize) -> Result<(), sqlx::Error> {
        match self {
            Values::Int(values) => values.push(row.try_get(index)?),
            Values::OptInt(values) => values.push(row.try_get(index)?),
            Values::Text(values) => values.push(row.try_get(index)?),
            Values::OptText(values) => values.push(row.try_get(index)?),
            Values::Bool(values) => values.push(row.try_get(index)?),
            Values::Real(values) => values.push(row.try_get(index)?),
        }
        Ok(())
    }

    fn pg_type(&self) -> &'static str {
        match self {
            Values::Int(_) | Values::OptInt(_) => "BIGINT[]",
            Values::Text(_) | Values::OptText(_) => "TEXT[]",
            Values::Bool(_) => "BOOLEAN[]",
            Values::Real(_) => "DOUBLE PRECISION[]",
        }
    }

    fn bind<'q>(
        self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        match self {
            Values::Int(values) => query.bind(values),
            Values::OptInt(values) => query.bind(values),
            Values::Text(values) => query.bind(values),
            Values::OptText(values) => query.bind(values),
            Values::Bool(values) => query.bind(values),
            Values::Real(values) => query.bind(values),
        }
    }
}

/// Streams one table out of SQLite and into PostgreSQL, [`BATCH`] rows a statement.
async fn copy_table(
    table: &Table,
    total: i64,
    read: &mut sqlx::SqliteConnection,
    write: &mut sqlx::PgConnection,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), CopyError> {
    let names: Vec<&str> = table.column_names().collect();
    let select = format!("SELECT {} FROM {}", names.join(", "), table.name);
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(&mut *read);
    let mut batch: Vec<Values> = table.columns.iter().map(|(_, k)| Values::new(*k)).collect();
    let mut in_batch = 0;
    let mut done = 0;
    progress(Progress {
        table: table.name,
        done,
        total,
    });
    while let Some(row) = rows.try_next().await? {
        for (index, values) in batch.iter_mut().enumerate() {
            values.push(&row, index)?;
        }
        in_batch += 1;
        if in_batch == BATCH {
            let full = std::mem::replace(
                &mut batch,
                table.columns.iter().map(|(_, k)| Values::new(*k)).collect(),
            );
            insert(table, full, write).await?;
            done += in_batch as i64;
            in_batch = 0;
            progress(Progress {
                table: table.name,
                done,
                total,
            });
        }
    }
    if in_batch > 0 {
        insert(table, batch, write).await?;
        done += in_batch as i64;
        progress(Progress {
            table: table.name,
            done,
            total,
        });
    }
    Ok(())
}

/// One multi-row INSERT: each column bound as an array, unnested into rows.
async fn insert(
    table: &Table,
    batch: Vec<Values>,
    write: &mut sqlx::PgConnection,
) -> Result<(), sqlx::Error> {
    let names: Vec<&str> = table.column_names().collect();
    let arrays: Vec<String> = batch
        .iter()
        .enumerate()
        .map(|(i, values)| format!("${}::{}", i + 1, values.pg_type()))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
        table.name,
        names.join(", "),
        arrays.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for values in batch {
        query = values.bind(query);
    }
    query.execute(write).await?;
    Ok(())
}
