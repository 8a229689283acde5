//! qotd benchmarks: the real bot against the fake Discord, and the storage at size.
//!
//! `cargo bench --bench qotd [-- --quick] [-- SCENARIO...]`
//!
//! Each scenario prints one JSON line per figure: name, figure, unit, the baseline it
//! is compared with and their ratio. Benchmarks measure; they assert no timings.
//!
//! `ingest`, `queries` and `scale` also run on PostgreSQL (rows named `…_postgres`,
//! with `"database": "postgres"`): on the server `QOTD_BENCH_POSTGRES_URL` names, or
//! else on a throwaway server of the bench's own (`scripts/pg-server.sh`, which needs
//! PostgreSQL's server binaries installed).

#[path = "support/bare.rs"]
mod bare;
#[allow(unused_imports)]
#[path = "../tests/it/support/mod.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use chrono::{NaiveDate, TimeDelta, Utc};
use fake_discord::FakeDiscord;
use fake_discord::fixtures::{self, Invoker};
use qotd::core::daily_schedule::parse_timezone;
use qotd::state::DEFAULT_CONCURRENCY;
use qotd::stats::Stats;
use qotd::storage::{ScheduleSettings, Store};
use serde_json::{Value, json};
use sqlx::Connection as _;
use support::binary::{Qotd, Running};
use support::{Harness, at, database};

struct Options {
    quick: bool,
    /// Runs of each scenario (`--runs N`, 3 unless told): each row reports the median.
    runs: usize,
    only: Vec<String>,
    /// `--db sqlite` or `--db postgres`: that database's rows only.
    db: Option<String>,
}

fn main() {
    // The harness's subscriber, its log lines to stderr: stdout is the JSON lines.
    support::init_tracing_to(std::io::stderr);
    let mut options = Options {
        quick: false,
        runs: 3,
        only: Vec::new(),
        db: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--runs" => {
                options.runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .expect("--runs takes a number of runs, at least 1");
            }
            "--db" => {
                options.db = args
                    .next()
                    .filter(|db| db == "sqlite" || db == "postgres")
                    .map(Some)
                    .expect("--db takes sqlite or postgres");
            }
            "--bench" => {}
            other if !other.starts_with('-') => options.only.push(other.to_owned()),
            _ => {}
        }
    }
    let runs = options.runs;
    let wanted = |name: &str| {
        options.only.is_empty() || options.only.iter().any(|o| name.contains(o.as_str()))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let on = |db: &str| options.db.as_deref().is_none_or(|only| only == db);
        let postgres = if on("postgres")
            && ["ingest", "queries", "scale", "limits"]
                .iter()
                .any(|s| wanted(s))
        {
            Some(PgServer::start().await)
        } else {
            None
        };
        // Each scenario runs `runs` times in a row; `queries` builds its databases
        // once and repeats the measurement on them.
        let each_run = |run: usize| RUN.store(run, Ordering::SeqCst);
        if wanted("fanout") {
            for run in 0..runs {
                each_run(run);
                fanout(
                    if options.quick { 300 } else { 1_000 },
                    Duration::from_millis(50),
                )
                .await;
            }
        }
        // The SQLite rows, then the same scenario's PostgreSQL rows.
        let backends: Vec<Db> = on("sqlite")
            .then_some(Db::Sqlite)
            .into_iter()
            .chain(postgres.as_ref().map(Db::Postgres))
            .collect();
        if wanted("ingest") {
            for &db in &backends {
                for run in 0..runs {
                    each_run(run);
                    ingest(if options.quick { 10_000 } else { 50_000 }, db).await;
                }
            }
        }
        if wanted("queries") {
            for &db in &backends {
                queries(options.quick, runs, db).await;
            }
        }
        if wanted("calendar") {
            for run in 0..runs {
                each_run(run);
                calendar_render(if options.quick { 100 } else { 500 });
            }
        }
        if wanted("footprint") {
            for run in 0..runs {
                each_run(run);
                footprint(if options.quick { 250 } else { 2_500 }).await;
            }
        }
        if wanted("limits") {
            for run in 0..runs {
                each_run(run);
                let channels = if options.quick { 300 } else { 2_000 };
                limits(channels, postgres.as_ref(), run == 0).await;
            }
        }
        if wanted("reveal") {
            for run in 0..runs {
                each_run(run);
                reveal(if options.quick { 20 } else { 200 }).await;
            }
        }
        if wanted("scale") {
            for run in 0..runs {
                each_run(run);
                scale(if options.quick { 1_000 } else { 5_000 }, postgres.as_ref()).await;
            }
        }
        summarize();
    });
}

/// The PostgreSQL server the PostgreSQL rows run on.
struct PgServer {
    /// The server's maintenance database (`postgres`).
    url: String,
    /// Where it comes from, its version and the settings that move the figures.
    info: Value,
    /// A throwaway server of the bench's own, stopped and removed when dropped.
    _own: Option<database::OwnServer>,
}

