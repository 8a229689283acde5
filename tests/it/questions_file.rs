//! The shipped question bank and `qotd check`, end to end.

use std::collections::BTreeMap;

use crate::support::binary::Qotd;
use crate::support::repo_path;
use qotd::core::question_bank::QuestionBank;

fn shipped_bank() -> QuestionBank {
    qotd::bank_files::read_bank(&repo_path("questions.yaml")).expect("questions.yaml is valid")
}

/// The seed's hints, one per line after its section headings, with the broken arrow
/// (`β`) read as `→` the way the bank restores it.
fn seed_hints() -> Vec<(String, String)> {
    let sections = [
        ("Beginner", "beginner"),
        ("Intermediate", "intermediate"),
        ("Advanced", "advanced"),
        ("Scenario-Based", "scenario"),
        ("AI Workflow & Tools", "workflow"),
        ("Behavioral", "behavioral"),
    ];
    let text =
        std::fs::read_to_string(repo_path("tests/data/seed-ai-emotion-detection.txt")).unwrap();
    let mut category = "";
    let mut hints = Vec::new();
    for line in text.lines().skip(3).map(str::trim) {
        if let Some((_, id)) = sections.iter().find(|(heading, _)| *heading == line) {
            category = id;
            continue;
        }
        // The first hint of a section is glued to its "N questions" line.
        let hint = match line.split_once(" questions") {
            Some((count, rest)) if count.chars().all(|c| c.is_ascii_digit()) => rest,
            _ => line,
        };
        if !hint.is_empty() {
            hints.push((category.to_owned(), hint.replace('β', "→")));
        }
    }
    hints
}

#[test]
fn the_shipped_bank_has_fifty_questions_in_the_seeds_six_sections() {
    let bank = shipped_bank();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for question in bank.questions() {
        *counts.entry(question.category.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        ("advanced", 10),
        ("behavioral", 5),
        ("beginner", 5),
        ("intermediate", 10),
        ("scenario", 10),
        ("workflow", 10),
    ]
    .into();
    assert_eq!(counts, expected);
    assert_eq!(bank.title(), "AI Emotion Detection Specialist");
}

#[test]
fn every_hint_of_the_seed_appears_in_the_bank_under_its_section() {
    let bank = shipped_bank();
    let hints = seed_hints();
    assert_eq!(hints.len(), 50);
    for (category, hint) in &hints {
        let question = bank
            .questions()
            .iter()
            .find(|q| &without_corrections(&q.hint) == hint)
            .unwrap_or_else(|| panic!("hint missing from the bank: {hint}"));
        assert_eq!(question.category.as_str(), category, "{}", question.id);
    }
    assert!(bank.questions().iter().all(|q| !q.hint.contains('β')));
}

/// A hint with its bracketed corrections taken out: the source's own sentence.
fn without_corrections(hint: &str) -> String {
    let mut text = hint.to_owned();
    while let Some(start) = text.find(" [Correction: ") {
        let end = text[start..]
            .find(']')
            .map_or(text.len(), |e| start + e + 1);
        text.replace_range(start..end, "");
    }
    text
}

#[test]
fn four_hints_correct_the_sources_factual_errors_and_keep_its_sentence() {
    let bank = shipped_bank();
    let corrected: Vec<(&str, &str)> = bank
        .questions()
        .iter()
        .filter_map(|q| {
            let start = q.hint.find("[Correction: ")?;
            Some((q.id.as_str(), &q.hint[start..]))
        })
        .collect();
    let ids: Vec<&str> = corrected.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        [
            "inter-annotator-agreement",
            "multilingual-emotion-detection",
            "privacy-and-regulation",
            "staying-current"
        ]
    );
    let all: String = corrected.iter().map(|(_, text)| *text).collect();
    for fact in [
        "English-only",
        "Article 5(1)(f)",
        "high-risk",
        "Fleiss",
        "Krippendorff",
        "conference",
    ] {
        assert!(all.contains(fact), "no correction mentions {fact}: {all}");
    }
}

#[test]
fn every_question_is_a_question_an_interviewer_would_ask() {
    for question in shipped_bank().questions() {
        let text = &question.question;
        assert_ne!(text, &question.hint, "{}", question.id);
        assert!(
            text.ends_with('?') || text.ends_with('.'),
            "{}: {text}",
            question.id
        );
        assert!(!question.tags.is_empty(), "{} has tags", question.id);
    }
}

#[test]
fn qotd_check_prints_the_summary_and_exits_zero() {
    let exited = Qotd::new(["check", "questions.yaml"]).output();
    assert_eq!(exited.code(), Some(0));
    assert_eq!(
        exited.stdout.trim(),
        "questions.yaml: 50 questions in 6 categories"
    );
}

#[test]
fn qotd_check_without_a_path_checks_the_default_bank() {
    let exited = Qotd::new(["check"]).output();
    assert_eq!(exited.code(), Some(0));
    assert!(exited.stdout.contains("50 questions in 6 categories"));
}

#[test]
fn qotd_check_prints_three_located_errors_for_three_problems_and_exits_two() {
    let path = "tests/data/banks/three-problems.yaml";
    let exited = Qotd::new(["check", path]).output();
    assert_eq!(exited.code(), Some(2));
    let lines: Vec<&str> = exited.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{path}:12:5: the question is missing `hint`"),
            format!(
                "{path}:16:9: duplicate question id `first-question` (first used at line 7, column 9)"
            ),
            format!("{path}:17:15: unknown category `expert` (declared: beginner, advanced)"),
        ]
    );
}

