//! The `qotd` binary: load `.env`, start tracing, parse the command line, call the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use std::sync::Arc;

use qotd::bank_files;
use qotd::clock::SystemClock;
use qotd::config::{Config, LogFormat};
use qotd::startup::Connection;
use qotd::state::{App, SchedulerControl};

/// A Discord bot that posts a daily interview-prep question and keeps streaks.
#[derive(Debug, Parser)]
#[command(name = "qotd", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Connect to Discord and run until SIGINT/SIGTERM (the default).
    Run,
    /// Validate a questions file, or every `*.yaml`/`*.yml` bank of a directory
    /// (default: QUESTIONS_PATH or questions.yaml).
    Check {
        /// The questions file to check.
        path: Option<PathBuf>,
    },
    /// Copy the SQLite database of DATABASE_URL to a new file, consistently, while
    /// the bot runs (PostgreSQL: use pg_dump).
    Backup {
        /// The new file (never overwritten).
        path: PathBuf,
    },
    /// Copy the SQLite database of DATABASE_URL into an empty PostgreSQL database.
    MigrateDb {
        /// The target: postgres://USER@HOST[:PORT]/DATABASE, empty. Give it in
        /// MIGRATE_DB_TO rather than here, and its password in PGPASSWORD, to keep
        /// the password off the command line.
        #[arg(
            long,
            value_name = "URL",
            env = "MIGRATE_DB_TO",
            hide_env_values = true
        )]
        to: String,
    },
    /// Ask the running bot's `/healthz` (at METRICS_ADDR) and exit 0 when it answers
    /// 200, 1 otherwise: the health check of a container without a shell.
    Healthcheck,
}

/// `qotd --version`: the version and the database schema version it brings each
/// kind of database to.
fn version() -> &'static str {
    use qotd::storage::DatabaseKind;
    let text = format!(
        "{} (database schema: SQLite {}, PostgreSQL {})",
        env!("CARGO_PKG_VERSION"),
        qotd::storage::Store::schema_version(DatabaseKind::Sqlite),
        qotd::storage::Store::schema_version(DatabaseKind::Postgres)
    );
    Box::leak(text.into_boxed_str())
}

/// Exit code for configuration and bank errors (README, "Commands of the binary").
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let matches = Cli::command().version(version()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    // A missing .env is normal; a malformed one stops everything, naming the line.
    if let Err(error) = qotd::config::load_dotenv(Path::new(".env")) {
        return fail(EXIT_CONFIG, &error.to_string());
    }
    let format = match LogFormat::from_value(std::env::var("LOG_FORMAT").ok().as_deref()) {
        Ok(format) => format,
        Err(error) => return fail(EXIT_CONFIG, &error.to_string()),
    };
    init_tracing(format);
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => return fail(EXIT_CONFIG, &error.to_string()),
    };
    match cli.command.unwrap_or(Command::Run) {
        Command::Check { path } => check(path.unwrap_or(config.questions_path)),
        Command::Run => run(config),
        Command::MigrateDb { to } => migrate_db(&config.database_url, &to),
        Command::Backup { path } => backup(&config.database_url, &path),
        Command::Healthcheck => healthcheck(config.metrics_addr),
    }
}

/// Whether log lines are JSON (`LOG_FORMAT=json`): the binary's own error lines are
/// then log events too, so every line on stderr is one JSON object.
static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only for a person at a terminal: a journal, a file or a pipe would keep
    // the escape codes as text. `NO_COLOR` (no-color.org) turns it off anyway.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    let spans = qotd::logs::NoDependencySpans::up_to(filter.max_level_hint());
    let registry = tracing_subscriber::registry().with(spans);
    match format {
        LogFormat::Text => registry.with(layer.with_filter(filter)).init(),
        LogFormat::Json => {
            JSON_LOGS.store(true, std::sync::atomic::Ordering::Relaxed);
            registry
                .with(layer.json().with_current_span(false).with_filter(filter))
                .init();
        }
    }
}

