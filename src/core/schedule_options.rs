//! What `/qotd setup` stores: the options an admin gave, merged with the channel's
//! current settings (an option left out keeps its value, or takes the default).

use std::ops::RangeInclusive;

use crate::core::hint_reveal::{
    DEFAULT_REVEAL_AFTER_MINUTES, DEFAULT_REVEAL_REACTIONS, REVEAL_AFTER_MINUTES_RANGE,
    REVEAL_REACTIONS_RANGE,
};
use crate::core::library::Library;
use crate::core::question_bank::QuestionBank;

/// The reveal and category settings of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleOptions {
    pub reveal_after_minutes: u32,
    pub reveal_reactions: u32,
    /// `None`: the whole bank.
    pub category: Option<String>,
    /// The bank's id (`None`: the default bank).
    pub bank: Option<String>,
    /// Answers are given privately and revealed together (SPEC §13); else in the
    /// thread (the default).
    pub private_answers: bool,
}

/// What the admin asked for the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankChoice {
    /// Left out: keep the channel's bank (the default bank for a new channel).
    Keep,
    /// One bank, by id.
    Only(String),
}

/// What the admin asked for the category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryChoice {
    /// The option was left out: keep what the channel has.
    Keep,
    /// `all`: the whole bank.
    All,
    /// One category, by id.
    Only(String),
}

/// The options an admin gave, checked (`None`: left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedOptions {
    pub reveal_after_minutes: Option<u32>,
    pub reveal_reactions: Option<u32>,
    pub category: CategoryChoice,
    pub bank: BankChoice,
    /// `answers:private` (true) or `answers:thread` (false).
    pub private_answers: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOption {
    #[error("`{what}` must be between {min} and {max}, not {value}.")]
    OutOfRange {
        what: &'static str,
        min: u32,
        max: u32,
        value: i64,
    },
    #[error("There is no category `{typed}`. Choose one of: {known}.")]
    UnknownCategory { typed: String, known: String },
    #[error("That category has no questions in the bank. Pick another category.")]
    EmptyCategory,
    #[error("There is no question bank `{typed}`. Choose one of: {known}.")]
    UnknownBank { typed: String, known: String },
}

