//! Real file-system faults for the database: a small tmpfs that can be filled, and the
//! immutable attribute, which even root cannot write through. Both need root (the
//! tests and CI run as root); each guard undoes its fault when dropped.

use std::cell::RefCell;
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
///
/// The lines come from the one global subscriber (`support::init_tracing`), whose
/// capture layer writes to the log installed on the emitting thread. A second,
/// thread-local subscriber would be simpler, but spans then cross between two
/// registries (sqlx's worker threads close them) and tracing-subscriber panics.
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static CAPTURING: RefCell<Option<CapturedLog>> = const { RefCell::new(None) };
}

/// Puts back the log that was installed before (usually none) when dropped.
pub struct CaptureGuard(Option<CapturedLog>);

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        CAPTURING.with(|slot| *slot.borrow_mut() = previous);
    }
}

impl CapturedLog {
    pub fn install() -> (Self, CaptureGuard) {
        super::init_tracing();
        let log = Self::default();
        let previous = CAPTURING.with(|slot| slot.borrow_mut().replace(log.clone()));
        (log, CaptureGuard(previous))
    }

    /// The global subscriber's layer that feeds the installed logs.
    pub fn layer<S>() -> impl tracing_subscriber::Layer<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        use tracing_subscriber::Layer as _;
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(ThreadCapture)
            // A level, not a test of the thread: filters' answers are cached per
            // call site, so the writer is what looks at the thread.
            .with_filter(tracing_subscriber::filter::LevelFilter::INFO)
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

/// Writes to the log installed on the current thread, or nowhere.
struct ThreadCapture;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for ThreadCapture {
    type Writer = Box<dyn std::io::Write>;

    fn make_writer(&'a self) -> Self::Writer {
        match CAPTURING.with(|slot| slot.borrow().clone()) {
            Some(log) => Box::new(log),
            None => Box::new(std::io::sink()),
        }
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
