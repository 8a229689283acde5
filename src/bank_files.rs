//! Reading the question banks from disk (`QUESTIONS_PATH`: one bank file, or a
//! directory of `*.yaml` or `*.yml` banks). Only the reading is here: what makes a
//! bank or a library valid is decided in `core::question_bank` and `core::library`.

use std::path::{Path, PathBuf};

use crate::core::library::{self, BankFile, Library};
use crate::core::question_bank::{BankErrors, QuestionBank};

/// The library at `path`: a bank file, or a directory of `*.yaml` banks. Every problem
/// of every file is reported, each against its own path.
pub fn read_library(path: &Path) -> Result<Library, Vec<BankErrors>> {
    if !path.exists() {
        return Err(vec![library::missing_bank(&path.display().to_string())]);
    }
    if !path.is_dir() {
        return Library::from_file(read(path));
    }
    let shown = path.display().to_string();
    let files =
        yaml_files(path).map_err(|error| vec![library::unreadable_directory(&shown, error)])?;
    Library::from_files(&shown, files.iter().map(|file| read(file)).collect())
}

/// The bank in the file at `path` (problems reported against `path`).
pub fn read_bank(path: &Path) -> Result<QuestionBank, BankErrors> {
    read(path).parse()
}

/// One line per bank of the library read from `path` (`qotd check`).
pub fn summary(library: &Library, path: &Path) -> String {
    library.summary(&path.display().to_string())
}

fn read(path: &Path) -> BankFile {
    BankFile {
        path: path.display().to_string(),
        id: path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default()
            .to_owned(),
        text: std::fs::read_to_string(path).map_err(|error| error.to_string()),
    }
}

/// The `*.yaml` and `*.yml` files of `dir`, by name.
fn yaml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