impl PgServer {
    /// `QOTD_BENCH_POSTGRES_URL`, or a throwaway server started now.
    async fn start() -> Self {
        let (url, source, own) = match std::env::var("QOTD_BENCH_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => (url, "QOTD_BENCH_POSTGRES_URL", None),
            _ => {
                let own = tokio::task::spawn_blocking(database::OwnServer::start)
                    .await
                    .unwrap_or_else(|error| {
                        panic!(
                            "the PostgreSQL rows need a server: set QOTD_BENCH_POSTGRES_URL=\
                             postgres://USER@HOST:PORT/DB, or install PostgreSQL's server \
                             binaries for scripts/pg-server.sh ({error})"
                        )
                    });
                (
                    own.url.clone(),
                    "own throwaway server (scripts/pg-server.sh)",
                    Some(own),
                )
            }
        };
        let mut admin = sqlx::PgConnection::connect(&url)
            .await
            .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at {source}: {error}"));
        let (version, fsync, synchronous_commit, shared_buffers): (String, String, String, String) =
            sqlx::query_as(
                "SELECT current_setting('server_version'), current_setting('fsync'), \
                 current_setting('synchronous_commit'), current_setting('shared_buffers')",
            )
            .fetch_one(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let info = json!({ "server": source, "version": version, "fsync": fsync,
                           "synchronous_commit": synchronous_commit, "shared_buffers": shared_buffers,
                           "host": "same machine, over TCP (127.0.0.1)" });
        Self {
            url,
            info,
            _own: own,
        }
    }

    /// `DATABASE_URL` of a new, empty database on the server.
    async fn fresh(&self) -> String {
        database::fresh_database_on(&self.url).await
    }

    /// Drops a database [`PgServer::fresh`] made (its connections closed first).
    async fn drop_database(&self, url: &str) {
        let name = url
            .split('?')
            .next()
            .and_then(|base| base.rsplit('/').next())
            .unwrap_or_default();
        assert!(
            name.starts_with("qotd_t"),
            "only the bench's own databases are dropped, not {name:?}"
        );
        let mut admin = sqlx::PgConnection::connect(&self.url).await.unwrap();
        if let Err(error) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await
        {
            eprintln!("could not drop the bench database {name}: {error}");
        }
        let _ = admin.close().await;
    }
}

/// Where a scenario's database lives.
#[derive(Clone, Copy)]
enum Db<'a> {
    /// A SQLite file in the scenario's temporary folder.
    Sqlite,
    /// A fresh database on a PostgreSQL server, dropped at the scenario's end.
    Postgres(&'a PgServer),
}

impl Db<'_> {
    fn label(self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A row's name: SQLite rows keep the names they always had.
    fn row(self, name: &str) -> String {
        match self {
            Db::Sqlite => name.to_owned(),
            Db::Postgres(_) => format!("{name}_postgres"),
        }
    }

    /// A row's extra fields: PostgreSQL rows say so, and which server they ran on.
    fn tag(self, mut extra: Value) -> Value {
        if let Db::Postgres(pg) = self {
            extra["database"] = json!("postgres");
            extra["postgres"] = pg.info.clone();
        }
        extra
    }

    /// `DATABASE_URL` of a new database: the SQLite file `file` in `dir`, or a fresh
    /// PostgreSQL database.
    async fn fresh(self, dir: &Path, file: &str) -> String {
        match self {
            Db::Sqlite => format!("sqlite://{}", dir.join(file).display()),
            Db::Postgres(pg) => pg.fresh().await,
        }
    }

    /// Drops a PostgreSQL database made by [`Db::fresh`] (a SQLite file goes with its
    /// folder).
    async fn discard(self, url: &str) {
        if let Db::Postgres(pg) = self {
            pg.drop_database(url).await;
        }
    }
}

/// Waits until `count()` reaches `target`; panics when it stalls for 30 s.
async fn wait_progress(what: &str, target: u64, count: impl Fn() -> u64) {
    let mut last = (count(), Instant::now());
    loop {
        let now = count();
        if now >= target {
            return;
        }
        if now != last.0 {
            last = (now, Instant::now());
        }
        assert!(
            last.1.elapsed() < Duration::from_secs(30),
            "{what} stalled at {now} of {target}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Every run's rows, in the order reported: [`summarize`] folds them into medians.
static ROWS: std::sync::Mutex<Vec<Value>> = std::sync::Mutex::new(Vec::new());

/// Which run of the scenario is reporting (0-based), set by `main` and by scenarios
/// that repeat only their measurement (`queries`, on one built database).
static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Prints one run's row (with `"run"`) to stderr and keeps it for [`summarize`].
fn report(name: &str, figure: f64, unit: &str, baseline: Option<(&str, f64)>, extra: Value) {
    let mut line = json!({ "name": name, "figure": round(figure), "unit": unit,
                           "run": RUN.load(Ordering::SeqCst) + 1 });
    if let Some((what, value)) = baseline {
        line["baseline"] = json!({ "name": what, "figure": round(value) });
        line["ratio"] = json!(round(figure / value));
    }
    if let Value::Object(extra) = extra {
        for (key, value) in extra {
            line[key] = value;
        }
    }
    eprintln!("{line}");
    ROWS.lock().unwrap().push(line);
}

/// One JSON line per row on stdout: the median of its runs as `figure` (with `min`,
/// `max` and every run's figure), the baseline's and the ratio's medians likewise (a
/// ratio is taken within one run, then the median of those), and the extra fields of
/// the run whose figure is the median.
fn summarize() {
    let rows = std::mem::take(&mut *ROWS.lock().unwrap());
    let mut names: Vec<String> = Vec::new();
    for row in &rows {
        let name = row["name"].as_str().unwrap_or_default().to_owned();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    for name in names {
        let runs: Vec<&Value> = rows.iter().filter(|r| r["name"] == name.as_str()).collect();
        println!("{}", summary_line(&runs));
    }
}

fn summary_line(runs: &[&Value]) -> Value {
    let figures: Vec<f64> = runs
        .iter()
        .map(|r| r["figure"].as_f64().unwrap_or(0.0))
        .collect();
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| figures[a].total_cmp(&figures[b]));
    // The run at the median (the lower middle of an even count).
    let middle = order[(order.len() - 1) / 2];
    let mut line = runs[middle].clone();
    line.as_object_mut().unwrap().remove("run");
    let spread = |values: Vec<f64>| {
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        json!({ "median": sorted[(sorted.len() - 1) / 2], "min": sorted[0],
                "max": sorted[sorted.len() - 1], "runs": values })
    };
    let figure = spread(figures);
    line["figure"] = figure["median"].clone();
    line["min"] = figure["min"].clone();
    line["max"] = figure["max"].clone();
    line["runs"] = json!(runs.len());
    line["run_figures"] = figure["runs"].clone();
    if line.get("ratio").is_some() {
        let ratios = spread(
            runs.iter()
                .map(|r| r["ratio"].as_f64().unwrap_or(0.0))
                .collect(),
        );
        let baselines = spread(
            runs.iter()
                .map(|r| r["baseline"]["figure"].as_f64().unwrap_or(0.0))
                .collect(),
        );
        line["ratio"] = ratios["median"].clone();
        line["ratio_min"] = ratios["min"].clone();
        line["ratio_max"] = ratios["max"].clone();
        line["baseline"]["figure"] = baselines["median"].clone();
        line["baseline"]["min"] = baselines["min"].clone();
        line["baseline"]["max"] = baselines["max"].clone();
    }
    line
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn guild_fake(guilds: usize, channels_per_guild: usize) -> fake_discord::Builder {
    let mut builder = FakeDiscord::builder();
    for g in 0..guilds {
        let guild = 10_000 + g as u64;
        let channels: Vec<(u64, String)> = (0..channels_per_guild)
            .map(|c| {
                (
                    1_000_000 + (g * channels_per_guild + c) as u64,
                    format!("channel-{c}"),
                )
            })
            .collect();
        let refs: Vec<(u64, &str)> = channels
            .iter()
            .map(|(id, name)| (*id, name.as_str()))
            .collect();
        builder = builder.guild(guild, &format!("guild-{g}"), &refs);
    }
    builder
}

fn channel_id(guild_index: usize, channel_index: usize, per_guild: usize) -> u64 {
    1_000_000 + (guild_index * per_guild + channel_index) as u64
}

async fn schedule_all(
    url: &str,
    channels: &[(u64, u64)],
    time: &str,
    since: chrono::DateTime<Utc>,
) {
    let store = Store::open(url).await.unwrap();
    for &(guild_id, channel_id) in channels {
        let settings = ScheduleSettings {
            channel_id,
            guild_id,
            post_time: time.parse().unwrap(),
            timezone: parse_timezone("UTC").unwrap(),
            reveal_after_minutes: 240,
            reveal_reactions: 1,
            category: None,
            bank: None,
            private_answers: false,
        };
        store.upsert_schedule(&settings, since).await.unwrap();
    }
    store.close().await;
}

async fn count_finished(store: &Store) -> i64 {
    on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM daily_posts WHERE thread_id IS NOT NULL AND reacted = TRUE",
    )
    .fetch_one(pool)
    .await
    .unwrap())
}

/// 1. Daily fan-out: every channel due in the same minute, 50 ms on every REST call.
async fn fanout(channels: usize, latency: Duration) {
    let per_guild = 10;
    let guilds = channels / per_guild;
    let fake = guild_fake(guilds, per_guild).start().await;
    // The bot's own cost: Discord's global limit is the `limits` scenario's.
    let mut harness = Harness::new(fake, at("2026-06-01T08:59:00Z"))
        .await
        .on_sqlite()
        .unpaced();
    let ids: Vec<(u64, u64)> = (0..guilds)
        .flat_map(|g| (0..per_guild).map(move |c| (10_000 + g as u64, channel_id(g, c, per_guild))))
        .collect();
    schedule_all(
        &harness.database_url(),
        &ids,
        "09:00",
        at("2026-06-01T08:00:00Z"),
    )
    .await;
    harness.start_bot().await;
    harness.fake.set_latency(latency);
    let since = harness.fake.request_count();

    let started = Instant::now();
    harness.set_time(at("2026-06-01T09:00:00Z"));
    let store = harness.store().clone();
    while count_finished(&store).await < channels as i64 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let calls = harness.fake.requests().len() - since;
    let bound = harness.app().scheduler.concurrency();
    let ideal = calls as f64 * latency.as_secs_f64() / bound as f64;
    report(
        "daily_fanout",
        elapsed,
        "s",
        Some(("ideal = calls x latency / bound", ideal)),
        json!({
            "channels": channels, "rest_calls": calls, "latency_ms": latency.as_millis() as u64,
            "concurrency_bound": bound, "serial_s": calls as f64 * latency.as_secs_f64(),
            "problems": harness.fake.problems().len(),
        }),
    );
    harness.stop_bot().await;
}

/// The ingest workload: 90% unrelated traffic, 10% answers and 💡 on open questions.
struct Workload {
    events: Vec<(String, Value)>,
    /// message id of each member's first answer, by (post index, member)
    first_answers: HashMap<u64, String>,
    distinct_answerers: usize,
}

/// `posts`: (thread, post message, post channel) of each open question.
fn workload(
    total: usize,
    guild: u64,
    busy: &[u64],
    posts: &[(u64, u64, u64)],
    id_base: u64,
    member_base: u64,
) -> Workload {
    let related = total / 10;
    let answer_messages = related * 4 / 5;
    let duplicates = answer_messages / 8;
    let distinct = answer_messages - duplicates;
    let lightbulbs = related - answer_messages;
    let mut related_events = Vec::with_capacity(related);
    let mut first_answers = HashMap::new();
    let mut next_id = id_base;
    let mut id = || {
        next_id += 1;
        next_id
    };
    for member in 0..distinct as u64 {
        let (thread, _, _) = posts[member as usize % posts.len()];
        let message_id = id();
        first_answers.insert(member_base + member, message_id.to_string());
        related_events.push((
            "MESSAGE_CREATE".to_owned(),
            fixtures::member_message(
                message_id,
                thread,
                guild,
                member_base + member,
                "m",
                &[],
                "an answer",
            ),
        ));
    }
    for member in 0..duplicates as u64 {
        let (thread, _, _) = posts[member as usize % posts.len()];
        related_events.push((
            "MESSAGE_CREATE".to_owned(),
            fixtures::member_message(
                id(),
                thread,
                guild,
                member_base + member,
                "m",
                &[],
                "and more",
            ),
        ));
    }
    for n in 0..lightbulbs as u64 {
        let (_, message, channel) = posts[n as usize % posts.len()];
        related_events.push((
            "MESSAGE_REACTION_ADD".to_owned(),
            fixtures::reaction(200_000 + n, channel, message, guild, "💡", false),
        ));
    }
    let mut unrelated = Vec::with_capacity(total - related);
    for n in 0..(total - related) as u64 {
        let channel = busy[n as usize % busy.len()];
        if n % 4 == 3 {
            unrelated.push((
                "MESSAGE_REACTION_ADD".to_owned(),
                fixtures::reaction(
                    300_000 + n % 5_000,
                    channel,
                    900_000 + n,
                    guild,
                    if n % 8 == 7 { "💡" } else { "👍" },
                    false,
                ),
            ));
        } else {
            unrelated.push((
                "MESSAGE_CREATE".to_owned(),
                fixtures::member_message(
                    id(),
                    channel,
                    guild,
                    300_000 + n % 5_000,
                    "chatter",
                    &[],
                    "hello world, unrelated chatter",
                ),
            ));
        }
    }
    // Interleave: one related event in every ten.
    let mut events = Vec::with_capacity(total);
    let mut related_iter = related_events.into_iter();
    let mut unrelated_iter = unrelated.into_iter();
    for n in 0..total {
        let next = if n % 10 == 9 {
            related_iter.next()
        } else {
            None
        };
        match next
            .or_else(|| unrelated_iter.next())
            .or_else(|| related_iter.next())
        {
            Some(event) => events.push(event),
            None => break,
        }
    }
    Workload {
        events,
        first_answers,
        distinct_answerers: distinct,
    }
}

/// Bursts per client in one run of the ingest scenario.
const INGEST_BURSTS: usize = 3;

/// 2. Event ingest through the real websocket, against a bare client's ceiling.
///
/// The bare client runs again beside each backend's rows: each ratio compares
/// figures of one run.
async fn ingest(total: usize, db: Db<'_>) {
    // The bare client runs under the subscriber qotd's harness installs (`main`), as
    // qotd does.
    let guild = 10_000u64;
    let question_channels = 20;
    let busy_channels = 50;
    let per_guild = question_channels + busy_channels;

    // The floor: a bare serenity client counting events, on a fake of its own. It
    // stays connected (and idle) while qotd runs, so the two take turns.
    let bare_fake = guild_fake(1, per_guild).start().await;
    let counter = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bare_task = tokio::spawn(bare::run(
        bare_fake.base_url(),
        counter.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    bare_fake.wait_for_sessions(1).await;
    let busy: Vec<u64> = (question_channels..per_guild)
        .map(|c| channel_id(0, c, per_guild))
        .collect();
    let fake_posts: Vec<(u64, u64, u64)> = (0..question_channels)
        .map(|c| (channel_id(0, c, per_guild), 1, channel_id(0, c, per_guild)))
        .collect();

    // qotd, with 20 open questions.
    let fake = guild_fake(1, per_guild).start().await;
    let mut harness = Harness::new(fake, Utc::now()).await.on_sqlite();
    if let Db::Postgres(pg) = db {
        harness.postgres = Some(pg.fresh().await);
    }
    harness.system_clock = true;
    let question_ids: Vec<(u64, u64)> = (0..question_channels)
        .map(|c| (guild, channel_id(0, c, per_guild)))
        .collect();
    let now = Utc::now();
    let due = (now - TimeDelta::minutes(1)).format("%H:%M").to_string();
    schedule_all(
        &harness.database_url(),
        &question_ids,
        &due,
        now - TimeDelta::hours(2),
    )
    .await;
    harness.start_bot().await;
    let store = harness.store().clone();
    while count_finished(&store).await < question_channels as i64 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let posts: Vec<(u64, u64, u64)> = store
        .latest_daily_posts()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.thread_id.unwrap(), p.message_id.unwrap(), p.channel_id))
        .collect();
    let stats = &harness.app().stats;
    let handled = || Stats::get(&stats.messages_handled) + Stats::get(&stats.reactions_handled);

    // Bursts, everything at once as fast as the fake writes it, alternating: bare,
    // qotd, bare, qotd… Each client's rate is all its events over all its bursts'
    // time, so a slow moment of the machine falls on both alike. The first burst of
    // each warms up and is not counted (its rates are reported apart): the code
    // start-up handed back comes in again, PostgreSQL's new sessions build their
    // caches and compile the trigger functions.
    let mut seconds: Vec<(f64, f64)> = Vec::new();
    let mut distinct = 0;
    let mut machine_before = Machine::now();
    for burst in 0..=INGEST_BURSTS {
        if burst == 1 {
            machine_before = Machine::now();
        }
        let offset = burst as u64 * 100_000_000;
        let load = workload(
            total,
            guild,
            &busy,
            &fake_posts,
            5_000_000_000 + offset,
            100_000,
        );
        let before = counter.load(Ordering::SeqCst);
        let started = Instant::now();
        bare_fake.dispatch_all(load.events);
        wait_progress("the bare client's events", before + total as u64, || {
            counter.load(Ordering::SeqCst)
        })
        .await;
        let bare = started.elapsed().as_secs_f64();

        // New members each burst: each answer is a first answer.
        let members = 100_000 + burst as u64 * 10_000;
        let load = workload(total, guild, &busy, &posts, 6_000_000_000 + offset, members);
        let before = handled();
        let committed_before = Stats::get(&stats.answers_committed);
        let started = Instant::now();
        harness.fake.dispatch_all(load.events);
        wait_progress("qotd's events", before + total as u64, handled).await;
        wait_progress(
            "qotd's answers",
            committed_before + load.distinct_answerers as u64,
            || Stats::get(&stats.answers_committed),
        )
        .await;
        seconds.push((bare, started.elapsed().as_secs_f64()));
        distinct += load.distinct_answerers;
    }
    let (warmup, seconds) = seconds.split_first().expect("bursts");
    let bare_s: Vec<f64> = seconds.iter().map(|s| s.0).collect();
    let qotd_s: Vec<f64> = seconds.iter().map(|s| s.1).collect();
    let _ = stop.send(());
    let _ = bare_task.await;
    drop(bare_fake);
    let rate = |seconds: &[f64]| (total * seconds.len()) as f64 / seconds.iter().sum::<f64>();
    let per_burst =
        |seconds: &[f64]| -> Vec<f64> { seconds.iter().map(|s| round(total as f64 / s)).collect() };
    let answers: i64 = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM answers"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    report(
        &db.row("event_ingest_throughput"),
        rate(&qotd_s),
        "events/s",
        Some(("bare serenity client, empty handler", rate(&bare_s))),
        db.tag(json!({ "events_per_burst": total, "bursts": INGEST_BURSTS,
            "qotd_bursts_events_per_s": per_burst(&qotd_s), "bare_bursts_events_per_s": per_burst(&bare_s),
            "warmup_bursts": 1, "warmup_burst_events_per_s": { "qotd": per_burst(&[warmup.1])[0], "bare": per_burst(&[warmup.0])[0] },
            "answers_expected": distinct, "answers_recorded": answers,
            "machine": Machine::now().since(machine_before).json() })),
    );

    // Paced: a busy shard's steady 5,000 events/s; latency from the fake writing the
    // answer to the socket to the answer's commit.
    let paced_total = total / 5;
    let member_base = 1_100_000u64;
    let paced = workload(
        paced_total,
        guild,
        &busy,
        &posts,
        7_000_000_000,
        member_base,
    );
    harness.fake.track_send_times();
    // Watch the database for each answer's commit (polling every millisecond). On
    // PostgreSQL through a pool of its own: the bot's pool serves reads and writes
    // alike, and the watcher must not take its connections.
    let watch_store = match db {
        Db::Sqlite => store.clone(),
        Db::Postgres(_) => Store::open(&harness.database_url()).await.unwrap(),
    };
    let post_ids: Vec<String> = store
        .latest_daily_posts()
        .await
        .unwrap()
        .iter()
        .map(|p| p.id.to_string())
        .collect();
    let watch_query = format!(
        "SELECT user_id FROM answers WHERE post_id IN ({}) AND user_id >= $1",
        post_ids.join(", ")
    );
    let watcher = {
        let store = watch_store.clone();
        let watch_query = watch_query.clone();
        let expected = paced.distinct_answerers;
        tokio::spawn(async move {
            let mut seen: HashMap<i64, SystemTime> = HashMap::new();
            while seen.len() < expected {
                // By the answers' key (post, member): a range of each open post's
                // new members, not a scan of every answer each millisecond.
                let users: Vec<i64> = on_pool!(store, |pool| sqlx::query_scalar(
                    sqlx::AssertSqlSafe(watch_query.clone())
                )
                .bind(member_base as i64)
                .fetch_all(pool)
                .await
                .unwrap());
                let now = SystemTime::now();
                for user in users {
                    seen.entry(user).or_insert(now);
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            seen
        })
    };
    for chunk in paced.events.chunks(50) {
        harness.fake.dispatch_all(chunk.to_vec());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let committed = tokio::time::timeout(Duration::from_secs(60), watcher)
        .await
        .expect("paced answers commit")
        .unwrap();
    let sent = harness.fake.sent_times();
    let mut latencies: Vec<f64> = committed
        .iter()
        .filter_map(|(user, committed_at)| {
            let message = paced.first_answers.get(&(*user as u64))?;
            let latency = committed_at.duration_since(*sent.get(message)?).ok()?;
            Some(latency.as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    // Where the time goes: each answer's `answered_at` is the bot's clock when its
    // handler saw the message (ms), splitting socket → handler from handler → visible.
    let handled_at: Vec<(i64, i64)> = on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        watch_query.replace("SELECT user_id", "SELECT user_id, answered_at")
    ))
    .bind(member_base as i64)
    .fetch_all(pool)
    .await
    .unwrap());
    let millis = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let (mut to_handler, mut to_visible): (Vec<f64>, Vec<f64>) = handled_at
        .iter()
        .filter_map(|(user, handled)| {
            let sent = millis(*sent.get(paced.first_answers.get(&(*user as u64))?)?);
            let visible = millis(*committed.get(user)?);
            Some((*handled as f64 - sent, visible - *handled as f64))
        })
        .unzip();
    if let Ok(path) = std::env::var("QOTD_BENCH_DUMP") {
        let series: Vec<(f64, f64, f64)> = handled_at
            .iter()
            .filter_map(|(user, handled)| {
                let sent = millis(*sent.get(paced.first_answers.get(&(*user as u64))?)?);
                let visible = millis(*committed.get(user)?);
                Some((sent, *handled as f64 - sent, visible - *handled as f64))
            })
            .collect();
        let _ = std::fs::write(format!("{path}.{}", db.label()), json!(series).to_string());
    }
    to_handler.sort_by(f64::total_cmp);
    to_visible.sort_by(f64::total_cmp);
    let reactors: i64 = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM reveal_reactors"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    report(
        &db.row("event_ingest_answer_latency_p99"),
        percentile(&latencies, 0.99),
        "ms",
        None,
        db.tag(
            json!({ "p50_ms": percentile(&latencies, 0.5), "samples": latencies.len(), "paced_events_per_s": 5_000,
                "lightbulb_reactors": reactors, "note": "from the fake writing the event to the socket to the answer being visible in the database (polled every 1 ms)",
                "socket_to_handler_ms": { "p50": percentile(&to_handler, 0.5), "p99": percentile(&to_handler, 0.99) },
                "handler_to_visible_ms": { "p50": percentile(&to_visible, 0.5), "p99": percentile(&to_visible, 0.99) } }),
        ),
    );
    harness.stop_bot().await;
    if let Db::Postgres(_) = db {
        watch_store.close().await;
    }
    db.discard(&harness.database_url()).await;
}

/// Builds a database of `members` members over `days` daily questions in 20 channels,
/// at `url` (SQLite or PostgreSQL: the same rows on either).
async fn build_history(url: &str, members: i64, days: i64) -> Store {
    let store = Store::open(url).await.unwrap();
    let channels = 20i64;
    let guild = 10_000u64;
    let since = at("2024-01-01T00:00:00Z");
    let ids: Vec<(u64, u64)> = (0..channels)
        .map(|c| (guild, 1_000_000 + c as u64))
        .collect();
    store.close().await;
    schedule_all(url, &ids, "09:00", since).await;
    let store = Store::open(url).await.unwrap();
    match store.pool() {
        qotd::storage::Pool::Sqlite(pool) => {
            sqlite_history(pool, members, days, channels, guild).await
        }
        qotd::storage::Pool::Postgres(pool) => {
            postgres_history(pool, members, days, channels, guild).await
        }
    }
    store
}

async fn sqlite_history(
    pool: &sqlx::SqlitePool,
    members: i64,
    days: i64,
    channels: i64,
    guild: u64,
) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH RECURSIVE d(y) AS (SELECT 1 UNION ALL SELECT y + 1 FROM d WHERE y < {days}), \
                         c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < {channels} - 1) \
         INSERT INTO daily_posts (channel_id, guild_id, local_date, seq, question_id, pass, nonce, claimed_at, \
             message_id, thread_id, reacted, reveal_reactions, reveal_due_at, revealed_at, reveal_reason, reveal_shown) \
         SELECT 1000000 + x, {guild}, date('2024-01-01', '+' || y || ' days'), y, 'q' || (y % 50), 1 + y / 50, \
             'n' || x || '-' || y, 1704100000000 + y * 86400000, 7000000 + x * 1000 + y, 8000000 + x * 1000 + y, 1, 1, \
             1704100000000 + y * 86400000 + 14400000, 1704100000000 + y * 86400000 + 3600000, 'reactions', 1 \
         FROM c, d"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH RECURSIVE m(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM m WHERE x < {members} - 1) \
         INSERT INTO answers (post_id, user_id, answered_at, unaided, counted) \
         SELECT p.id, 100000 + x, p.claimed_at + 600000, (x + p.seq) % 3 = 0, 1 \
         FROM m JOIN daily_posts p ON p.channel_id = 1000000 + (x % {channels}) \
         WHERE (x * 31 + p.seq * 17) % 20 < 11"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH RECURSIVE m(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM m WHERE x < {members} - 1) \
         INSERT INTO member_streaks (channel_id, user_id, guild_id, current, best, total, unaided, last_answered_seq) \
         SELECT 1000000 + (x % {channels}), 100000 + x, {guild}, x % 13, 13 + x % 29, \
             ({days} * 11) / 20 + x % 7, x % 40, {days} - (x % 2) FROM m"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    // The per-post answer counts follow the answers by trigger, as in the bot.
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
}

/// [`sqlite_history`]'s rows on PostgreSQL: `generate_series` for the recursive CTEs,
/// `to_char` for `date()`, BIGINT arithmetic (instants overflow INTEGER), BOOLEAN
/// flags. `member_totals` and `post_answer_counts` are filled by their triggers, as on
/// SQLite.
async fn postgres_history(pool: &sqlx::PgPool, members: i64, days: i64, channels: i64, guild: u64) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO daily_posts (channel_id, guild_id, local_date, seq, question_id, pass, nonce, claimed_at, \
             message_id, thread_id, reacted, reveal_reactions, reveal_due_at, revealed_at, reveal_reason, reveal_shown) \
         SELECT 1000000 + x, {guild}, to_char(DATE '2024-01-01' + y::INTEGER, 'YYYY-MM-DD'), y, 'q' || (y % 50), \
             1 + y / 50, 'n' || x || '-' || y, 1704100000000 + y * 86400000, 7000000 + x * 1000 + y, \
             8000000 + x * 1000 + y, TRUE, 1, 1704100000000 + y * 86400000 + 14400000, \
             1704100000000 + y * 86400000 + 3600000, 'reactions', TRUE \
         FROM generate_series(0::BIGINT, {channels} - 1) AS c(x), generate_series(1::BIGINT, {days}) AS d(y)"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO answers (post_id, user_id, answered_at, unaided, counted) \
         SELECT p.id, 100000 + x, p.claimed_at + 600000, (x + p.seq) % 3 = 0, TRUE \
         FROM generate_series(0::BIGINT, {members} - 1) AS m(x) \
         JOIN daily_posts p ON p.channel_id = 1000000 + (x % {channels}) \
         WHERE (x * 31 + p.seq * 17) % 20 < 11"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO member_streaks (channel_id, user_id, guild_id, current, best, total, unaided, last_answered_seq) \
         SELECT 1000000 + (x % {channels}), 100000 + x, {guild}, x % 13, 13 + x % 29, \
             ({days} * 11) / 20 + x % 7, x % 40, {days} - (x % 2) \
         FROM generate_series(0::BIGINT, {members} - 1) AS m(x)"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // As autovacuum leaves a table some time after a bulk load (statistics, visibility
    // map), and so that it does not start in the middle of the timings.
    sqlx::raw_sql("VACUUM (ANALYZE)")
        .execute(pool)
        .await
        .unwrap();
}

async fn time_each<F, Fut>(samples: usize, mut call: F) -> Timings
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let before = Machine::now();
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        let started = Instant::now();
        call(i).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Timings {
        times,
        machine: Machine::now().since(before),
    }
}

