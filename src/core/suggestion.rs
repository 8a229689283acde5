//! Members' suggested questions (SPEC §10).
//!
//! A suggestion is checked by the bank's own rules: it is written out as a one-question
//! bank with the target bank's title and categories and read back by the parser
//! `qotd check` uses, so it passes exactly when the same question in the bank file
//! would, with the same messages. Each problem is located by the `/suggest` option it
//! concerns (file lines mean nothing to a member). On top, a suggested question is at
//! most [`MAX_QUESTION_CHARS`] long, so a page of them fits the admins' review list.

use serde_yaml::{Mapping, Value};

use super::question_bank::{Question, QuestionBank};
use super::yaml_positions::{NodePath, Positions};

/// What a member typed into `/suggest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggested<'a> {
    pub question: &'a str,
    pub hint: &'a str,
    pub category: &'a str,
    /// Absent: the middle of the scale.
    pub difficulty: Option<i64>,
}

/// Suggestions a member may have waiting for a decision at once.
pub const MAX_PENDING: usize = 3;

/// The difficulty of a suggestion that names none.
pub const DEFAULT_DIFFICULTY: i64 = 3;

/// The longest suggested question: several fit one review embed (6,000 characters).
pub const MAX_QUESTION_CHARS: usize = 1_000;

/// The longest suggested hint: with the question, three suggestions fit one review
/// message.
pub const MAX_HINT_CHARS: usize = 500;

/// Suggestions one review message shows (each with its Approve and Reject buttons).
pub const REVIEW_PAGE: usize = 3;

/// The longest author name shown ("suggested by …"), Discord's own limit.
pub const MAX_AUTHOR_CHARS: usize = 32;

/// The longest reason an admin can give for a rejection.
pub const MAX_REASON_CHARS: usize = 500;

/// An approved suggestion's question id: no bank id has a colon, so it meets none.
const ID_PREFIX: &str = "suggestion:";

/// The id a suggestion is checked under.
const CHECKED_ID: &str = "suggested-question";

/// The `/suggest` options, in the order they are listed.
const OPTIONS: [&str; 4] = ["question", "hint", "category", "difficulty"];

/// The question id of approved suggestion `number`.
pub fn question_id(number: i64) -> String {
    format!("{ID_PREFIX}{number}")
}

/// The suggestion number of a question id, when it is an approved suggestion's.
pub fn number_of(question_id: &str) -> Option<i64> {
    question_id.strip_prefix(ID_PREFIX)?.parse().ok()
}

/// The checked question, or every problem with it, each starting with the option it
/// concerns (`` `hint`: … ``).
pub fn check(bank: &QuestionBank, suggested: &Suggested<'_>) -> Result<Question, Vec<String>> {
    let text = one_question_bank(bank, suggested);
    let mut problems = Vec::new();
    let length = suggested.question.chars().count();
    if length > MAX_QUESTION_CHARS {
        problems.push(format!(
            "`question`: a suggested question can have at most {MAX_QUESTION_CHARS} characters (this one has {length})"
        ));
    }
    let length = suggested.hint.chars().count();
    if length > MAX_HINT_CHARS {
        problems.push(format!(
            "`hint`: a suggested hint can have at most {MAX_HINT_CHARS} characters (this one has {length})"
        ));
    }
    match QuestionBank::parse("suggestion", &text) {
        Ok(checked) if problems.is_empty() => {
            return checked
                .questions()
                .first()
                .cloned()
                .ok_or_else(|| vec!["the suggestion has no question".to_owned()]);
        }
        Ok(_) => {}
        Err(errors) => {
            let positions = Positions::index(&text);
            let question = NodePath::root().key("questions").index(0);
            for error in errors.errors {
                let option = OPTIONS.into_iter().find(|option| {
                    let path = question.key(option);
                    error.location == positions.value(&path)
                        || error.location == positions.key(&path)
                });
                let message = error.message.replace(&format!(" `{CHECKED_ID}`"), "");
                let message = message.replace(&format!("`{CHECKED_ID}` "), "");
                problems.push(match option {
                    Some(option) => format!("`{option}`: {message}"),
                    None => message,
                });
            }
        }
    }
    Err(problems)
}

/// The suggestion as a bank of one question, with `bank`'s title and categories.
fn one_question_bank(bank: &QuestionBank, suggested: &Suggested<'_>) -> String {
    let mut categories = Mapping::new();
    for category in bank.categories() {
        categories.insert(
            Value::from(category.id.as_str()),
            Value::from(category.name.as_str()),
        );
    }
    let mut question = Mapping::new();
    question.insert("id".into(), CHECKED_ID.into());
    question.insert("category".into(), suggested.category.trim().into());
    question.insert(
        "difficulty".into(),
        suggested.difficulty.unwrap_or(DEFAULT_DIFFICULTY).into(),
    );
    question.insert("question".into(), suggested.question.into());
    question.insert("hint".into(), suggested.hint.into());
    let mut document = Mapping::new();
    document.insert("title".into(), bank.title().into());
    document.insert("categories".into(), Value::Mapping(categories));
    document.insert(
        "questions".into(),
        Value::Sequence(vec![Value::Mapping(question)]),
    );
    // A mapping of strings and numbers always serializes.
    serde_yaml::to_string(&Value::Mapping(document)).unwrap_or_default()
}