/// Reads a bank option: empty is [`BankChoice::Keep`], anything else must name a bank
/// of `library` by id, ignoring case.
pub fn bank_choice(library: &Library, typed: Option<&str>) -> Result<BankChoice, InvalidOption> {
    let Some(typed) = typed.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(BankChoice::Keep);
    };
    let shelves = library.shelves();
    match shelves.iter().find(|s| s.id.eq_ignore_ascii_case(typed)) {
        Some(shelf) => Ok(BankChoice::Only(shelf.id.clone())),
        None => Err(InvalidOption::UnknownBank {
            typed: typed.chars().take(50).collect(),
            known: shelves
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The bank a channel uses after `/qotd setup` (`None`: the default bank, also when
/// chosen by its id `default`, so it follows the default if files are renamed).
pub fn chosen_bank(
    choice: &BankChoice,
    existing: Option<&ScheduleOptions>,
    default: &str,
) -> Option<String> {
    match choice {
        BankChoice::Keep => existing.and_then(|e| e.bank.clone()),
        BankChoice::Only(id) => Some(id.clone()).filter(|id| id != default),
    }
}

/// Reads a category option: empty is [`CategoryChoice::Keep`], `all` the whole bank,
/// anything else must name a category of `bank` by id or name, ignoring case.
pub fn category_choice(
    bank: &QuestionBank,
    typed: Option<&str>,
) -> Result<CategoryChoice, InvalidOption> {
    let Some(typed) = typed.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(CategoryChoice::Keep);
    };
    if typed.eq_ignore_ascii_case("all") {
        return Ok(CategoryChoice::All);
    }
    let found = bank
        .categories()
        .iter()
        .find(|c| c.id.as_str().eq_ignore_ascii_case(typed) || c.name.eq_ignore_ascii_case(typed));
    match found {
        Some(category) => Ok(CategoryChoice::Only(category.id.as_str().to_owned())),
        None => Err(InvalidOption::UnknownCategory {
            typed: typed.chars().take(50).collect(),
            known: bank
                .categories()
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Checks the options as typed, in the order they are listed: the numbers' ranges,
/// then the category (of `bank`, the one the channel will use, `chosen` by the bank
/// option).
pub fn validate(
    bank: &QuestionBank,
    chosen: BankChoice,
    reveal_after: Option<i64>,
    reveal_reactions: Option<i64>,
    category: Option<&str>,
) -> Result<RequestedOptions, InvalidOption> {
    Ok(RequestedOptions {
        reveal_after_minutes: in_range(reveal_after, REVEAL_AFTER_MINUTES_RANGE, "reveal_after")?,
        reveal_reactions: in_range(reveal_reactions, REVEAL_REACTIONS_RANGE, "reveal_reactions")?,
        category: category_choice(bank, category)?,
        bank: chosen,
        private_answers: None,
    })
}

/// The settings after `/qotd setup`: each option given replaces the channel's current
/// value (`existing`), each left out keeps it (or the default for a new channel).
/// `bank` is the bank the channel will use ([`chosen_bank`]), `default` the default
/// bank's id.
pub fn merge(
    bank: &QuestionBank,
    default: &str,
    requested: &RequestedOptions,
    existing: Option<&ScheduleOptions>,
) -> Result<ScheduleOptions, InvalidOption> {
    let merged = ScheduleOptions {
        reveal_after_minutes: requested
            .reveal_after_minutes
            .or(existing.map(|e| e.reveal_after_minutes))
            .unwrap_or(DEFAULT_REVEAL_AFTER_MINUTES),
        reveal_reactions: requested
            .reveal_reactions
            .or(existing.map(|e| e.reveal_reactions))
            .unwrap_or(DEFAULT_REVEAL_REACTIONS),
        category: match &requested.category {
            CategoryChoice::Keep => existing.and_then(|e| e.category.clone()),
            CategoryChoice::All => None,
            CategoryChoice::Only(id) => Some(id.clone()),
        },
        bank: chosen_bank(&requested.bank, existing, default),
        private_answers: requested
            .private_answers
            .or(existing.map(|e| e.private_answers))
            .unwrap_or(false),
    };
    if bank
        .in_category(merged.category.as_deref())
        .next()
        .is_none()
    {
        return Err(InvalidOption::EmptyCategory);
    }
    Ok(merged)
}

fn in_range(
    value: Option<i64>,
    range: RangeInclusive<u32>,
    what: &'static str,
) -> Result<Option<u32>, InvalidOption> {
    match value {
        None => Ok(None),
        Some(v) => u32::try_from(v)
            .ok()
            .filter(|v| range.contains(v))
            .map(Some)
            .ok_or(InvalidOption::OutOfRange {
                what,
                min: *range.start(),
                max: *range.end(),
                value: v,
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> QuestionBank {
        QuestionBank::parse(
            "test.yaml",
            "categories:\n  beginner: Beginner\n  scenario: Scenario-Based\n  empty: Empty\n\
             questions:\n\
             - {id: a, category: beginner, difficulty: 1, question: 'A?', hint: 'a'}\n\
             - {id: b, category: scenario, difficulty: 2, question: 'B?', hint: 'b'}\n",
        )
        .unwrap()
    }

    fn requested(
        after: Option<u32>,
        reactions: Option<u32>,
        category: CategoryChoice,
    ) -> RequestedOptions {
        RequestedOptions {
            reveal_after_minutes: after,
            reveal_reactions: reactions,
            category,
            bank: BankChoice::Keep,
            private_answers: None,
        }
    }

    #[test]
    fn a_new_channel_gets_the_defaults_for_what_was_left_out() {
        let merged = merge(
            &bank(),
            "questions",
            &requested(None, None, CategoryChoice::Keep),
            None,
        )
        .unwrap();
        assert_eq!(
            merged,
            ScheduleOptions {
                reveal_after_minutes: 240,
                reveal_reactions: 1,
                category: None,
                bank: None,
                private_answers: false,
            }
        );
    }

    #[test]
    fn an_update_keeps_what_was_left_out_and_replaces_what_was_given() {
        let existing = ScheduleOptions {
            reveal_after_minutes: 60,
            reveal_reactions: 3,
            category: Some("scenario".into()),
            bank: Some("questions".into()),
            private_answers: true,
        };
        let merged = merge(
            &bank(),
            "questions",
            &requested(None, Some(5), CategoryChoice::Keep),
            Some(&existing),
        )
        .unwrap();
        assert_eq!(
            (
                merged.reveal_after_minutes,
                merged.reveal_reactions,
                merged.category.as_deref()
            ),
            (60, 5, Some("scenario"))
        );
        let cleared = merge(
            &bank(),
            "questions",
            &requested(None, None, CategoryChoice::All),
            Some(&existing),
        )
        .unwrap();
        assert_eq!(cleared.category, None);
        assert_eq!(
            cleared.bank.as_deref(),
            Some("questions"),
            "the bank is kept"
        );
        assert!(cleared.private_answers, "the answers mode is kept");
        let thread = RequestedOptions {
            private_answers: Some(false),
            ..requested(None, None, CategoryChoice::Keep)
        };
        let merged = merge(&bank(), "questions", &thread, Some(&existing)).unwrap();
        assert!(!merged.private_answers, "and replaced when given");
    }

    #[test]
    fn banks_are_chosen_by_id_in_any_case_and_a_left_out_bank_is_kept() {
        let library = Library::from_directory(vec![
            ("questions".into(), bank()),
            ("system-design".into(), bank()),
        ])
        .unwrap();
        assert_eq!(bank_choice(&library, Some(" ")), Ok(BankChoice::Keep));
        assert_eq!(
            bank_choice(&library, Some("System-Design")),
            Ok(BankChoice::Only("system-design".into()))
        );
        let error = bank_choice(&library, Some("cooking")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "There is no question bank `cooking`. Choose one of: questions, system-design."
        );
        let keep = requested(None, None, CategoryChoice::Keep);
        let existing = merge(&bank(), "questions", &keep, None).unwrap();
        let chosen = |choice: &BankChoice, existing: Option<&ScheduleOptions>| {
            chosen_bank(choice, existing, "questions")
        };
        assert_eq!(chosen(&BankChoice::Keep, Some(&existing.clone())), None);
        let pinned = ScheduleOptions {
            bank: Some("system-design".into()),
            ..existing
        };
        assert_eq!(
            chosen(&BankChoice::Keep, Some(&pinned)).as_deref(),
            Some("system-design")
        );
        assert_eq!(
            chosen(&BankChoice::Only("questions".into()), Some(&pinned)),
            None,
            "the default bank is stored as the default, not by its name"
        );
    }

    #[test]
    fn numbers_out_of_range_are_refused_with_the_range() {
        let bank = bank();
        let error = validate(&bank, BankChoice::Keep, Some(0), None, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`reveal_after` must be between 1 and 1440, not 0."
        );
        let error = validate(&bank, BankChoice::Keep, None, Some(26), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`reveal_reactions` must be between 1 and 25, not 26."
        );
        assert!(validate(&bank, BankChoice::Keep, Some(-1), None, None).is_err());
        assert!(validate(&bank, BankChoice::Keep, Some(i64::MAX), None, None).is_err());
    }

    #[test]
    fn options_are_checked_in_the_order_they_are_listed() {
        let error = validate(
            &bank(),
            BankChoice::Keep,
            Some(0),
            Some(99),
            Some("astrology"),
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("`reveal_after`"), "{error}");
        let error =
            validate(&bank(), BankChoice::Keep, None, Some(99), Some("astrology")).unwrap_err();
        assert!(
            error.to_string().starts_with("`reveal_reactions`"),
            "{error}"
        );
        let checked = validate(
            &bank(),
            BankChoice::Keep,
            Some(60),
            Some(2),
            Some("Beginner"),
        )
        .unwrap();
        assert_eq!(
            checked,
            requested(Some(60), Some(2), CategoryChoice::Only("beginner".into()))
        );
    }

    #[test]
    fn categories_are_read_by_id_or_name_in_any_case() {
        let bank = bank();
        assert_eq!(category_choice(&bank, None), Ok(CategoryChoice::Keep));
        assert_eq!(category_choice(&bank, Some("  ")), Ok(CategoryChoice::Keep));
        assert_eq!(category_choice(&bank, Some("ALL")), Ok(CategoryChoice::All));
        assert_eq!(
            category_choice(&bank, Some("scenario-based")),
            Ok(CategoryChoice::Only("scenario".into()))
        );
        let error = category_choice(&bank, Some("astrology")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "There is no category `astrology`. Choose one of: beginner, scenario, empty."
        );
    }

    #[test]
    fn a_category_without_questions_is_refused() {
        let error = merge(
            &bank(),
            "questions",
            &requested(None, None, CategoryChoice::Only("empty".into())),
            None,
        )
        .unwrap_err();
        assert_eq!(error, InvalidOption::EmptyCategory);
    }
}