/// A row's sorted times (ms) and what the whole machine did meanwhile.
struct Timings {
    times: Vec<f64>,
    machine: Machine,
}

impl std::ops::Deref for Timings {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        &self.times
    }
}

/// What the machine did meanwhile, machine-wide (the PostgreSQL server included):
/// KiB read from disk and major page faults (`/proc/vmstat`: pages a query finds
/// evicted show here) and CPU time the hypervisor gave to other guests (`/proc/stat`
/// steal: a noisy neighbour shows here).
#[derive(Clone, Copy, Default)]
struct Machine {
    read_kib: u64,
    major_faults: u64,
    steal_ms: u64,
}

impl Machine {
    fn now() -> Self {
        let vmstat = std::fs::read_to_string("/proc/vmstat").unwrap_or_default();
        let field = |name: &str| {
            vmstat
                .lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap_or(0)
        };
        let steal = cpu_ticks().get(7).copied().unwrap_or(0);
        Self {
            read_kib: field("pgpgin"),
            major_faults: field("pgmajfault"),
            steal_ms: steal * 10,
        }
    }

    fn since(self, before: Self) -> Self {
        Self {
            read_kib: self.read_kib.saturating_sub(before.read_kib),
            major_faults: self.major_faults.saturating_sub(before.major_faults),
            steal_ms: self.steal_ms.saturating_sub(before.steal_ms),
        }
    }

