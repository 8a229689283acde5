//! Members' data rights (SPEC §15): the export's shape, what a deletion says it
//! removed, and when a removed server's data goes.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Map, Value, json};

/// The export's format name and version (`docs/privacy.md` documents the shape; a
/// change to it is a new version).
pub const EXPORT_FORMAT: &str = "qotd-member-export";
pub const EXPORT_VERSION: u32 = 1;

/// How long a server's data stays after the bot was removed from it.
pub const SERVER_DATA_KEPT: TimeDelta = TimeDelta::days(30);

/// One stored value, as the export shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A Discord id: a string, as Discord writes them (they exceed JSON's safe integers).
    Id(u64),
    /// An instant: RFC 3339 in UTC, to the millisecond.
    Time(DateTime<Utc>),
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Null,
}

impl Cell {
    fn to_json(&self) -> Value {
        match self {
            Cell::Id(id) => Value::String(id.to_string()),
            Cell::Time(at) => Value::String(at.to_rfc3339_opts(SecondsFormat::Millis, true)),
            Cell::Int(n) => json!(n),
            Cell::Real(x) => json!(x),
            Cell::Text(text) => Value::String(text.clone()),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Null => Value::Null,
        }
    }
}

/// A stored row: its columns, named, in order.
pub type Record = Vec<(&'static str, Cell)>;

/// Every row about one member in one server, table by table.
pub type MemberRows = Vec<(&'static str, Vec<Record>)>;

/// The export document: the format and version, whose data it is, when it was made,
/// and each table's rows as objects (every table is present, empty or not).
pub fn export_document(
    guild_id: u64,
    user_id: u64,
    now: DateTime<Utc>,
    rows: &MemberRows,
) -> Value {
    let tables: Map<String, Value> = rows
        .iter()
        .map(|(table, records)| {
            let records = records
                .iter()
                .map(|record| {
                    let object: Map<String, Value> = record
                        .iter()
                        .map(|(column, cell)| ((*column).to_owned(), cell.to_json()))
                        .collect();
                    Value::Object(object)
                })
                .collect();
            ((*table).to_owned(), Value::Array(records))
        })
        .collect();
    json!({
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "server_id": guild_id.to_string(),
        "member_id": user_id.to_string(),
        "exported_at": Cell::Time(now).to_json(),
        "tables": tables,
    })
}

/// What a deletion removed, for the person and the log: "12 answers, 1 reminders, …"
/// in the order given, tables that lost nothing left out; "nothing" when none did.
pub fn removed_summary(removed: &[(&'static str, u64)]) -> String {
    let parts: Vec<String> = removed
        .iter()
        .filter(|(_, rows)| *rows > 0)
        .map(|(table, rows)| format!("{rows} {table}"))
        .collect();
    if parts.is_empty() {
        "nothing".to_owned()
    } else {
        parts.join(", ")
    }
}

/// What a table's rows are, for a member reading what their export holds or what a
/// deletion takes.
pub fn table_label(table: &str) -> &str {
    match table {
        "answer_stars" => "⭐ you gave to private answers",
        "answer_messages" => "messages showing your private answers (and their ⭐)",
        "private_answers" => "private answers (with their text until it is deleted)",
        "answers" => "answers to daily questions, with their times",
        "member_streaks" => "streaks (one per daily channel)",
        "streak_freezes" => "streak freezes spent",
        "streak_adjustments" => "streak repairs by an admin",
        "practice_reviews" => "practice reviews",
        "practice_cards" => "practice cards",
        "suggestions" => "suggested questions (approved ones stay, without your name)",
        "reveal_reactors" => "💡 on daily questions",
        "quiz_reactors" => "💡 on quizzes",
        "reminders" => "reminder setting",
        "rewards_given" => "reward roles given (Discord keeps the roles)",
        "season_champions" => "months you were champion (the month stays, without you)",
        "team_members" => "team membership",
        "hidden_members" => "leaving the leaderboards",
        other => other,
    }
}

/// One line per table with rows, for the person: "• 12 answers to daily questions…";
/// "nothing" when no table has any.
pub fn rows_list(counts: &[(&'static str, u64)]) -> String {
    let lines: Vec<String> = counts
        .iter()
        .filter(|(_, rows)| *rows > 0)
        .map(|(table, rows)| format!("• {rows} {}", table_label(table)))
        .collect();
    if lines.is_empty() {
        "nothing".to_owned()
    } else {
        lines.join("\n")
    }
}

/// Whether the data of a server the bot was removed from at `removed_at` is due for
/// deletion at `now`: [`SERVER_DATA_KEPT`] later.
pub fn server_data_due(removed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= removed_at + SERVER_DATA_KEPT
}

/// The latest removal whose server's data is due at `now` ([`server_data_due`]).
pub fn removed_by(now: DateTime<Utc>) -> DateTime<Utc> {
    now - SERVER_DATA_KEPT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_removed_servers_data_is_due_thirty_days_later_to_the_millisecond() {
        let removed = at("2026-06-01T12:00:00Z");
        assert!(!server_data_due(removed, at("2026-06-30T12:00:00Z")));
        assert!(!server_data_due(removed, at("2026-07-01T11:59:59.999Z")));
        assert!(server_data_due(removed, at("2026-07-01T12:00:00Z")));
        assert_eq!(removed_by(at("2026-07-01T12:00:00Z")), removed);
    }

    #[test]
    fn the_export_names_its_format_and_shows_ids_as_strings_and_times_in_utc() {
        let rows: MemberRows = vec![
            (
                "answers",
                vec![vec![
                    ("channel_id", Cell::Id(u64::MAX)),
                    ("answered_at", Cell::Time(at("2026-06-01T13:05:00Z"))),
                    ("unaided", Cell::Bool(true)),
                    ("hint", Cell::Null),
                ]],
            ),
            ("reminders", vec![]),
        ];
        let document = export_document(7, 8, at("2026-06-02T00:00:00Z"), &rows);
        assert_eq!(
            document,
            json!({
                "format": "qotd-member-export",
                "version": 1,
                "server_id": "7",
                "member_id": "8",
                "exported_at": "2026-06-02T00:00:00.000Z",
                "tables": {
                    "answers": [{
                        "channel_id": "18446744073709551615",
                        "answered_at": "2026-06-01T13:05:00.000Z",
                        "unaided": true,
                        "hint": null
                    }],
                    "reminders": []
                }
            })
        );
    }

    #[test]
    fn a_summary_lists_what_went_in_order_and_says_nothing_when_nothing_did() {
        assert_eq!(
            removed_summary(&[("answers", 3), ("reminders", 0), ("practice_cards", 1)]),
            "3 answers, 1 practice_cards"
        );
        assert_eq!(removed_summary(&[("answers", 0)]), "nothing");
        assert_eq!(
            rows_list(&[("answers", 2), ("reminders", 0), ("team_members", 1)]),
            "• 2 answers to daily questions, with their times\n• 1 team membership"
        );
        assert_eq!(rows_list(&[]), "nothing");
    }
}
