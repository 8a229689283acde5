//! The question bank: `questions.yaml` parsed into checked types.
//!
//! Parsing goes raw YAML → per-field checks → [`QuestionBank`], collecting every problem
//! with its line and column instead of stopping at the first, so `qotd check` can list
//! them all at once.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_yaml::{Mapping, Value};

use super::yaml_positions::{Location, NodePath, Positions};

/// Discord's embed limits, in characters.
pub mod embed_limits {
    pub const TITLE: usize = 256;
    pub const DESCRIPTION: usize = 4096;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FOOTER: usize = 2048;
    pub const TOTAL: usize = 6000;
}

const MAX_SLUG_LEN: usize = 64;
const MAX_TAGS: usize = 10;
const MAX_TAG_LEN: usize = 32;
/// Room the rendered embed needs around the bank's text (labels, series number, …).
const EMBED_CHROME: usize = 200;
const DEFAULT_TITLE: &str = "Question of the day";

/// Separates a bank's id from a question's in a qualified id (`bank/question`); no
/// slug contains it.
pub const QUALIFIER: char = '/';

/// A question's stable identifier: a lowercase slug (qualified by its bank outside
/// the default bank, see [`QuestionBank::qualified`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuestionId(String);

impl QuestionId {
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_slug(text).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for QuestionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A category's identifier, declared under `categories`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryId(String);

impl CategoryId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How hard a question is, 1 (warm-up) to 5 (expert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Difficulty(u8);

impl Difficulty {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    pub fn new(value: i64) -> Option<Self> {
        Self::parse(value).ok()
    }

    /// The difficulty `value` names, or why it is none (a member's `/quiz` option).
    pub fn parse(value: i64) -> Result<Self, DifficultyOutOfRange> {
        match u8::try_from(value) {
            Ok(level) if (Self::MIN..=Self::MAX).contains(&level) => Ok(Self(level)),
            _ => Err(DifficultyOutOfRange(value)),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A difficulty outside [`Difficulty::MIN`]..=[`Difficulty::MAX`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`difficulty` must be between {min} and {max}, not {0}.", min = Difficulty::MIN, max = Difficulty::MAX)]
pub struct DifficultyOutOfRange(pub i64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: QuestionId,
    pub category: CategoryId,
    pub difficulty: Difficulty,
    pub question: String,
    pub hint: String,
    pub tags: Vec<String>,
    /// The member who suggested it (an approved suggestion, SPEC §10): a display
    /// name, shown as text.
    pub suggested_by: Option<String>,
}

impl Question {
    /// A question kept outside a bank file (an approved suggestion), from the fields
    /// it was checked with when it was filed.
    pub fn kept(
        id: String,
        category: &str,
        difficulty: i64,
        question: String,
        hint: String,
        suggested_by: Option<String>,
    ) -> Self {
        Self {
            id: QuestionId(id),
            category: CategoryId(category.to_owned()),
            difficulty: Difficulty::new(difficulty).unwrap_or(Difficulty(Difficulty::MIN)),
            question,
            hint,
            tags: Vec::new(),
            suggested_by,
        }
    }
}

/// A checked bank: every question valid, ids unique, categories declared.
#[derive(Debug, Clone)]
pub struct QuestionBank {
    title: String,
    categories: Vec<Category>,
    questions: Vec<Question>,
    by_id: HashMap<QuestionId, usize>,
}

impl QuestionBank {
    /// Parses bank text; `path` only names the source in errors.
    pub fn parse(path: &str, text: &str) -> Result<Self, BankErrors> {
        parse_bank(text).map_err(|mut errors| {
            errors.sort_by_key(|error| error.location);
            BankErrors {
                path: path.to_owned(),
                errors,
            }
        })
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    pub fn get(&self, id: &QuestionId) -> Option<&Question> {
        self.by_id.get(id).map(|&index| &self.questions[index])
    }

    /// Looks a question up by its id text (as stored in the database).
    pub fn get_str(&self, id: &str) -> Option<&Question> {
        self.get(&QuestionId(id.to_owned()))
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id.as_str() == id)
    }

    /// Questions of `category` (all when `None`).
    pub fn in_category<'a>(
        &'a self,
        category: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions
            .iter()
            .filter(move |q| category.is_none_or(|c| q.category.as_str() == c))
    }

    /// Questions of `category` (all when `None`) at `difficulty` (any when `None`):
    /// what `/quiz` picks from.
    pub fn matching<'a>(
        &'a self,
        category: Option<&'a str>,
        difficulty: Option<Difficulty>,
    ) -> impl Iterator<Item = &'a Question> + 'a {
        self.in_category(category)
            .filter(move |q| difficulty.is_none_or(|d| q.difficulty == d))
    }

    /// The same bank with every id qualified as `prefix/id` (a bank of a directory
    /// other than the default one: its ids cannot meet another bank's).
    pub fn qualified(mut self, prefix: &str) -> Self {
        for question in &mut self.questions {
            question.id = QuestionId(format!("{prefix}{QUALIFIER}{}", question.id));
        }
        self.reindex();
        self
    }

    /// The same bank with `extra` questions added (a server's approved suggestions);
    /// an id already in the bank keeps the bank's question.
    pub fn with_questions(&self, extra: impl IntoIterator<Item = Question>) -> Self {
        let mut bank = self.clone();
        for question in extra {
            if !bank.by_id.contains_key(&question.id) {
                bank.by_id.insert(question.id.clone(), bank.questions.len());
                bank.questions.push(question);
            }
        }
        bank
    }

    fn reindex(&mut self) {
        self.by_id = self
            .questions
            .iter()
            .enumerate()
            .map(|(index, q)| (q.id.clone(), index))
            .collect();
    }

    /// The one-line summary `qotd check` prints.
    pub fn summary(&self, path: &str) -> String {
        let questions = self.questions.len();
        let categories = self.categories.len();
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        format!(
            "{path}: {} in {}",
            plural(questions, "question"),
            plural(categories, "category").replace("categorys", "categories")
        )
    }
}

/// One located problem in a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankError {
    pub location: Location,
    pub message: String,
}

impl BankError {
    fn at(location: Location, message: impl Into<String>) -> Self {
        Self {
            location,
            message: message.into(),
        }
    }
}

/// Every problem found in one bank file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct BankErrors {
    pub path: String,
    pub errors: Vec<BankError>,
}

impl fmt::Display for BankErrors {
    /// One `PATH:LINE:COL: message` line per problem (`PATH: message` for a problem
    /// of the whole file).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match error.location {
                Location::WHOLE_FILE => write!(f, "{}: {}", self.path, error.message)?,
                Location { line, column } => {
                    write!(f, "{}:{line}:{column}: {}", self.path, error.message)?
                }
            }
        }
        Ok(())
    }
}

