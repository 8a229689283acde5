//! The question banks the bot serves (SPEC §10): one file, or a directory of
//! `*.yaml` banks whose ids are the file stems.
//!
//! History refers to questions by id, and ids must stay unique across banks, so every
//! bank but one has its ids qualified as `bank/id`: the single file of a one-file
//! setup, or `questions.yaml` in a directory, keeps plain ids. Rows written before
//! banks existed therefore stay on the default bank, and moving `questions.yaml` into a
//! directory breaks no history.

use std::sync::Arc;

use super::question_bank::{BankError, BankErrors, QUALIFIER, Question, QuestionBank};
use super::yaml_positions::Location;

/// The longest qualified id (`bank/id`): buttons carry question ids in their custom
/// ids, which Discord caps at 100 characters, 26 of them taken by the button's own
/// words and numbers.
pub const MAX_QUALIFIED_ID: usize = 74;

/// The stem of the bank whose ids are not qualified in a directory (and the default
/// bank when present).
pub const PLAIN_BANK: &str = "questions";

/// One bank and its id.
#[derive(Debug, Clone)]
pub struct Shelf {
    pub id: String,
    pub bank: Arc<QuestionBank>,
    /// The file it was read from, when read from a directory.
    pub file: Option<String>,
}

/// Every bank, with the default one (channels that chose none use it).
#[derive(Debug, Clone)]
pub struct Library {
    shelves: Vec<Shelf>,
    default: usize,
    /// The bank whose ids are plain.
    plain: Option<usize>,
    /// Whether the banks came from a directory (each named by its file there).
    directory: bool,
}

/// A bank file as the edge read it: its path as shown in errors, its bank id (the
/// file's stem) and its text, or why it could not be read.
#[derive(Debug, Clone)]
pub struct BankFile {
    pub path: String,
    pub id: String,
    pub text: Result<String, String>,
}

impl Library {
    /// One bank with plain ids (`QUESTIONS_PATH` names a file).
    pub fn single(id: impl Into<String>, bank: QuestionBank) -> Self {
        Self {
            shelves: vec![Shelf {
                id: id.into(),
                bank: Arc::new(bank),
                file: None,
            }],
            default: 0,
            plain: Some(0),
            directory: false,
        }
    }

    /// The banks of a directory, by stem: `questions` keeps plain ids and is the
    /// default; the others' ids are qualified; without `questions` the first by name is
    /// the default. `None` when there are no banks.
    pub fn from_directory(mut banks: Vec<(String, QuestionBank)>) -> Option<Self> {
        banks.sort_by(|a, b| a.0.cmp(&b.0));
        let plain = banks.iter().position(|(id, _)| id == PLAIN_BANK);
        let shelves: Vec<Shelf> = banks
            .into_iter()
            .map(|(id, bank)| {
                let bank = if id == PLAIN_BANK {
                    bank
                } else {
                    bank.qualified(&id)
                };
                Shelf {
                    id,
                    bank: Arc::new(bank),
                    file: None,
                }
            })
            .collect();
        (!shelves.is_empty()).then_some(Self {
            shelves,
            default: plain.unwrap_or(0),
            plain,
            directory: true,
        })
    }

    /// The library of one bank file (`QUESTIONS_PATH` names a file): its problems are
    /// reported against its path.
    pub fn from_file(file: BankFile) -> Result<Self, Vec<BankErrors>> {
        let bank = file.parse().map_err(|errors| vec![errors])?;
        let id = if file.id.is_empty() {
            PLAIN_BANK.to_owned()
        } else {
            file.id
        };
        Ok(Self::single(id, bank))
    }