    fn json(self) -> Value {
        json!({ "read_kib": self.read_kib, "major_faults": self.major_faults, "cpu_steal_ms": self.steal_ms })
    }
}

/// Records one answer per member on a new day-`days + 1` question in each channel.
/// Run `run` answers the questions of day `days + 1 + run`: each run a new day.
async fn record_answers(store: &Store, days: i64, samples: usize, run: usize) -> Timings {
    let mut posts = Vec::new();
    for c in 0..20u64 {
        let channel = 1_000_000 + c;
        let schedule = store.schedule(channel).await.unwrap().unwrap();
        let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
            + chrono::Days::new((days + 1) as u64 + run as u64);
        let pick = qotd::core::rotation::Pick {
            question_id: format!("q-new-{run}"),
            pass: 99,
            starts_new_pass: false,
        };
        let new = qotd::storage::NewDailyPost {
            channel_id: channel,
            local_date: date,
            pick,
            nonce: format!("new-{run}-{c}"),
            reveal: schedule.reveal_rule(),
        };
        let now = date.and_hms_opt(9, 0, 0).unwrap().and_utc();
        let qotd::storage::ClaimOutcome::Claimed(post) =
            store.claim_daily_post(&new, now).await.unwrap()
        else {
            panic!("claimed")
        };
        store
            .confirm_post_sent(post.id, 9_900_000 + c)
            .await
            .unwrap();
        posts.push((post.id, now));
    }
    time_each(samples, |i| {
        let (post, now) = posts[i % posts.len()];
        let member = 100_000 + (i % 20) as u64 + 20 * (i / 20) as u64;
        async move {
            store
                .record_answer(post, member, now + TimeDelta::minutes(5))
                .await
                .unwrap();
        }
    })
    .await
}

