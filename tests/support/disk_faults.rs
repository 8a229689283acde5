//! Real file-system faults for the database: a small tmpfs that can be filled, and the
//! immutable attribute, which even root cannot write through. Both need root (the
//! tests and CI run as root); each guard undoes its fault when dropped.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use tempfile::TempDir;

fn run(program: &str, args: &[&str], path: &Path) {
    let status = Command::new(program)
        .args(args)
        .arg(path)
        .status()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    assert!(
        status.success(),
        "`{program} {} {}` failed: these tests need root (as in CI)",
        args.join(" "),
        path.display()
    );
}

/// A tmpfs of a fixed size: a real disk that can be filled.
pub struct SmallDisk {
    dir: TempDir,
    filler: PathBuf,
}

impl SmallDisk {
    pub fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        run(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ],
            dir.path(),
        );
        let filler = dir.path().join("filler");
        Self { dir, filler }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full.
    pub fn fill(&self) {
        let mut file = std::fs::File::create(&self.filler).unwrap();
        let block = vec![0xA5u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let block = [0xA5u8; 512];
        while file.write_all(&block).is_ok() {}
        let _ = file.sync_all();
    }

    pub fn free(&self) {
        std::fs::remove_file(&self.filler).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Files made immutable (`chattr +i`): every write to them fails, also through file
/// descriptors opened before.
pub struct Immutable {
    files: Vec<PathBuf>,
}

impl Immutable {
    pub fn set(files: &[PathBuf]) -> Self {
        for file in files {
            run("chattr", &["+i"], file);
        }
        Self {
            files: files.to_vec(),
        }
    }

    pub fn clear(mut self) {
        self.undo();
    }

    fn undo(&mut self) {
        for file in self.files.drain(..) {
            let _ = Command::new("chattr").arg("-i").arg(&file).status();
        }
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        self.undo();
    }
}

/// Everything the bot logs (at info and above) on this thread while the guard lives.
/// `#[tokio::test]` runs the bot's tasks on the test's thread, so that is all of it.
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    pub fn install() -> (Self, tracing::subscriber::DefaultGuard) {
        let log = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(log.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        (log, guard)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Lines containing `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| line.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLog {
    type Writer = CapturedLog;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