    /// The library of a directory's `*.yaml` files (`dir` as shown in errors). Every
    /// problem of every file is reported, each against its own path.
    pub fn from_files(dir: &str, files: Vec<BankFile>) -> Result<Self, Vec<BankErrors>> {
        let (mut banks, mut problems) = (Vec::new(), Vec::new());
        let mut seen = std::collections::HashMap::new();
        for file in files {
            if let Some(first) = seen.insert(file.id.clone(), file.path.clone()) {
                let problem = format!("`{first}` is a bank of the same name: rename one");
                problems.push(whole_file(&file.path, problem));
                continue;
            }
            match (bank_id_problem(&file.id), file.parse()) {
                (None, Ok(bank)) => match long_ids(&file.id, &bank) {
                    None => banks.push((file.id, bank)),
                    Some(problem) => problems.push(whole_file(&file.path, problem)),
                },
                (Some(problem), _) => problems.push(whole_file(&file.path, problem)),
                (None, Err(errors)) => problems.push(errors),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut library = Self::from_directory(banks).ok_or_else(|| {
            vec![whole_file(
                dir,
                "the directory has no `*.yaml` or `*.yml` question banks".to_owned(),
            )]
        })?;
        for shelf in &mut library.shelves {
            shelf.file = seen.remove(&shelf.id);
        }
        Ok(library)
    }

    pub fn shelves(&self) -> &[Shelf] {
        &self.shelves
    }

    /// More than one bank: channels can choose.
    pub fn is_several(&self) -> bool {
        self.shelves.len() > 1
    }

    pub fn default_id(&self) -> &str {
        &self.shelves[self.default].id
    }

    pub fn default_bank(&self) -> &Arc<QuestionBank> {
        &self.shelves[self.default].bank
    }

    /// Bank `id` (`None`: the default).
    pub fn bank(&self, id: Option<&str>) -> Option<&Arc<QuestionBank>> {
        match id {
            None => Some(self.default_bank()),
            Some(id) => self.shelves.iter().find(|s| s.id == id).map(|s| &s.bank),
        }
    }

    /// The bank a question id belongs to, by its qualifier.
    pub fn bank_of(&self, question_id: &str) -> Option<&Arc<QuestionBank>> {
        let shelf = match question_id.split_once(QUALIFIER) {
            Some((bank, _)) => self.shelves.iter().position(|s| s.id == bank),
            None => self.plain,
        }?;
        Some(&self.shelves[shelf].bank)
    }

    /// A question of any bank, with its bank.
    pub fn question(&self, question_id: &str) -> Option<(&Arc<QuestionBank>, &Question)> {
        let bank = self.bank_of(question_id)?;
        bank.get_str(question_id).map(|question| (bank, question))
    }

    /// `qotd check`'s report: one summary line per bank.
    /// One line per bank (`qotd check`): `path` is `QUESTIONS_PATH` as shown, the file
    /// itself or the directory of the banks.
    pub fn summary(&self, path: &str) -> String {
        if !self.directory {
            return self.default_bank().summary(path);
        }
        self.shelves
            .iter()
            .map(|shelf| {
                let file = shelf
                    .file
                    .clone()
                    .unwrap_or_else(|| format!("{}/{}.yaml", path.trim_end_matches('/'), shelf.id));
                shelf.bank.summary(&file)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl BankFile {
    /// The file's bank, or its problems against its path.
    pub fn parse(&self) -> Result<QuestionBank, BankErrors> {
        match &self.text {
            Ok(text) => QuestionBank::parse(&self.path, text),
            Err(problem) => Err(whole_file(
                &self.path,
                format!("cannot read the file: {problem}"),
            )),
        }
    }
}

/// A directory that could not be listed, as a problem against its path.
pub fn unreadable_directory(dir: &str, problem: impl std::fmt::Display) -> BankErrors {
    whole_file(dir, format!("cannot read the directory: {problem}"))
}

/// Why a file stem cannot name a bank (it becomes part of every question id).
fn bank_id_problem(id: &str) -> Option<String> {
    let slug = !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    (!slug).then(|| {
        format!("the bank's file name `{id}` is not a bank id: rename the file to lowercase letters, digits and dashes (at most 32), e.g. `system-design.yaml`")
    })
}

/// Ids too long once qualified by bank `id` (the plain bank's ids are never
/// qualified).
fn long_ids(id: &str, bank: &QuestionBank) -> Option<String> {
    if id == PLAIN_BANK {
        return None;
    }
    let room = MAX_QUALIFIED_ID.saturating_sub(id.len() + 1);
    let long: Vec<&str> = bank
        .questions()
        .iter()
        .map(|q| q.id.as_str())
        .filter(|q| q.len() > room)
        .collect();
    (!long.is_empty()).then(|| {
        format!(
            "in bank `{id}`, question ids can have at most {room} characters (the bank's id takes the rest of {MAX_QUALIFIED_ID}): shorten {}",
            long.iter().map(|q| format!("`{q}`")).collect::<Vec<_>>().join(", ")
        )
    })
}

fn whole_file(path: &str, message: String) -> BankErrors {
    BankErrors {
        path: path.to_owned(),
        errors: vec![BankError {
            location: Location::WHOLE_FILE,
            message,
        }],
    }
}

/// `QUESTIONS_PATH` names nothing: the problem, against that path.
pub fn missing_bank(path: &str) -> BankErrors {
    whole_file(
        path,
        "no such file or directory: QUESTIONS_PATH names the question bank, one YAML \
         file or a directory of them (default: questions.yaml)"
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(ids: &[&str]) -> QuestionBank {
        let mut text = String::from("categories:\n  basics: Basics\nquestions:\n");
        for id in ids {
            text.push_str(&format!(
                "  - {{id: {id}, category: basics, difficulty: 1, question: '{id}?', hint: 'h'}}\n"
            ));
        }
        QuestionBank::parse("test.yaml", &text).unwrap()
    }

    #[test]
    fn a_single_file_keeps_plain_ids_and_is_the_default() {
        let library = Library::single("prep", bank(&["a", "b"]));
        assert!(!library.is_several());
        assert_eq!(library.default_id(), "prep");
        assert_eq!(library.question("a").unwrap().1.question, "a?");
        assert!(library.question("prep/a").is_none());
        assert!(library.bank(Some("other")).is_none());
    }

    #[test]
    fn in_a_directory_only_questions_keeps_plain_ids_and_ids_never_meet() {
        let library = Library::from_directory(vec![
            ("system-design".into(), bank(&["a", "c"])),
            ("questions".into(), bank(&["a", "b"])),
        ])
        .unwrap();
        assert!(library.is_several());
        assert_eq!(library.default_id(), "questions");
        let ids = |id: Option<&str>| -> Vec<String> {
            let bank = library.bank(id).unwrap();
            bank.questions().iter().map(|q| q.id.to_string()).collect()
        };
        assert_eq!(ids(None), ["a", "b"]);
        assert_eq!(
            ids(Some("system-design")),
            ["system-design/a", "system-design/c"]
        );
        assert_eq!(
            library.question("system-design/c").unwrap().1.question,
            "c?"
        );
        assert_eq!(library.question("a").unwrap().1.question, "a?");
        assert!(library.question("c").is_none());
        assert!(library.question("nowhere/a").is_none());
    }

    #[test]
    fn without_questions_yaml_the_first_bank_by_name_is_the_default_and_every_id_is_qualified() {
        let library = Library::from_directory(vec![
            ("ml".into(), bank(&["x"])),
            ("go".into(), bank(&["x"])),
        ])
        .unwrap();
        assert_eq!(library.default_id(), "go");
        assert_eq!(library.default_bank().questions()[0].id.as_str(), "go/x");
        assert!(library.question("x").is_none());
        assert!(Library::from_directory(Vec::new()).is_none());
    }

    #[test]
    fn ids_that_would_be_too_long_once_qualified_are_named() {
        let long = "a".repeat(60);
        let text = bank(&["short", &long]);
        assert!(
            long_ids("questions", &text).is_none(),
            "plain ids are never qualified"
        );
        assert!(long_ids("ml", &text).is_none(), "3 + 60 fit in 74");
        let problem = long_ids("system-design-extra", &text).unwrap();
        assert!(problem.contains(&format!("`{long}`")), "{problem}");
        assert!(!problem.contains("`short`"), "{problem}");
    }

    #[test]
    fn a_file_name_that_is_not_a_slug_cannot_name_a_bank() {
        assert!(bank_id_problem("system-design").is_none());
        for bad in ["System Design", "a/b", "", "-x", "x.y"] {
            assert!(bank_id_problem(bad).is_some(), "{bad}");
        }
    }
}