/// A member's display name as the credit shows it: printable, one line, at most
/// [`MAX_AUTHOR_CHARS`]; "a member" when nothing printable is left.
pub fn author_name(display_name: &str) -> String {
    let printable: String = display_name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name: String = printable
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_AUTHOR_CHARS)
        .collect();
    if name.is_empty() {
        "a member".to_owned()
    } else {
        name
    }
}

/// A rejection reason as typed: trimmed, at most [`MAX_REASON_CHARS`], never empty.
pub fn reason(typed: &str) -> Result<String, String> {
    let reason = typed.trim();
    if reason.is_empty() {
        Err("Give a reason: the member sees it in `/suggest list`.".to_owned())
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Err(format!(
            "A reason can have at most {MAX_REASON_CHARS} characters."
        ))
    } else {
        Ok(reason.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> QuestionBank {
        QuestionBank::parse(
            "test.yaml",
            "title: Prep\ncategories:\n  beginner: Beginner\n  advanced: Advanced\nquestions:\n  - id: one\n    category: beginner\n    difficulty: 1\n    question: What is it?\n    hint: Think.\n",
        )
        .unwrap()
    }

    fn suggested<'a>(question: &'a str, hint: &'a str, category: &'a str) -> Suggested<'a> {
        Suggested {
            question,
            hint,
            category,
            difficulty: None,
        }
    }

    #[test]
    fn a_valid_suggestion_becomes_a_checked_question_of_the_middle_difficulty() {
        let question = check(&bank(), &suggested("Why?", "Because.", "advanced")).unwrap();
        assert_eq!(question.question, "Why?");
        assert_eq!(question.hint, "Because.");
        assert_eq!(question.category.as_str(), "advanced");
        assert_eq!(question.difficulty.get(), 3);
    }

    #[test]
    fn each_problem_is_named_with_the_option_it_is_in() {
        let long = "x".repeat(2_000);
        let mut broken = suggested(&long, "", "cooking");
        broken.difficulty = Some(9);
        let problems = check(&bank(), &broken).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(
            problems[0],
            "`question`: a suggested question can have at most 1000 characters (this one has 2000)"
        );
        let named = |option: &str, text: &str| {
            problems
                .iter()
                .any(|p| p.starts_with(&format!("`{option}`: ")) && p.contains(text))
        };
        assert!(named("hint", "must not be empty"), "{problems:?}");
        assert!(
            named(
                "category",
                "unknown category `cooking` (declared: beginner, advanced)"
            ),
            "{problems:?}"
        );
        assert!(
            named("difficulty", "must be a whole number from 1 to 5"),
            "{problems:?}"
        );
        assert!(
            problems.iter().all(|p| !p.contains(CHECKED_ID)),
            "{problems:?}"
        );
    }

    #[test]
    fn yaml_in_the_text_is_only_text() {
        let text = "key: value\n- item\n'quote\" @everyone";
        let question = check(&bank(), &suggested(text, "a: b", "beginner")).unwrap();
        assert_eq!(question.question, text);
        assert_eq!(question.hint, "a: b");
    }

    #[test]
    fn suggestion_ids_meet_no_slug_and_read_back() {
        assert_eq!(question_id(17), "suggestion:17");
        assert_eq!(number_of("suggestion:17"), Some(17));
        assert_eq!(number_of("suggestion-17"), None);
        assert_eq!(number_of("ml/suggestion:17"), None);
    }

    #[test]
    fn an_author_name_is_one_printable_line_of_at_most_32_characters() {
        assert_eq!(author_name("  Ada\n\u{7}Lovelace "), "Ada Lovelace");
        assert_eq!(author_name(&"é".repeat(40)).chars().count(), 32);
        assert_eq!(author_name("\n\t"), "a member");
        assert_eq!(
            author_name("@everyone"),
            "@everyone",
            "text, shown where it cannot ping"
        );
    }

    #[test]
    fn a_long_hint_is_refused() {
        let hint = "h".repeat(501);
        let problems = check(&bank(), &suggested("Why?", &hint, "beginner")).unwrap_err();
        assert_eq!(
            problems,
            ["`hint`: a suggested hint can have at most 500 characters (this one has 501)"]
        );
    }

    #[test]
    fn a_reason_is_trimmed_and_neither_empty_nor_long() {
        assert_eq!(reason("  Too vague.  ").unwrap(), "Too vague.");
        assert!(reason("   ").is_err());
        assert!(reason(&"x".repeat(501)).is_err());
    }
}
