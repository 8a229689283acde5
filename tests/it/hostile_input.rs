//! Hostile question banks: every one gives located errors, never a panic, in bounded
//! time and memory — through the library and through `qotd check` under a memory cap.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use qotd::core::yaml_positions::Location;

use crate::support::binary::{Exited, Qotd};
use crate::support::repo_path;

fn corpus() -> Vec<PathBuf> {
    let dir = repo_path("tests/data/hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Runs `qotd check` on `path` with at most 1 GiB of address space and 120 s of CPU.
///
/// The CPU cap catches a hang or a blow-up (a quadratic check of 100,000 questions
/// would take hours), not speed: the unoptimized test build needs about 27 s for
/// 100,000 questions on this machine, and the release build's speed is a benchmark's job.
fn check_capped(path: &Path) -> Exited {
    Qotd::new(["check".as_ref(), path.as_os_str()])
        .limited(1024 * 1024, 120)
        .output()
}

fn assert_located_errors(path: &Path, stderr: &str) {
    let shown = path.display().to_string();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "{shown}: no error printed");
    for line in lines {
        let rest = line
            .strip_prefix(&format!("{shown}:"))
            .unwrap_or_else(|| panic!("{shown}: not located: {line}"));
        if rest.starts_with(" cannot read the file") {
            continue; // a problem of the whole file: no line to point at
        }
        let mut parts = rest.splitn(3, ':');
        let line_no: usize = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{line}"));
        let column: usize = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{line}"));
        assert!(line_no >= 1 && column >= 1, "{line}");
        assert!(parts.next().is_some_and(|m| !m.trim().is_empty()), "{line}");
    }
}

#[test]
fn the_hostile_corpus_has_at_least_forty_banks_and_each_is_rejected_with_located_errors() {
    let files = corpus();
    assert!(files.len() >= 40, "{} files", files.len());
    for path in files {
        let started = Instant::now();
        let result = std::panic::catch_unwind(|| qotd::bank_files::read_bank(&path));
        let errors = match result {
            Ok(Err(errors)) => errors,
            Ok(Ok(_)) => panic!("{} was accepted", path.display()),
            Err(_) => panic!("{} made the loader panic", path.display()),
        };
        assert!(!errors.errors.is_empty());
        // Located at a line and column, or (a file that cannot be read at all, such
        // as one that is not UTF-8) a problem of the whole file, with no made-up line.
        assert!(
            errors.errors.iter().all(|e| {
                (e.location.line >= 1 && e.location.column >= 1)
                    || (e.location == Location::WHOLE_FILE
                        && e.message.starts_with("cannot read the file"))
            }),
            "{errors}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{} took {:?}",
            path.display(),
            started.elapsed()
        );
    }
}

#[test]
fn qotd_check_rejects_every_hostile_bank_with_exit_two_under_a_memory_cap() {
    for path in corpus() {
        let exited = check_capped(&path);
        assert_eq!(exited.code(), Some(2), "{}: {exited:?}", path.display());
        assert_located_errors(&path, &exited.stderr);
    }
}

fn question(id: &str, hint: &str) -> String {
    format!(
        "  - id: {id}\n    category: beginner\n    difficulty: 2\n    question: What is {id}?\n    hint: {hint}\n"
    )
}

#[test]
fn a_bank_of_100000_questions_loads_and_a_duplicate_at_its_end_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("categories:\n  beginner: Beginner\nquestions:\n");
    for n in 0..100_000 {
        text.push_str(&question(&format!("q-{n}"), "A hint."));
    }
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, &text).unwrap();
    let exited = check_capped(&path);
    assert_eq!(exited.code(), Some(0), "{exited:?}");
    assert!(exited.stdout.contains("100000 questions in 1 category"));

    text.push_str(&question("q-7", "Again."));
    std::fs::write(&path, &text).unwrap();
    let exited = check_capped(&path);
    assert_eq!(exited.code(), Some(2));
    let stderr = &exited.stderr;
    assert!(
        stderr.contains(":500004:9: duplicate question id `q-7` (first used at line 39, column 9)"),
        "{stderr}"
    );
}

#[test]
fn a_ten_megabyte_hint_is_refused_with_its_length_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "h".repeat(10 * 1024 * 1024);
    let text = format!(
        "categories:\n  beginner: Beginner\nquestions:\n{}",
        question("huge", &huge)
    );
    let path = dir.path().join("huge.yaml");
    std::fs::write(&path, text).unwrap();
    let exited = check_capped(&path);
    assert_eq!(exited.code(), Some(2));
    let stderr = &exited.stderr;
    assert!(
        stderr.contains("`hint` is 10485760 characters"),
        "{}",
        &stderr[..stderr.len().min(300)]
    );
    assert!(stderr.len() < 1_000, "the text itself is not echoed");
}