/// Prints `line` to stderr: as an error event when logs are JSON, else as it is.
fn print_error(line: &str) {
    if JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed) {
        tracing::error!("{line}");
    } else {
        eprintln!("{line}");
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    print_error(&format!("error: {message}"));
    ExitCode::from(code)
}

fn check(path: PathBuf) -> ExitCode {
    match bank_files::read_library(&path) {
        Ok(library) => {
            println!("{}", bank_files::summary(&library, &path));
            ExitCode::SUCCESS
        }
        Err(problems) => {
            print_bank_problems(&problems);
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// Every problem of every bank file, one `PATH:LINE:COL: message` line each.
fn print_bank_problems(problems: &[qotd::core::question_bank::BankErrors]) {
    for errors in problems {
        for line in errors.to_string().lines() {
            print_error(line);
        }
    }
}

fn run(config: Config) -> ExitCode {
    if let Err(error) = config.require_token() {
        return fail(EXIT_CONFIG, &error.to_string());
    }
    if let Err(error) = qotd::storage::Store::kind_of(&config.database_url) {
        return fail(EXIT_CONFIG, &error.to_string());
    }
    let library = match bank_files::read_library(&config.questions_path) {
        Ok(library) => library,
        Err(problems) => {
            print_bank_problems(&problems);
            return fail(
                EXIT_CONFIG,
                "the question bank cannot be used; fix it (see `qotd check`) and start again",
            );
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(1, &format!("failed to start the async runtime: {error}")),
    };
    runtime.block_on(async move {
        let mut shutdown = std::pin::pin!(shutdown_signal());
        let connection = Connection {
            token: config.token.clone().expect("checked above"),
            api_proxy: config.api_proxy.clone(),
            guild_id: config.guild_id,
            metrics_addr: config.metrics_addr,
        };
        // One pacer for every REST call of the process, the token check's included.
        let pacer = qotd::pacer::Pacer::new(qotd::core::sharding::rest_rate(
            config.rest_rate,
            config.shards,
        ));
        match qotd::startup::check_token_first(&connection, &pacer, shutdown.as_mut()).await {
            Ok(true) => {}
            Ok(false) => return ExitCode::SUCCESS, // stopped while waiting for Discord
            Err(refused) => return fail(EXIT_CONFIG, &refused.to_string()),
        }
        let opened =
            qotd::startup::open_store(&config.database_url, config.metrics_addr, shutdown.as_mut());
        let store = match opened.await {
            Ok(Some(store)) => store,
            Ok(None) => return ExitCode::SUCCESS, // stopped while waiting for it
            Err(error) => return fail(EXIT_CONFIG, &error.to_string()),
        };
        log_start_up_summary(&config, &library, store.kind());
        let app = Arc::new(
            App::new(
                store.clone(),
                library,
                Arc::new(SystemClock),
                SchedulerControl::default(),
            )
            .with_shards(config.shards)
            .with_pacer(pacer)
            .with_answer_retention(config.answer_retention_days),
        );
        tokio::spawn(hand_back_after_start_up(app.clone()));
        let result = qotd::startup::run(connection, app, shutdown).await;
        store.close().await;
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(1, &format!("{error:#}")),
        }
    })
}

/// One line saying what runs: version, schema, database, banks, shards.
fn log_start_up_summary(
    config: &Config,
    library: &qotd::core::library::Library,
    database: qotd::storage::DatabaseKind,
) {
    let questions: usize = library
        .shelves()
        .iter()
        .map(|shelf| shelf.bank.questions().len())
        .sum();
    let shards = config
        .shards
        .map_or_else(|| "all".to_owned(), |range| range.to_string());
    tracing::info!(
        "qotd {} starting: schema {} on {}, {} bank(s) with {questions} questions from {}, shards {shards}",
        env!("CARGO_PKG_VERSION"),
        qotd::storage::Store::schema_version(database),
        database.display_name(),
        library.shelves().len(),
        config.questions_path.display(),
    );
}

/// Once every server has arrived, hands back the heap start-up used (once: later
/// sessions reuse what glibc keeps).
async fn hand_back_after_start_up(app: Arc<App>) {
    app.settled.notified().await;
    match qotd::memory::hand_back_start_up_heap() {
        Ok(handed) => tracing::info!(
            anon_kib_before = handed.anon_kib.0,
            anon_kib_after = handed.anon_kib.1,
            "start-up is over: handed back the memory it used"
        ),
        Err(error) => tracing::warn!(%error, "could not hand back the memory start-up used"),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled: a SIGTERM while the database is still
/// being opened for the first time stops the bot cleanly too.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `qotd healthcheck`: `GET /healthz` of the bot running beside it (METRICS_ADDR; an
/// unspecified address such as 0.0.0.0 is asked on localhost). Exit 0 on 200, 1
/// otherwise (with the reason), 2 without METRICS_ADDR.
fn healthcheck(addr: Option<std::net::SocketAddr>) -> ExitCode {
    let Some(mut addr) = addr else {
        return fail(
            EXIT_CONFIG,
            "METRICS_ADDR is not set: the health check asks the bot's /healthz there",
        );
    };
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    match qotd::ops_server::probe_health(addr, std::time::Duration::from_secs(5)) {
        Ok(()) => {
            println!("ok");
            ExitCode::SUCCESS
        }
        Err(reason) => fail(1, &format!("unhealthy: {reason}")),
    }
}

/// `qotd backup PATH`: the copy's table counts on stdout, then one summary line.
fn backup(database_url: &str, path: &Path) -> ExitCode {
    use qotd::storage::BackupError;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(1, &format!("failed to start the async runtime: {error}")),
    };
    match runtime.block_on(qotd::storage::backup_sqlite(database_url, path)) {
        Ok(report) => {
            for (table, rows) in &report.counts {
                println!("{table}\t{rows}");
            }
            println!(
                "backup: {} written ({} KiB, schema version {}); integrity_check ok, every table readable",
                report.path.display(),
                report.bytes.div_ceil(1024),
                report.schema_version
            );
            ExitCode::SUCCESS
        }
        Err(
            error @ (BackupError::Postgres
            | BackupError::UnknownDatabase
            | BackupError::TargetExists(_)
            | BackupError::NoSource(_)),
        ) => fail(EXIT_CONFIG, &error.to_string()),
        Err(error) => fail(1, &error.to_string()),
    }
}

/// `qotd migrate-db --to URL`: progress on stderr (a line per table, or a counter
/// redrawn in place on a terminal), every table's count on stdout.
fn migrate_db(source: &str, target: &str) -> ExitCode {
    use qotd::storage::{CopyError, Progress, StorageError};
    use std::io::{IsTerminal as _, Write as _};
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(1, &format!("failed to start the async runtime: {error}")),
    };
    let terminal = std::io::stderr().is_terminal();
    let mut show = |p: Progress| {
        let mut err = std::io::stderr().lock();
        if terminal {
            let _ = write!(err, "\r{}: {} of {} rows", p.table, p.done, p.total);
            if p.done == p.total {
                let _ = writeln!(err);
            }
        } else if p.done == p.total {
            let _ = writeln!(err, "{}: {} rows copied", p.table, p.total);
        }
    };
    match runtime.block_on(qotd::storage::copy_to_postgres(source, target, &mut show)) {
        Ok(counts) => {
            for (table, rows) in &counts {
                println!("{table}\t{rows}");
            }
            println!(
                "migrate-db: {} tables copied, every row count matches; run qotd with DATABASE_URL set to the new database",
                counts.len()
            );
            ExitCode::SUCCESS
        }
        Err(
            error @ (CopyError::SourceNotSqlite
            | CopyError::TargetNotPostgres
            | CopyError::TargetNotEmpty { .. }
            | CopyError::Storage(StorageError::InvalidUrl(_))),
        ) => fail(EXIT_CONFIG, &error.to_string()),
        Err(error) => fail(
            1,
            &format!("migrate-db failed, nothing was committed: {error}"),
        ),
    }
}