fn parse_slug(text: &str) -> Result<String, String> {
    let valid_chars = text
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if text.is_empty() {
        Err("must not be empty".to_owned())
    } else if text.len() > MAX_SLUG_LEN {
        Err(format!("must be at most {MAX_SLUG_LEN} characters"))
    } else if !valid_chars || text.starts_with('-') || text.ends_with('-') || text.contains("--") {
        Err(format!(
            "`{}` is not a slug (lowercase letters, digits and single dashes, e.g. `cultural-display-rules`)",
            preview(text)
        ))
    } else {
        Ok(text.to_owned())
    }
}

/// A short, printable excerpt of user text for error messages.
fn preview(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Collects problems while walking the document.
struct Checker<'a> {
    positions: &'a Positions,
    errors: Vec<BankError>,
}

impl Checker<'_> {
    fn error(&mut self, path: &NodePath, message: impl Into<String>) {
        self.errors
            .push(BankError::at(self.positions.value(path), message));
    }

    fn key_error(&mut self, path: &NodePath, message: impl Into<String>) {
        self.errors
            .push(BankError::at(self.positions.key(path), message));
    }

    fn mapping<'v>(
        &mut self,
        value: &'v Value,
        path: &NodePath,
        what: &str,
    ) -> Option<&'v Mapping> {
        match value {
            Value::Mapping(mapping) => Some(mapping),
            other => {
                self.error(
                    path,
                    format!("{what} must be a mapping, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Reports keys of `mapping` outside `known` (catches typos such as `hnit`).
    fn unknown_keys(&mut self, mapping: &Mapping, path: &NodePath, known: &[&str], what: &str) {
        for key in mapping.keys() {
            let name = key
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{key:?}"));
            if !known.contains(&name.as_str()) {
                self.key_error(
                    &path.key(&name),
                    format!(
                        "unknown field `{}` in {what} (expected one of: {})",
                        preview(&name),
                        known.join(", ")
                    ),
                );
            }
        }
    }

    /// A required text field: present, a string, not blank, no control characters, at most `limit` characters.
    fn text(
        &mut self,
        mapping: &Mapping,
        parent: &NodePath,
        field: &str,
        limit: usize,
        what: &str,
    ) -> Option<String> {
        let path = parent.key(field);
        let Some(value) = mapping.get(field) else {
            self.error(parent, format!("{what} is missing `{field}`"));
            return None;
        };
        self.text_value(value, &path, field, limit)
    }

    fn text_value(
        &mut self,
        value: &Value,
        path: &NodePath,
        field: &str,
        limit: usize,
    ) -> Option<String> {
        let Value::String(raw) = value else {
            self.error(
                path,
                format!("`{field}` must be text, found {}", type_name(value)),
            );
            return None;
        };
        let text = raw.trim();
        let length = text.chars().count();
        if text.is_empty() {
            self.error(path, format!("`{field}` must not be empty"));
            None
        } else if let Some(bad) = text
            .chars()
            .find(|&c| c.is_control() && c != '\n' && c != '\t')
        {
            self.error(
                path,
                format!(
                    "`{field}` contains the control character U+{:04X}",
                    u32::from(bad)
                ),
            );
            None
        } else if length > limit {
            self.error(
                path,
                format!("`{field}` is {length} characters; a Discord embed allows at most {limit}"),
            );
            None
        } else {
            Some(text.to_owned())
        }
    }
}

fn parse_bank(text: &str) -> Result<QuestionBank, Vec<BankError>> {
    let document: Value = serde_yaml::from_str(text).map_err(|error| {
        let location = error
            .location()
            .map(|l| Location {
                line: l.line(),
                column: l.column(),
            })
            .unwrap_or(Location::START);
        vec![BankError::at(
            location,
            format!("invalid YAML: {}", strip_location(&error)),
        )]
    })?;
    let positions = Positions::index(text);
    let mut checker = Checker {
        positions: &positions,
        errors: Vec::new(),
    };
    let root = NodePath::root();
    let Some(top) = checker.mapping(&document, &root, "the bank") else {
        return Err(checker.errors);
    };
    checker.unknown_keys(
        top,
        &root,
        &["title", "categories", "questions"],
        "the bank",
    );

    let title = match top.get("title") {
        Some(value) => checker.text_value(value, &root.key("title"), "title", embed_limits::TITLE),
        None => Some(DEFAULT_TITLE.to_owned()),
    };
    let categories = parse_categories(&mut checker, top, &root);
    let questions = parse_questions(&mut checker, top, &root, &categories);

    if !checker.errors.is_empty() {
        return Err(checker.errors);
    }
    let title = title.unwrap_or_default();
    let by_id = questions
        .iter()
        .enumerate()
        .map(|(index, q)| (q.id.clone(), index))
        .collect();
    Ok(QuestionBank {
        title,
        categories,
        questions,
        by_id,
    })
}

/// serde_yaml appends " at line L column C" to messages; the location is printed separately.
fn strip_location(error: &serde_yaml::Error) -> String {
    let message = error.to_string();
    match message.find(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message,
    }
}

fn parse_categories(checker: &mut Checker<'_>, top: &Mapping, root: &NodePath) -> Vec<Category> {
    let path = root.key("categories");
    let Some(value) = top.get("categories") else {
        checker.error(
            root,
            "the bank is missing `categories` (a mapping of category id to display name)",
        );
        return Vec::new();
    };
    let Some(mapping) = checker.mapping(value, &path, "`categories`") else {
        return Vec::new();
    };
    if mapping.is_empty() {
        checker.error(&path, "`categories` must declare at least one category");
    }
    let mut categories = Vec::new();
    for (key, name) in mapping {
        let Some(id) = key.as_str() else {
            checker.error(
                &path,
                format!("a category id must be text, found {}", type_name(key)),
            );
            continue;
        };
        let entry = path.key(id);
        let id = match parse_slug(id) {
            Ok(id) => Some(CategoryId(id)),
            Err(problem) => {
                checker.key_error(&entry, format!("category id {problem}"));
                None
            }
        };
        let name = checker.text_value(name, &entry, "category name", embed_limits::FIELD_NAME);
        if let (Some(id), Some(name)) = (id, name) {
            categories.push(Category { id, name });
        }
    }
    categories
}

const QUESTION_FIELDS: [&str; 6] = ["id", "category", "difficulty", "question", "hint", "tags"];

fn parse_questions(
    checker: &mut Checker<'_>,
    top: &Mapping,
    root: &NodePath,
    categories: &[Category],
) -> Vec<Question> {
    let path = root.key("questions");
    let Some(value) = top.get("questions") else {
        checker.error(
            root,
            "the bank is missing `questions` (a list of questions)",
        );
        return Vec::new();
    };
    let Value::Sequence(entries) = value else {
        checker.error(
            &path,
            format!("`questions` must be a list, found {}", type_name(value)),
        );
        return Vec::new();
    };
    if entries.is_empty() {
        checker.error(
            &path,
            "`questions` is empty: the bank needs at least one question",
        );
    }
    let declared: HashSet<&str> = categories.iter().map(|c| c.id.as_str()).collect();
    let mut first_seen: HashMap<String, Location> = HashMap::new();
    let mut questions = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let entry_path = path.index(index);
        if let Some(question) = parse_question(
            checker,
            entry,
            &entry_path,
            &declared,
            categories,
            &mut first_seen,
        ) {
            questions.push(question);
        }
    }
    questions
}

fn parse_question(
    checker: &mut Checker<'_>,
    entry: &Value,
    path: &NodePath,
    declared: &HashSet<&str>,
    categories: &[Category],
    first_seen: &mut HashMap<String, Location>,
) -> Option<Question> {
    let mapping = checker.mapping(entry, path, "a question")?;
    checker.unknown_keys(mapping, path, &QUESTION_FIELDS, "a question");
    let errors_before = checker.errors.len();
    let id = parse_id(checker, mapping, path, first_seen);
    let category = parse_category(checker, mapping, path, declared, categories);
    let difficulty = parse_difficulty(checker, mapping, path);
    let limit = embed_limits::DESCRIPTION;
    let question = checker.text(mapping, path, "question", limit, "the question");
    let limit = embed_limits::FIELD_VALUE;
    let hint = checker.text(mapping, path, "hint", limit, "the question");
    let tags = parse_tags(checker, mapping, path);
    if checker.errors.len() != errors_before {
        return None;
    }
    let question = Question {
        id: id?,
        category: category?,
        difficulty: difficulty?,
        question: question?,
        hint: hint?,
        tags: tags?,
        suggested_by: None,
    };
    fits_one_embed(checker, path, &question, categories).then_some(question)
}

/// A question's id: a slug, not used by an earlier question.
fn parse_id(
    checker: &mut Checker<'_>,
    mapping: &Mapping,
    path: &NodePath,
    first_seen: &mut HashMap<String, Location>,
) -> Option<QuestionId> {
    let id = checker
        .text(mapping, path, "id", MAX_SLUG_LEN * 4, "the question")
        .and_then(|id| match QuestionId::parse(&id) {
            Ok(id) => Some(id),
            Err(problem) => {
                checker.error(&path.key("id"), format!("question id {problem}"));
                None
            }
        })?;
    let here = checker.positions.value(&path.key("id"));
    if let Some(first) = first_seen.get(id.as_str()) {
        let (line, column) = (first.line, first.column);
        checker.error(
            &path.key("id"),
            format!("duplicate question id `{id}` (first used at line {line}, column {column})"),
        );
    } else {
        first_seen.insert(id.as_str().to_owned(), here);
    }
    Some(id)
}

/// A question's category: one the bank declares.
fn parse_category(
    checker: &mut Checker<'_>,
    mapping: &Mapping,
    path: &NodePath,
    declared: &HashSet<&str>,
    categories: &[Category],
) -> Option<CategoryId> {
    let category = checker.text(mapping, path, "category", MAX_SLUG_LEN * 4, "the question")?;
    if declared.contains(category.as_str()) {
        return Some(CategoryId(category));
    }
    let known: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
    checker.error(
        &path.key("category"),
        format!(
            "unknown category `{}` (declared: {})",
            preview(&category),
            known.join(", ")
        ),
    );
    None
}

/// A question's difficulty: a whole number in range.
fn parse_difficulty(
    checker: &mut Checker<'_>,
    mapping: &Mapping,
    path: &NodePath,
) -> Option<Difficulty> {
    let Some(value) = mapping.get("difficulty") else {
        checker.error(path, "the question is missing `difficulty`");
        return None;
    };
    let parsed = value.as_i64().and_then(Difficulty::new);
    if parsed.is_none() {
        checker.error(
            &path.key("difficulty"),
            format!(
                "`difficulty` must be a whole number from {} to {}, found {}",
                Difficulty::MIN,
                Difficulty::MAX,
                describe(value)
            ),
        );
    }
    parsed
}

/// Whether the question, its hint, category and tags fit one Discord embed.
fn fits_one_embed(
    checker: &mut Checker<'_>,
    path: &NodePath,
    question: &Question,
    categories: &[Category],
) -> bool {
    let category_name = categories
        .iter()
        .find(|c| c.id == question.category)
        .map_or(0, |c| c.name.chars().count());
    let total = question.question.chars().count()
        + question.hint.chars().count()
        + category_name
        + question
            .tags
            .iter()
            .map(|t| t.chars().count() + 2)
            .sum::<usize>()
        + embed_limits::TITLE
        + EMBED_CHROME;
    if total > embed_limits::TOTAL {
        checker.error(
            path,
            format!(
                "question `{}` is too long for one Discord embed (about {total} of {} characters with its hint, category and tags)",
                question.id,
                embed_limits::TOTAL
            ),
        );
        return false;
    }
    true
}

fn describe(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("\"{}\"", preview(s)),
        other => type_name(other).to_owned(),
    }
}

fn parse_tags(
    checker: &mut Checker<'_>,
    mapping: &Mapping,
    path: &NodePath,
) -> Option<Vec<String>> {
    let tags_path = path.key("tags");
    let value = match mapping.get("tags") {
        None | Some(Value::Null) => return Some(Vec::new()),
        Some(value) => value,
    };
    let Value::Sequence(items) = value else {
        checker.error(
            &tags_path,
            format!("`tags` must be a list, found {}", type_name(value)),
        );
        return None;
    };
    if items.len() > MAX_TAGS {
        checker.error(
            &tags_path,
            format!("at most {MAX_TAGS} tags, found {}", items.len()),
        );
        return None;
    }
    let mut tags = Vec::with_capacity(items.len());
    let mut ok = true;
    for (index, item) in items.iter().enumerate() {
        match checker.text_value(item, &tags_path.index(index), "tag", MAX_TAG_LEN) {
            Some(tag) => tags.push(tag),
            None => ok = false,
        }
    }
    ok.then_some(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "\
title: Test bank
categories:
  beginner: Beginner
  advanced: Advanced
questions:
  - id: first-question
    category: beginner
    difficulty: 1
    question: What is one?
    hint: One is one.
    tags: [numbers]
  - id: second-question
    category: advanced
    difficulty: 5
    question: What is two?
    hint: Two is two.
";

    fn errors(text: &str) -> Vec<(usize, usize, String)> {
        QuestionBank::parse("bank.yaml", text)
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| (e.location.line, e.location.column, e.message))
            .collect()
    }

    #[test]
    fn a_valid_bank_parses_into_checked_questions() {
        let bank = QuestionBank::parse("bank.yaml", VALID).unwrap();
        assert_eq!(bank.title(), "Test bank");
        assert_eq!(bank.questions().len(), 2);
        let second = bank.get_str("second-question").unwrap();
        assert_eq!(second.difficulty.get(), 5);
        assert_eq!(second.category.as_str(), "advanced");
        assert!(second.tags.is_empty());
        assert_eq!(
            bank.summary("bank.yaml"),
            "bank.yaml: 2 questions in 2 categories"
        );
        assert_eq!(bank.in_category(Some("beginner")).count(), 1);
    }

    #[test]
    fn a_difficulty_is_one_to_five_and_says_so_otherwise() {
        assert_eq!(Difficulty::parse(1).map(Difficulty::get), Ok(1));
        assert_eq!(Difficulty::parse(5).map(Difficulty::get), Ok(5));
        for outside in [0, 6, -1, 256 + 3] {
            let error = Difficulty::parse(outside).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("`difficulty` must be between 1 and 5, not {outside}.")
            );
        }
    }

    #[test]
    fn quiz_questions_match_a_category_and_a_difficulty_each_optional() {
        let bank = QuestionBank::parse("bank.yaml", VALID).unwrap();
        let ids = |category, difficulty: Option<i64>| -> Vec<&str> {
            bank.matching(category, difficulty.and_then(Difficulty::new))
                .map(|q| q.id.as_str())
                .collect()
        };
        assert_eq!(ids(None, None), ["first-question", "second-question"]);
        assert_eq!(ids(None, Some(5)), ["second-question"]);
        assert_eq!(ids(Some("beginner"), Some(1)), ["first-question"]);
        assert!(ids(Some("beginner"), Some(5)).is_empty());
    }

    #[test]
    fn a_duplicate_id_a_missing_hint_and_an_unknown_category_are_all_located() {
        let text = VALID
            .replace("id: second-question", "id: first-question")
            .replace("    hint: One is one.\n", "")
            .replace("category: advanced", "category: expert");
        let found = errors(&text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0, 6, "missing hint points at the entry: {found:?}");
        assert!(found[0].2.contains("missing `hint`"));
        assert_eq!((found[1].0, found[1].1), (11, 9));
        assert!(
            found[1]
                .2
                .contains("duplicate question id `first-question`")
        );
        assert_eq!((found[2].0, found[2].1), (12, 15));
        assert!(found[2].2.contains("unknown category `expert`"));
    }

    #[test]
    fn broken_yaml_reports_the_parser_location() {
        let found = errors("questions:\n  - id: [unclosed\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].2.starts_with("invalid YAML"), "{found:?}");
        assert!(found[0].0 >= 2);
    }

    #[test]
    fn wrong_types_and_bad_values_are_each_reported() {
        let text = VALID
            .replace("difficulty: 1", "difficulty: hard")
            .replace("difficulty: 5", "difficulty: 9")
            .replace("id: first-question", "id: First Question")
            .replace("tags: [numbers]", "tags: numbers");
        let found = errors(&text);
        let messages: Vec<&str> = found.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(found.len(), 4, "{messages:?}");
        assert!(messages[0].contains("is not a slug"));
        assert!(messages[1].contains("found \"hard\""));
        assert!(messages[2].contains("`tags` must be a list"));
        assert!(messages[3].contains("found 9"));
    }

    #[test]
    fn text_longer_than_an_embed_allows_is_an_error() {
        let long_hint = "x".repeat(embed_limits::FIELD_VALUE + 1);
        let found = errors(&VALID.replace("One is one.", &long_hint));
        assert_eq!(found.len(), 1);
        assert!(found[0].2.contains("1025 characters"), "{found:?}");
    }

    #[test]
    fn empty_text_control_characters_and_unknown_fields_are_errors() {
        let text = VALID
            .replace("question: What is one?", "question: \"  \"")
            .replace("hint: Two is two.", "hint: \"Two\\u0007\"\n    hnit: typo");
        let found = errors(&text);
        let messages: Vec<&str> = found.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert!(messages[0].contains("must not be empty"));
        assert!(messages[1].contains("U+0007"));
        assert!(messages[2].contains("unknown field `hnit`"));
    }

    #[test]
    fn a_bank_without_questions_or_categories_is_rejected() {
        let found = errors("title: nothing\n");
        assert_eq!(found.len(), 2);
        let found = errors("categories: {a: A}\nquestions: []\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].2.contains("at least one question"));
    }

    #[test]
    fn errors_print_as_path_line_column_message() {
        let text = VALID.replace("category: advanced", "category: expert");
        let report = QuestionBank::parse("bank.yaml", &text)
            .unwrap_err()
            .to_string();
        assert!(
            report.starts_with("bank.yaml:13:15: unknown category `expert`"),
            "{report}"
        );
    }
}