/// 3. Queries at size: recording an answer, /streak, /leaderboard and /practice.
async fn queries(quick: bool, runs: usize, db: Db<'_>) {
    let members = if quick { 2_000 } else { 10_000 };
    let samples = if quick { 200 } else { 1_000 };
    let dir = tempfile::tempdir().unwrap();
    let big_url = db.fresh(dir.path(), "365.db").await;
    let big = build_history(&big_url, members, 365).await;
    let answers: i64 = on_pool!(big, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM answers"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let small_url = db.fresh(dir.path(), "30.db").await;
    let small = build_history(&small_url, members, 30).await;
    practice_cards(&big, members).await;
    for run in 0..runs {
        RUN.store(run, Ordering::SeqCst);
        let sizes = QuerySizes {
            members,
            samples,
            answers,
        };
        measure_queries(&big, &small, sizes, run, db).await;
    }
    for (store, url) in [(big, big_url), (small, small_url)] {
        store.close().await;
        db.discard(&url).await;
    }
}

#[derive(Clone, Copy)]
struct QuerySizes {
    members: i64,
    samples: usize,
    answers: i64,
}

/// One run of the query rows on the built databases (`big`: 365 days, `small`: 30).
async fn measure_queries(big: &Store, small: &Store, sizes: QuerySizes, run: usize, db: Db<'_>) {
    let QuerySizes {
        members,
        samples,
        answers,
    } = sizes;
    let record_365 = record_answers(big, 365, samples, run).await;
    let record_30 = record_answers(small, 30, samples, run).await;
    report(
        &db.row("record_answer_p99_365_days"),
        percentile(&record_365, 0.99),
        "ms",
        Some(("same at 30 days of history", percentile(&record_30, 0.99))),
        db.tag(
            json!({ "median_ms": percentile(&record_365, 0.5), "median_30_days_ms": percentile(&record_30, 0.5), "answers_in_db": answers, "machine": record_365.machine.json() }),
        ),
    );

    let streak = time_each(samples, |i| {
        let store = big;
        async move {
            store
                .member_streaks(10_000, 100_000 + (i * 7 % members as usize) as u64)
                .await
                .unwrap();
        }
    })
    .await;
    report(
        &db.row("streak_query_p99"),
        percentile(&streak, 0.99),
        "ms",
        None,
        db.tag(json!({ "median_ms": percentile(&streak, 0.5), "machine": streak.machine.json() })),
    );

    let channel_board = time_each(samples, |i| {
        let store = big;
        async move {
            let caller = 100_000 + (i * 13 % members as usize) as u64;
            store
                .member_leaderboard(10_000, Some(1_000_000 + caller % 20), caller, 10)
                .await
                .unwrap();
        }
    })
    .await;
    report(
        &db.row("leaderboard_channel_p99"),
        percentile(&channel_board, 0.99),
        "ms",
        None,
        db.tag(
            json!({ "median_ms": percentile(&channel_board, 0.5), "members_per_channel": members / 20, "machine": channel_board.machine.json() }),
        ),
    );
    let server_board = time_each(samples, |i| {
        let store = big;
        async move {
            store
                .member_leaderboard(
                    10_000,
                    None,
                    100_000 + (i * 13 % members as usize) as u64,
                    10,
                )
                .await
                .unwrap();
        }
    })
    .await;
    report(
        &db.row("leaderboard_server_p99"),
        percentile(&server_board, 0.99),
        "ms",
        None,
        db.tag(json!({ "median_ms": percentile(&server_board, 0.5), "members": members, "machine": server_board.machine.json() })),
    );
    practice_next_card(big, members, samples, db).await;
    let stats = time_each(samples, |i| {
        let store = big;
        async move {
            let posts = store
                .post_records(1_000_000 + (i % 20) as u64)
                .await
                .unwrap();
            std::hint::black_box(qotd::core::question_stats::channel_stats(&posts));
        }
    })
    .await;
    report(
        &db.row("question_stats_p99"),
        percentile(&stats, 0.99),
        "ms",
        None,
        db.tag(json!({ "median_ms": percentile(&stats, 0.5), "posts_per_channel": 365, "machine": stats.machine.json() })),
    );
}

/// Cards per member in `/practice`'s rows.
const PRACTICE_CARDS: i64 = 50;

/// `/practice`'s next card at size: 50 cards for each member of the history's
/// server, every daily answer already fed (an empty inbox, as after a member's first
/// `/practice`). Times what the command reads: the inbox check, the deck, the rule.
async fn practice_cards(store: &Store, members: i64) {
    const CARDS: i64 = PRACTICE_CARDS;
    let cards = |from: &str| {
        format!(
            "INSERT INTO practice_cards (guild_id, user_id, question_id, due, stability, \
                 difficulty, elapsed_days, scheduled_days, reps, lapses, state, last_review, \
                 introduced_at, introduced_by) \
             SELECT 10000, 100000 + x, 'q' || y, 1735000000000 + ((x * 7 + y * 13) % 40) * 86400000, \
                 3.5, 5.0, 3, 4, 2, 0, 2, 1734600000000 + ((x * 7 + y * 13) % 40) * 86400000, \
                 1734000000000, 'daily' FROM {from}"
        )
    };
    let sqlite_from = format!(
        "(WITH RECURSIVE m(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM m WHERE x < {members} - 1), \
          q(y) AS (SELECT 0 UNION ALL SELECT y + 1 FROM q WHERE y < {CARDS} - 1) SELECT x, y FROM m, q)"
    );
    let postgres_from = format!(
        "generate_series(0::BIGINT, {members} - 1) AS m(x), generate_series(0::BIGINT, {CARDS} - 1) AS q(y)"
    );
    let (from, analyze) = match store.kind() {
        qotd::storage::DatabaseKind::Sqlite => (sqlite_from, "ANALYZE"),
        qotd::storage::DatabaseKind::Postgres => (postgres_from, "VACUUM (ANALYZE)"),
    };
    let insert = cards(&from);
    on_pool!(store, |pool| {
        sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
            .execute(pool)
            .await
            .unwrap();
        sqlx::raw_sql(analyze).execute(pool).await.unwrap();
    });
}

/// One run of `/practice`'s next card on the cards [`practice_cards`] gave.
async fn practice_next_card(store: &Store, members: i64, samples: usize, db: Db<'_>) {
    // The runs' recorded answers fed the inbox: empty it, as each run starts alike.
    on_pool!(store, |pool| {
        sqlx::query("DELETE FROM practice_inbox")
            .execute(pool)
            .await
            .unwrap();
    });
    let bank: Vec<String> = (0..60).map(|q| format!("q{q}")).collect();
    let now = at("2025-01-05T12:00:00Z");
    let day_start = at("2025-01-05T00:00:00Z");
    let times = time_each(samples, |i| {
        let bank = &bank;
        async move {
            let member = 100_000 + (i * 7 % members as usize) as u64;
            store.feed_practice(10_000, member).await.unwrap();
            let deck = store.practice_deck(10_000, member).await.unwrap();
            let next = qotd::core::practice::next_card(
                &deck,
                bank.iter().map(String::as_str),
                day_start,
                now,
            );
            std::hint::black_box(next);
        }
    })
    .await;
    report(
        &db.row("practice_next_card_p99"),
        percentile(&times, 0.99),
        "ms",
        None,
        db.tag(json!({
            "median_ms": percentile(&times, 0.5),
            "members": members,
            "cards_per_member": PRACTICE_CARDS,
            "machine": times.machine.json(),
        })),
    );
}

/// The `/streak` calendar picture: 26 weeks of a real-looking history, drawn.
fn calendar_render(samples: usize) {
    use qotd::core::calendar::{self, PostedDay};
    let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let posts: Vec<PostedDay> = (0..182i64)
        .map(|back| PostedDay {
            date: today - chrono::Days::new(back as u64),
            seq: 500 - back,
            answer: match back % 11 {
                0 | 5 => None,
                3 => Some(false),
                _ => Some(true),
            },
        })
        .collect();
    let frozen = [495, 484].into_iter().collect();
    let calendar = calendar::calendar(today, &posts, &frozen, Some(500));
    let mut times = Vec::with_capacity(samples);
    let mut bytes = 0;
    for _ in 0..samples {
        let started = Instant::now();
        let png = qotd::picture::streak_calendar_png(&calendar, "ada · last 26 weeks");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes = png.len();
    }
    times.sort_by(f64::total_cmp);
    report(
        "calendar_render_p99",
        percentile(&times, 0.99),
        "ms",
        None,
        json!({ "median_ms": percentile(&times, 0.5), "png_bytes": bytes }),
    );
}

/// A `/proc/PID/status` figure in KiB (VmRSS, RssAnon, RssFile).
fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    qotd::memory::status_kib(&status, key).unwrap_or(0)
}

