//! The compiled `qotd` binary as a subprocess: one builder for every test that runs
//! it (environment, arguments, working directory, limits), and one handle to stop it
//! (SIGTERM, SIGKILL) and read what it printed.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_discord::FakeDiscord;
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::task::JoinHandle;

use super::repo_path;

/// The settings the binary reads from its environment. A test's subprocess starts
/// without them (whatever the test runner's environment holds), and gets only the
/// ones the test sets.
const SETTINGS: [&str; 9] = [
    "DISCORD_TOKEN",
    "DISCORD_SHARDS",
    "DATABASE_URL",
    "QUESTIONS_PATH",
    "DISCORD_API_PROXY",
    "DISCORD_GUILD_ID",
    "RUST_LOG",
    "LOG_FORMAT",
    "METRICS_ADDR",
];

/// The token [`Qotd::run_against`] gives the subprocess.
pub const SUBPROCESS_TOKEN: &str = "fake-token-for-the-subprocess";

/// How long a stopped (or finishing) subprocess may take to exit.
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// A `qotd` command line to run.
#[derive(Debug, Clone)]
pub struct Qotd {
    args: Vec<OsString>,
    dir: PathBuf,
    env: Vec<(String, OsString)>,
    /// (address space in KiB, CPU seconds), applied with `ulimit`.
    limits: Option<(u64, u64)>,
}

impl Qotd {
    /// `qotd ARGS…` in the repository's root, with none of the settings set.
    pub fn new<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Self {
        Self {
            args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
            dir: repo_path(""),
            env: Vec::new(),
            limits: None,
        }
    }

    /// `qotd run` in `dir` against `fake`, on `dir/qotd.db` and the shipped bank, with
    /// [`SUBPROCESS_TOKEN`].
    pub fn run_against(fake: &FakeDiscord, dir: &Path) -> Self {
        Self::new(["run"])
            .in_dir(dir)
            .env("DISCORD_TOKEN", SUBPROCESS_TOKEN)
            .env("DISCORD_API_PROXY", fake.base_url())
            .database(&dir.join("qotd.db"))
            .env("QUESTIONS_PATH", repo_path("questions.yaml"))
    }

    pub fn in_dir(mut self, dir: &Path) -> Self {
        self.dir = dir.to_path_buf();
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.as_ref().to_owned()));
        self
    }

    /// `DATABASE_URL` for the SQLite file at `path`.
    pub fn database(self, path: &Path) -> Self {
        self.env("DATABASE_URL", format!("sqlite://{}", path.display()))
    }

    /// Runs under `ulimit -v` (KiB of address space) and `ulimit -t` (CPU seconds).
    pub fn limited(mut self, address_space_kib: u64, cpu_seconds: u64) -> Self {
        self.limits = Some((address_space_kib, cpu_seconds));
        self
    }

    fn command(&self) -> std::process::Command {
        let qotd = env!("CARGO_BIN_EXE_qotd");
        let mut command = match self.limits {
            None => std::process::Command::new(qotd),
            Some((memory, cpu)) => {
                let mut bash = std::process::Command::new("bash");
                bash.arg("-c")
                    .arg(format!(
                        "ulimit -v {memory}; ulimit -t {cpu}; exec \"$0\" \"$@\""
                    ))
                    .arg(qotd);
                bash
            }
        };
        command.args(&self.args).current_dir(&self.dir);
        for key in SETTINGS {
            command.env_remove(key);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs to the end (blocking: for commands that finish by themselves, such as
    /// `qotd check` or a refused start).
    pub fn output(&self) -> Exited {
        let output = self.command().output().expect("the qotd binary runs");
        Exited {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts it; what it prints is collected until it exits.
    pub fn spawn(&self) -> Running {
        let mut child = tokio::process::Command::from(self.command())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the qotd binary starts");
        let stdout = collect(child.stdout.take().unwrap(), Arc::default());
        let stderr_so_far = Arc::default();
        let stderr = collect(child.stderr.take().unwrap(), Arc::clone(&stderr_so_far));
        Running {
            child,
            stdout,
            stderr,
            stderr_so_far,
        }
    }
}

/// Reads `stream` to its end into `so_far` (readable meanwhile); the task returns
/// all of it.
fn collect(
    mut stream: impl AsyncRead + Unpin + Send + 'static,
    so_far: Arc<Mutex<Vec<u8>>>,
) -> JoinHandle<String> {
    tokio::spawn(async move {
        let mut chunk = [0u8; 8192];
        while let Ok(read @ 1..) = stream.read(&mut chunk).await {
            so_far.lock().unwrap().extend_from_slice(&chunk[..read]);
        }
        String::from_utf8_lossy(&so_far.lock().unwrap()).into_owned()
    })
}

/// A running `qotd` subprocess (killed if dropped).
pub struct Running {
    child: tokio::process::Child,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
    stderr_so_far: Arc<Mutex<Vec<u8>>>,
}

impl Running {
    /// What it has printed to stderr so far (its log).
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stderr_so_far.lock().unwrap()).into_owned()
    }

    /// Its process id while it runs (benchmarks read its CPU time from `/proc`).
    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops it with SIGTERM, as an operator or a service manager does.
    pub async fn terminate(self) -> Exited {
        let pid = self
            .child
            .id()
            .expect("the subprocess is running")
            .to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM could not be sent to {pid}");
        self.exit("exit after SIGTERM").await
    }

    /// Kills it with SIGKILL: a crash at an arbitrary point.
    pub async fn kill(mut self) -> Exited {
        self.child.start_kill().expect("SIGKILL is sent");
        self.exit("exit after SIGKILL").await
    }

    /// Waits until it exits by itself.
    pub async fn wait(self) -> Exited {
        self.exit("qotd to exit by itself").await
    }

    async fn exit(mut self, what: &str) -> Exited {
        let status = tokio::time::timeout(EXIT_TIMEOUT, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("timed out after {EXIT_TIMEOUT:?} waiting for {what}"))
            .expect("the subprocess can be waited for");
        Exited {
            status,
            stdout: self.stdout.await.unwrap(),
            stderr: self.stderr.await.unwrap(),
        }
    }
}

/// How a `qotd` subprocess ended, and what it printed.
#[derive(Debug)]
pub struct Exited {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Exited {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}