#[test]
fn qotd_run_refuses_an_invalid_bank_with_the_same_messages_and_exits_two() {
    let exited = Qotd::new(["run"])
        .env("DISCORD_TOKEN", "not-a-real-token")
        .env("QUESTIONS_PATH", "tests/data/banks/three-problems.yaml")
        .env("DATABASE_URL", "sqlite::memory:")
        .output();
    assert_eq!(exited.code(), Some(2));
    let stderr = &exited.stderr;
    assert!(
        stderr.contains("three-problems.yaml:12:5: the question is missing `hint`"),
        "{stderr}"
    );
    assert!(stderr.contains("unknown category `expert`"), "{stderr}");
}

#[test]
fn qotd_run_without_a_token_exits_two_with_one_clear_line() {
    // An empty folder: no .env there to supply a token.
    let empty = tempfile::tempdir().unwrap();
    let exited = Qotd::new(["run"]).in_dir(empty.path()).output();
    assert_eq!(exited.code(), Some(2));
    assert_eq!(
        exited.stderr.trim(),
        "error: DISCORD_TOKEN is not set: put it in the environment or in .env (see .env.example)"
    );
}

/// Writes `files` (name, text) into a new directory.
fn bank_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

const SMALL_BANK: &str = "categories:\n  basics: Basics\nquestions:\n  - id: a\n    category: basics\n    difficulty: 1\n    question: A?\n    hint: a\n";

#[test]
fn qotd_check_dir_checks_every_bank_and_prints_one_summary_line_each() {
    let dir = bank_dir(&[
        ("questions.yaml", SMALL_BANK),
        ("system-design.yaml", SMALL_BANK),
        ("notes.txt", "not a bank"),
    ]);
    let path = dir.path().display().to_string();
    let exited = Qotd::new(["check", &path]).output();
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    let lines: Vec<&str> = exited.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{path}/questions.yaml: 1 question in 1 category"),
            format!("{path}/system-design.yaml: 1 question in 1 category"),
        ]
    );
}

#[test]
fn qotd_check_dir_reports_the_errors_of_both_broken_files_each_with_its_own_path() {
    let broken_hint = SMALL_BANK.replace("    hint: a\n", "");
    let broken_category = SMALL_BANK.replace(
        "category: basics\n    difficulty",
        "category: cooking\n    difficulty",
    );
    let dir = bank_dir(&[
        ("ml.yaml", &broken_hint),
        ("questions.yaml", SMALL_BANK),
        ("System Design.yaml", SMALL_BANK),
        ("zz.yaml", &broken_category),
    ]);
    let path = dir.path().display().to_string();
    let exited = Qotd::new(["check", &path]).output();
    assert_eq!(exited.code(), Some(2));
    let lines: Vec<&str> = exited.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "{path}/System Design.yaml: the bank's file name `System Design` is not a bank id: rename the file to lowercase letters, digits and dashes (at most 32), e.g. `system-design.yaml`"
            ),
            format!("{path}/ml.yaml:4:5: the question is missing `hint`"),
            format!("{path}/zz.yaml:5:15: unknown category `cooking` (declared: basics)"),
        ],
        "{}",
        exited.stderr
    );
    // The bot refuses to start on the same directory, with the same lines.
    let run = Qotd::new(["run"])
        .env("DISCORD_TOKEN", "not-a-real-token")
        .env("QUESTIONS_PATH", &path)
        .env("DATABASE_URL", "sqlite::memory:")
        .output();
    assert_eq!(run.code(), Some(2));
    for line in lines {
        assert!(run.stderr.contains(line), "{}", run.stderr);
    }
}

#[test]
fn qotd_check_of_a_directory_without_banks_says_so() {
    let dir = bank_dir(&[("README.md", "no banks here")]);
    let path = dir.path().display().to_string();
    let exited = Qotd::new(["check", &path]).output();
    assert_eq!(exited.code(), Some(2));
    assert_eq!(
        exited.stderr.trim(),
        format!("{path}: the directory has no `*.yaml` or `*.yml` question banks")
    );
}

/// A missing bank says so and names the setting, without a made-up line and column
/// (issue 27, operator item); `run` says the same and exits 2.
#[test]
fn a_missing_bank_is_named_as_missing_with_the_setting_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.yaml").display().to_string();
    let expected = format!(
        "{path}: no such file or directory: QUESTIONS_PATH names the question bank, one YAML \
         file or a directory of them (default: questions.yaml)"
    );
    let checked = Qotd::new(["check", &path]).output();
    assert_eq!(checked.code(), Some(2));
    assert_eq!(checked.stderr.trim(), expected);
    let run = Qotd::new(["run"])
        .env("DISCORD_TOKEN", "not-a-real-token")
        .env("QUESTIONS_PATH", &path)
        .env("DATABASE_URL", "sqlite::memory:")
        .output();
    assert_eq!(run.code(), Some(2));
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(!run.stderr.contains("invalid"), "{}", run.stderr);
}

/// `*.yml` banks are banks too; two files of one name are refused, naming both.
#[test]
fn yml_files_are_banks_and_two_files_of_one_name_are_refused() {
    let dir = bank_dir(&[("questions.yaml", SMALL_BANK), ("extra.yml", SMALL_BANK)]);
    let path = dir.path().display().to_string();
    let exited = Qotd::new(["check", &path]).output();
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    assert!(
        exited
            .stdout
            .contains(&format!("{path}/extra.yml: 1 question")),
        "{}",
        exited.stdout
    );
    std::fs::write(dir.path().join("extra.yaml"), SMALL_BANK).unwrap();
    let twice = Qotd::new(["check", &path]).output();
    assert_eq!(twice.code(), Some(2));
    assert!(
        twice
            .stderr
            .contains("is a bank of the same name: rename one"),
        "{}",
        twice.stderr
    );
}