/// Resident memory split: (total, anonymous = heap and stacks, file-backed = code).
#[derive(Debug, Clone)]
struct Rss {
    total: u64,
    anon: u64,
    file: u64,
    /// KiB resident per mapped file (`/proc/PID/smaps`), largest first.
    by_file: Vec<(String, u64)>,
    /// qotd's anonymous KiB just before and after it handed back start-up's heap
    /// (`malloc_trim`), from its own log line; `None` for the bare client.
    trimmed: Option<(u64, u64)>,
}

fn rss(pid: u32) -> Rss {
    Rss {
        total: status_kib(pid, "VmRSS"),
        anon: status_kib(pid, "RssAnon"),
        file: status_kib(pid, "RssFile"),
        by_file: resident_by_file(pid),
        trimmed: None,
    }
}

/// `/proc/PID/smaps`' `Rss` summed per mapped file (by its name), largest first.
fn resident_by_file(pid: u32) -> Vec<(String, u64)> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut by_file: BTreeMap<String, u64> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in smaps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields
            .first()
            .is_some_and(|f| f.contains('-') && !f.ends_with(':'))
        {
            // A mapping's header: its path is the sixth field, when it has one.
            current = fields
                .get(5)
                .filter(|path| path.starts_with('/'))
                .map(|path| path.rsplit('/').next().unwrap_or(path).to_owned());
        } else if let (Some(file), ["Rss:", kib, ..]) = (&current, fields.as_slice()) {
            *by_file.entry(file.clone()).or_default() += kib.parse::<u64>().unwrap_or(0);
        }
    }
    let mut by_file: Vec<(String, u64)> = by_file.into_iter().filter(|(_, kib)| *kib > 0).collect();
    by_file.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    by_file
}

fn bare_client_path() -> PathBuf {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--example", "bare_client"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo builds the bare client");
    assert!(status.success());
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/examples/bare_client")
}

/// Starts `program` against `fake`; returns the child, the time until it registered
/// commands (qotd) or became ready, and its RSS after 5 s idle.
async fn measure_process(
    program: &std::path::Path,
    fake: &FakeDiscord,
    is_qotd: bool,
) -> (f64, Rss) {
    measure_process_with(program, fake, is_qotd, None).await
}

/// [`measure_process`], with `METRICS_ADDR` at `metrics` (scraped once before the
/// RSS is read) when given.
async fn measure_process_with(
    program: &std::path::Path,
    fake: &FakeDiscord,
    is_qotd: bool,
    metrics: Option<std::net::SocketAddr>,
) -> (f64, Rss) {
    let dir = tempfile::tempdir().unwrap();
    let since = fake.request_count();
    let sessions_before = fake.gateway_counts().ready;
    let started = Instant::now();
    let mut command = process_command(program, fake, dir.path());
    if is_qotd {
        command.arg("run");
    }
    if let Some(addr) = metrics {
        command.env("METRICS_ADDR", addr.to_string());
    }
    let log = dir.path().join("stderr.log");
    if is_qotd {
        // Its own line on handing back start-up's heap, with RssAnon before and after.
        command
            .env("RUST_LOG", "warn,qotd=info")
            .env("LOG_FORMAT", "json")
            .stderr(std::fs::File::create(&log).unwrap());
    }
    let mut child = command.spawn().unwrap();
    let ready_after = if is_qotd {
        fake.wait_for_request("commands registered", since, |r| {
            r.method == "PUT" && r.path.ends_with("/commands")
        })
        .await;
        started.elapsed().as_secs_f64()
    } else {
        fake.wait_until("bare client ready", Duration::from_secs(60), |f| {
            (f.gateway_counts().ready > sessions_before).then_some(())
        })
        .await;
        started.elapsed().as_secs_f64()
    };
    if let Some(addr) = metrics {
        let scraped = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .unwrap();
        assert!(scraped.status().is_success());
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut rss = rss(child.id().unwrap());
    let _ = child.kill().await;
    rss.trimmed = heap_handed_back(&std::fs::read_to_string(&log).unwrap_or_default());
    (ready_after, rss)
}

/// RssAnon KiB before and after qotd handed back start-up's heap, from its JSON log.
fn heap_handed_back(log: &str) -> Option<(u64, u64)> {
    let line = log.lines().find(|l| l.contains("start-up is over"))?;
    let fields = serde_json::from_str::<Value>(line).ok()?["fields"].clone();
    Some((
        fields["anon_kib_before"].as_u64()?,
        fields["anon_kib_after"].as_u64()?,
    ))
}

/// `program` against `fake`, in `dir` (its SQLite file there), quiet.
fn process_command(program: &Path, fake: &FakeDiscord, dir: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    command
        .current_dir(dir)
        .env("DISCORD_TOKEN", "bench")
        .env("DISCORD_API_PROXY", fake.base_url())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("qotd.db").display()),
        )
        .env("QUESTIONS_PATH", support::repo_path("questions.yaml"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    command
}

/// qotd's RSS at `fake`'s servers (the first server's first channel, 1,000,000) after
/// an admin set a daily channel up and had its question posted, and a member ran
/// `/streak` (its calendar picture), `/leaderboard`, `/quiz` and `/practice next`,
/// each 5 s after the last: the code start-up handed back comes back as it is used.
/// Returns the RSS and how many of the six commands were answered.
async fn rss_after_commands(program: &Path, fake: &FakeDiscord) -> (Rss, usize) {
    let dir = tempfile::tempdir().unwrap();
    let since = fake.request_count();
    let mut child = process_command(program, fake, dir.path())
        .arg("run")
        .spawn()
        .unwrap();
    fake.wait_for_request("commands registered", since, |r| {
        r.method == "PUT" && r.path.ends_with("/commands")
    })
    .await;
    let (guild, channel) = (10_000, 1_000_000);
    let (admin, member) = (Invoker::admin(7), Invoker::member(42));
    let sub = |name: &str, options: Value| json!([{ "name": name, "type": 1, "options": options }]);
    let setup = sub(
        "setup",
        json!([
            support::channel_option("channel", channel),
            support::string_option("time", "09:00"),
            support::string_option("timezone", "UTC")
        ]),
    );
    let post = sub("post", json!([support::channel_option("channel", channel)]));
    let commands = [
        (&admin, "qotd", setup),
        (&admin, "qotd", post),
        (&member, "streak", json!([])),
        (&member, "leaderboard", json!([])),
        (&member, "quiz", json!([])),
        (&member, "practice", sub("next", json!([]))),
    ];
    let mut answered = 0;
    for (invoker, name, options) in commands {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let token = support::send_slash(fake, guild, invoker, channel, name, options, json!({}));
        fake.wait_for_callback(&token).await;
        answered += 1;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss = rss(child.id().unwrap());
    let _ = child.kill().await;
    (rss, answered)
}

/// 4. Footprint: RSS at many guilds and at 10, and start → commands registered.
async fn footprint(guilds: usize) {
    let bare = bare_client_path();
    let qotd = PathBuf::from(env!("CARGO_BIN_EXE_qotd"));
    let big = guild_fake(guilds, 20).start().await;
    let (_, bare_rss) = measure_process(&bare, &big, false).await;
    let (_, qotd_rss) = measure_process(&qotd, &big, true).await;
    let (used_rss, answered) = rss_after_commands(&qotd, &big).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (_, metrics_rss) = measure_process_with(&qotd, &big, true, Some(port)).await;
    drop(big);
    let small = guild_fake(10, 20).start().await;
    let (_, bare_small) = measure_process(&bare, &small, false).await;
    let (registered_after, qotd_small) = measure_process(&qotd, &small, true).await;
    let mib = |kib: u64| round(kib as f64 / 1024.0);
    let split = |rss: &Rss| {
        let by_file: serde_json::Map<String, Value> = rss
            .by_file
            .iter()
            .take(6)
            .map(|(file, kib)| (file.clone(), json!(mib(*kib))))
            .collect();
        let trimmed = rss.trimmed.map(|(before, after)| json!({ "anon_mib_before": mib(before), "anon_mib_after": mib(after) }));
        json!({ "anon_mib": mib(rss.anon), "file_mib": mib(rss.file), "file_mib_by_file": by_file,
                "start_up_heap_handed_back": trimmed })
    };
    report(
        &format!("rss_{guilds}_guilds"),
        mib(qotd_rss.total),
        "MiB",
        Some(("bare serenity client, caching off", mib(bare_rss.total))),
        json!({ "guilds": guilds, "channels_per_guild": 20, "cache": "guilds, channels, users off; max_messages 0",
                "qotd": split(&qotd_rss), "bare": split(&bare_rss) }),
    );
    report(
        &format!("rss_{guilds}_guilds_after_commands"),
        mib(used_rss.total),
        "MiB",
        Some(("bare serenity client, caching off", mib(bare_rss.total))),
        json!({ "guilds": guilds, "commands": "/qotd setup, /qotd post, /streak (picture), /leaderboard, /quiz, /practice next",
                "answered": answered, "idle_rss_mib": mib(qotd_rss.total), "qotd": split(&used_rss) }),
    );
    report(
        &format!("rss_{guilds}_guilds_metrics_on"),
        mib(metrics_rss.total),
        "MiB",
        Some(("qotd without METRICS_ADDR", mib(qotd_rss.total))),
        json!({ "guilds": guilds, "scraped": 1, "added_mib": mib(metrics_rss.total.saturating_sub(qotd_rss.total)),
                "qotd": split(&metrics_rss) }),
    );
    report(
        "rss_10_guilds",
        mib(qotd_small.total),
        "MiB",
        Some(("bare serenity client, caching off", mib(bare_small.total))),
        json!({ "qotd": split(&qotd_small), "bare": split(&bare_small) }),
    );
    report(
        "start_to_commands_registered_10_guilds",
        registered_after * 1000.0,
        "ms",
        None,
        json!({}),
    );
}

/// Channels per server in the scale scenario.
const SCALE_CHANNELS_PER_GUILD: usize = 20;

/// Server `g` of the scale scenario: a snowflake on shard `g % 2` of 2 (Discord puts
/// server `id` on shard `(id >> 22) % total`), so two processes split the servers evenly.
fn scale_guild_id(g: usize) -> u64 {
    ((1_000_000_000 + g as u64) << 22) | 1
}

/// 5. Scale: daily channels due at once, 50 ms on every REST call, real processes.
///
/// `channels` channels are posted by one `qotd` process on a SQLite file, then by two
/// (`0/2`, `1/2`) on one PostgreSQL database.
async fn scale(channels: usize, postgres: Option<&PgServer>) {
    scale_run(channels, Db::Sqlite, &[None], Limited::No).await;
    if let Some(pg) = postgres {
        let shards = [Some("0/2"), Some("1/2")];
        scale_run(channels, Db::Postgres(pg), &shards, Limited::No).await;
    }
}

/// Whether a scale run meets Discord's global limit (SPEC §12).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Limited {
    /// The fake has no global limit, 50 ms on every call: what the bot's own work costs.
    No,
    /// The fake enforces 50 requests a second; the bot paces itself (the default
    /// rate) or, `unpaced`, does not (`DISCORD_REST_RATE=100000`).
    GlobalLimit { unpaced: bool },
}

/// Discord's global limit, requests a second per bot.
const GLOBAL_LIMIT: usize = 50;

/// Limits (scenario 6): `channels` daily channels due at once against a fake that
/// enforces Discord's global limit, posted by 1 process, then by 2 and 4 on one
/// PostgreSQL database (shards split evenly, one token); the time against the
/// physical floor (3 calls a post × channels / 50 a second). Then 1 process unpaced:
/// the 429s pacing prevents.
async fn limits(channels: usize, postgres: Option<&PgServer>, with_unpaced: bool) {
    let paced = Limited::GlobalLimit { unpaced: false };
    let Some(pg) = postgres else {
        return scale_run(channels, Db::Sqlite, &[None], paced).await;
    };
    let db = Db::Postgres(pg);
    scale_run(channels, db, &[None], paced).await;
    scale_run(channels, db, &[Some("0/2"), Some("1/2")], paced).await;
    let four = [Some("0/4"), Some("1/4"), Some("2/4"), Some("3/4")];
    scale_run(channels, db, &four, paced).await;
    if with_unpaced {
        scale_run(
            channels,
            db,
            &[None],
            Limited::GlobalLimit { unpaced: true },
        )
        .await;
    }
}

/// Discord's message bucket of a channel: messages per window.
const CHANNEL_MESSAGES: usize = 5;
/// ... and its window, in seconds.
const CHANNEL_WINDOW_S: f64 = 5.0;

/// Reveal (scenario 7): `answers` private answers to one question, shown in its thread
/// by the real binary at the reveal timeout, against a fake that enforces Discord's
/// message bucket of a channel; the time from the timeout to the last answer shown,
/// against the floor of that bucket (answers / 5 per 5 s).
async fn reveal(answers: usize) {
    const GUILD: u64 = 4_000_000_000_000_000_000;
    const CHANNEL: u64 = 4_000_000_000_000_000_001;
    let fake = FakeDiscord::builder()
        .guild(GUILD, "reveal", &[(CHANNEL, "daily")])
        .start()
        .await;
    fake.set_channel_message_limit(true);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("qotd.db").display());
    let store = Store::open(&url).await.unwrap();
    support::schedule_due_a_minute_ago(&store, [(CHANNEL, GUILD)]).await;
    support::private_answers_shown_after_a_minute(&store).await;
    let qotd = Qotd::run_against(&fake, dir.path())
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .spawn();
    let post = loop {
        match store.latest_daily_post(CHANNEL).await.unwrap() {
            Some(post) if post.thread_id.is_some() => break post,
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let now = chrono::Utc::now();
    for member in 0..answers {
        let text = format!("Answer {member}: {}", "valence and arousal ".repeat(20));
        let user = 5_000_000_000_000_000 + member as u64;
        store
            .save_private_answer(&post, user, &format!("member{member}"), &text, now)
            .await
            .unwrap();
    }
    let due = post.reveal_due_at;
    let shown_at = loop {
        match store
            .daily_post(post.id)
            .await
            .unwrap()
            .and_then(|p| p.answers_shown_at)
        {
            Some(at) => break at,
            None => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    let thread = post.thread_id.unwrap();
    let shown: Vec<_> = fake
        .messages_in(thread)
        .into_iter()
        .filter(|m| {
            m.json["embeds"][0]["title"]
                .as_str()
                .is_some_and(|t| t.contains("answered"))
        })
        .collect();
    let in_order = shown.iter().enumerate().all(|(i, m)| {
        m.json["embeds"][0]["title"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("{}. ", i + 1))
    });
    let exited = qotd.terminate().await;
    let elapsed = (shown_at - due).as_seconds_f64();
    let floor = answers as f64 * CHANNEL_WINDOW_S / CHANNEL_MESSAGES as f64;
    let limits = fake.limits_report();
    let extra = json!({
        "answers": answers,
        "messages_shown": shown.len(),
        "exactly_once_in_order": shown.len() == answers && in_order,
        "channel_bucket": { "messages": CHANNEL_MESSAGES, "window_s": CHANNEL_WINDOW_S,
            "channel_429s": limits.channel_429s, "global_429s": limits.global_429s,
            "invalid_requests": limits.invalid },
        "log_errors": exited.stderr.lines().filter(|l| l.contains(" ERROR ")).count(),
        "problems": fake.problems().len(),
    });
    report(
        &format!("reveal_{answers}_private_answers"),
        elapsed,
        "s",
        Some(("floor = answers / (5 messages per 5 s in a channel)", floor)),
        extra,
    );
    store.close().await;
}

/// Writes every dirty page to disk (`sync`), so no earlier writeback runs in a timing.
fn flush_disk_writes() {
    let _ = std::process::Command::new("sync").status();
}

/// Seconds of CPU a process used (`/proc/PID/stat`: utime + stime, in 1/100 s).
fn process_cpu_s(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The machine's (busy, total) CPU time so far, in ticks (`/proc/stat`).
fn machine_cpu() -> (u64, u64) {
    let numbers = cpu_ticks();
    let total: u64 = numbers.iter().sum();
    // idle and iowait
    let idle = numbers.get(3).copied().unwrap_or(0) + numbers.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// `/proc/stat`'s machine-wide CPU ticks (1/100 s): user, nice, system, idle, iowait,
/// irq, softirq, steal, …
fn cpu_ticks() -> Vec<u64> {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    stat.lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect()
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// (daily_posts rows, rows finished: message, 💡 and thread).
async fn post_counts(store: &Store) -> (i64, i64) {
    let rows: i64 = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM daily_posts"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    (rows, count_finished(store).await)
}

/// What PostgreSQL's sessions of the `qotd` processes were doing, sampled: state and
/// wait event of each session not idle.
async fn sample_activity(connection: &mut sqlx::PgConnection, counts: &mut BTreeMap<String, u64>) {
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT COALESCE(state, ''), wait_event_type, wait_event FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'qotd' AND state <> 'idle'",
    )
    .fetch_all(connection)
    .await
    .unwrap_or_default();
    for (state, kind, event) in rows {
        let key = match (kind, event) {
            (Some(kind), Some(event)) => format!("{state}: {kind}/{event}"),
            _ => format!("{state}: on CPU"),
        };
        *counts.entry(key).or_default() += 1;
    }
}

/// One run of the scale scenario: a `qotd` process per entry of `shards`
/// (`DISCORD_SHARDS`, or `None` for every shard Discord recommends).
async fn scale_run(channels: usize, db: Db<'_>, shards: &[Option<&str>], limited: Limited) {
    let latency = match limited {
        Limited::No => Duration::from_millis(50),
        Limited::GlobalLimit { .. } => Duration::from_millis(5),
    };
    let guilds = channels.div_ceil(SCALE_CHANNELS_PER_GUILD);
    let mut builder = FakeDiscord::builder();
    let mut pairs: Vec<(u64, u64)> = Vec::with_capacity(channels);
    for g in 0..guilds {
        let guild = scale_guild_id(g);
        let ids: Vec<(u64, String)> = (0..SCALE_CHANNELS_PER_GUILD)
            .map(|c| (g * SCALE_CHANNELS_PER_GUILD + c) as u64)
            .filter(|&n| n < channels as u64)
            .map(|n| (900_000_000_000_000_000 + n, format!("daily-{n}")))
            .collect();
        let refs: Vec<(u64, &str)> = ids.iter().map(|(id, name)| (*id, name.as_str())).collect();
        builder = builder.guild(guild, &format!("guild-{g}"), &refs);
        pairs.extend(ids.iter().map(|(id, _)| (*id, guild)));
    }
    if limited != Limited::No {
        builder = builder.global_limit(GLOBAL_LIMIT);
    }
    let fake = builder.start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.fresh(dir.path(), "qotd.db").await;
    let store = Store::open(&url).await.unwrap();
    support::schedule_due_a_minute_ago(&store, pairs.iter().copied()).await;
    let mut activity = match db {
        Db::Postgres(_) => Some(sqlx::PgConnection::connect(&url).await.unwrap()),
        Db::Sqlite => None,
    };
    let binary = env!("CARGO_BIN_EXE_qotd");

    // Earlier scenarios leave hundreds of MiB for the kernel to write back (the 2 M
    // answer histories); SQLite's checkpoints wait behind that writeback (a 2.6 s stall
    // was seen), so it is flushed before the clock starts.
    flush_disk_writes();
    fake.set_latency(latency);
    let since = fake.request_count();
    let machine_before = machine_cpu();
    let bench_before = process_cpu_s("self");
    let started = Instant::now();
    let processes: Vec<Running> = shards
        .iter()
        .map(|shards| {
            let mut qotd = Qotd::run_against(&fake, dir.path())
                .env("DATABASE_URL", &url)
                .env("RUST_LOG", "warn");
            if let Some(shards) = shards {
                qotd = qotd.env("DISCORD_SHARDS", shards);
            }
            // Unpaced: the bot's own cost without Discord's limit (`Limited::No`), or
            // what pacing prevents against it.
            if limited != (Limited::GlobalLimit { unpaced: false }) {
                qotd = qotd.env("DISCORD_REST_RATE", "100000");
            }
            qotd.spawn()
        })
        .collect();
    let pids: Vec<String> = processes
        .iter()
        .map(|p| p.id().expect("qotd is running").to_string())
        .collect();

    let mut ready_after = None;
    let mut first_claim_after = None;
    let mut waits = BTreeMap::new();
    let mut samples = 0u64;
    let mut last = (0, Instant::now());
    let mut qotd_cpu = vec![0.0; pids.len()];
    loop {
        let elapsed = started.elapsed().as_secs_f64();
        if ready_after.is_none() && fake.gateway_counts().ready >= shards.len() as u64 {
            ready_after = Some(elapsed);
        }
        let (rows, finished) = post_counts(&store).await;
        if first_claim_after.is_none() && rows > 0 {
            first_claim_after = Some(elapsed);
        }
        // Read while the processes run (their /proc entries go when they exit).
        for (cpu, pid) in qotd_cpu.iter_mut().zip(&pids) {
            *cpu = process_cpu_s(pid);
        }
        if finished >= channels as i64 {
            break;
        }
        if finished != last.0 {
            last = (finished, Instant::now());
        }
        if last.1.elapsed() > Duration::from_secs(120) {
            let mut output = String::new();
            for process in processes {
                output.push_str(&process.kill().await.stderr);
            }
            panic!("the scale run stalled at {finished} of {channels} posts finished:\n{output}");
        }
        if let Some(connection) = activity.as_mut() {
            sample_activity(connection, &mut waits).await;
            samples += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let machine_after = machine_cpu();
    let bench_cpu = process_cpu_s("self") - bench_before;
    let machine_busy = (machine_after.0 - machine_before.0) as f64
        / (machine_after.1 - machine_before.1).max(1) as f64;

    let requests: Vec<fake_discord::Request> = fake.requests().into_iter().skip(since).collect();
    let daily_calls = requests
        .iter()
        .filter(|r| {
            let post = r.method == "POST"
                && (r.path.ends_with("/messages") || r.path.ends_with("/threads"));
            let react = r.method == "PUT" && r.path.ends_with("/@me");
            r.path.starts_with("/channels/900") && (post || react)
        })
        .count();
    let mut warnings = 0;
    let mut errors = 0;
    let mut log_samples: Vec<String> = Vec::new();
    for process in processes {
        let exited = process.terminate().await;
        for line in exited.stderr.lines().chain(exited.stdout.lines()) {
            let line = strip_ansi(line);
            if line.contains(" WARN ") {
                warnings += 1;
            } else if line.contains(" ERROR ") {
                errors += 1;
            } else {
                continue;
            }
            if log_samples.len() < 3 {
                log_samples.push(line.chars().take(300).collect());
            }
        }
    }

    // Exactly once: one daily message per channel in Discord (with its 💡 and
    // thread), one daily_posts row per channel in the database.
    let mut one_message = 0;
    let mut messages = 0;
    for (channel, _) in &pairs {
        let posts = support::daily_messages(&fake, *channel);
        messages += posts.len();
        if posts.len() == 1 && posts[0].own_reactions.contains("💡") && posts[0].thread_id.is_some()
        {
            one_message += 1;
        }
    }
    let per_channel: Vec<i64> = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM daily_posts GROUP BY channel_id"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    let one_row = per_channel.iter().filter(|&&n| n == 1).count();
    let rows: i64 = per_channel.iter().sum();

    let processes = shards.len();
    let calls_per_channel = 3;
    let ideal = (channels * calls_per_channel) as f64 * latency.as_secs_f64()
        / (DEFAULT_CONCURRENCY * processes) as f64;
    let fan_out = elapsed - first_claim_after.unwrap_or(0.0);
    let mut extra = json!({
        "database": db.label(),
        "channels": channels, "guilds": guilds, "processes": processes,
        "shards": shards.iter().map(|s| s.unwrap_or("all (Discord's recommended count)")).collect::<Vec<_>>(),
        "latency_ms": latency.as_millis() as u64,
        "concurrency_bound_per_process": DEFAULT_CONCURRENCY,
        "ready_after_s": ready_after.map(round),
        "first_claim_after_s": first_claim_after.map(round),
        "fan_out_s": round(fan_out), "fan_out_ratio": round(fan_out / ideal),
        "rest_calls": requests.len(), "daily_rest_calls": daily_calls,
        "exactly_once": {
            "ok": one_message == channels && messages == channels && one_row == channels && rows == channels as i64,
            "channels_with_one_daily_message": one_message, "daily_messages": messages,
            "channels_with_one_row": one_row, "daily_posts_rows": rows,
        },
        "cpu": {
            "machine_busy": round(machine_busy), "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "qotd_s": qotd_cpu.iter().map(|&s| round(s)).collect::<Vec<_>>(),
            "bench_and_fake_discord_s": round(bench_cpu),
        },
        "log": { "warn": warnings, "error": errors, "samples": log_samples },
        "binary": binary,
        "binary_profile": if binary.contains("/release/") { "release" } else { "not release" },
        "problems": fake.problems().len(),
    });
    if let Db::Postgres(pg) = db {
        extra["postgres"] = pg.info.clone();
        extra["pg_activity"] =
            json!({ "samples": samples, "every_ms": 20, "sessions_not_idle": waits });
    }
    let plural = if processes == 1 { "" } else { "es" };
    let (name, baseline) = match limited {
        Limited::No => (
            format!("daily_scale_{}_{processes}_process{plural}", db.label()),
            (
                "ideal = channels x 3 calls x latency / (bound x processes)",
                ideal,
            ),
        ),
        Limited::GlobalLimit { unpaced } => {
            let limits = fake.limits_report();
            extra["global_limit"] = json!({
                "per_second": GLOBAL_LIMIT, "global_429s": limits.global_429s,
                "invalid_requests": limits.invalid, "peak_per_second": limits.peak_per_second,
                "banned": limits.banned,
            });
            let floor = (channels * calls_per_channel) as f64 / GLOBAL_LIMIT as f64;
            let name = format!(
                "daily_limit_{}_{processes}_process{plural}{}",
                db.label(),
                if unpaced { "_unpaced" } else { "" }
            );
            (name, ("floor = channels x 3 calls / 50 per s", floor))
        }
    };
    report(&name, elapsed, "s", Some(baseline), extra);
    if let Some(connection) = activity {
        let _ = connection.close().await;
    }
    store.close().await;
    db.discard(&url).await;
}
