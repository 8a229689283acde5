//! SPEC §11: running qotd. `qotd backup` (the real binary) while the bot writes
//! answers, JSON logs, and the deployment files.

use std::time::Duration;

use crate::support::binary::Qotd;
use crate::support::*;
use fake_discord::FakeDiscord;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_answers_are_written_is_consistent_and_is_never_overwritten() {
    let (harness, post) = Harness::with_first_post_on_sqlite(vec![]).await;
    let db = harness.db_path();
    let backup = harness.dir.path().join("backup.db");

    // Members keep answering while the backup runs.
    let members: Vec<u64> = (1..=400).map(|n| 9_000_000 + n).collect();
    let before = harness.store().answer_count(post.id).await.unwrap();
    let copy = {
        let (db, backup) = (db.clone(), backup.clone());
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(150));
            Qotd::new(["backup".as_ref(), backup.as_os_str()])
                .database(&db)
                .output()
        })
    };
    for member in &members {
        harness.answer(&post, *member);
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let exited = copy.await.unwrap();
    for member in &members {
        harness.wait_answer(post.id, *member).await;
    }
    let after = harness.store().answer_count(post.id).await.unwrap();
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    assert!(
        exited.stdout.contains("integrity_check ok"),
        "{}",
        exited.stdout
    );

    // The copy is whole, and its answers are a count the live database had.
    let copy = qotd::storage::Store::open_path(&backup).await.unwrap();
    let copied = copy.answer_count(post.id).await.unwrap();
    let integrity: String = on_pool!(copy, |pool| sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap());
    copy.close().await;
    assert_eq!(integrity, "ok");
    assert!(
        (before..=after).contains(&copied),
        "{copied} answers in the copy, {before} before and {after} after"
    );
    assert!(
        exited.stdout.contains(&format!("answers\t{copied}")),
        "{}",
        exited.stdout
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the copy is private like the database");
    }

    // A second backup to the same path is refused and leaves the first alone.
    let first = std::fs::read(&backup).unwrap();
    let again = Qotd::new(["backup".as_ref(), backup.as_os_str()])
        .database(&db)
        .output();
    assert_eq!(again.code(), Some(2));
    assert_eq!(
        again.stderr.trim(),
        format!(
            "error: {} already exists: qotd backup never overwrites a file; choose a new path",
            backup.display()
        )
    );
    assert_eq!(std::fs::read(&backup).unwrap(), first);
    harness.fake.assert_clean();
}

#[test]
fn a_backup_of_postgresql_points_to_pg_dump_and_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.db");
    let exited = Qotd::new(["backup".as_ref(), path.as_os_str()])
        .env("DATABASE_URL", "postgres://qotd:secret@127.0.0.1:1/qotd")
        .output();
    assert_eq!(exited.code(), Some(2));
    assert!(exited.stderr.contains("pg_dump"), "{}", exited.stderr);
    assert!(!exited.stderr.contains("secret"), "{}", exited.stderr);
    assert!(!path.exists());
}

#[tokio::test]
async fn with_log_format_json_every_line_is_a_json_object_and_the_token_is_in_none() {
    let fake = default_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Qotd::run_against(&fake, dir.path())
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "debug,sqlx=debug")
        .spawn();
    wait_until_sync("the bot's gateway session", || {
        fake.gateway_counts().ready >= 1 && !fake.global_commands().is_empty()
    })
    .await;
    let exited = bot.terminate().await;
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    let lines: Vec<&str> = exited.stderr.lines().collect();
    assert!(lines.len() >= 5, "the run logged: {}", exited.stderr);
    for line in &lines {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
        assert!(
            event["level"].is_string() && event["fields"].is_object(),
            "{line}"
        );
    }
    assert!(
        lines.iter().any(|l| l.contains("gateway session ready")),
        "{}",
        exited.stderr
    );
    let token = crate::support::binary::SUBPROCESS_TOKEN;
    assert!(!exited.stderr.contains(token) && !exited.stdout.contains(token));
}

#[test]
fn with_log_format_json_a_refused_start_is_json_too() {
    let exited = Qotd::new(["run"])
        .env("LOG_FORMAT", "json")
        .env("QUESTIONS_PATH", "tests/data/banks/three-problems.yaml")
        .env("DISCORD_TOKEN", "not-a-real-token")
        .output();
    assert_eq!(exited.code(), Some(2));
    let lines: Vec<&str> = exited.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        4,
        "three problems and the refusal: {}",
        exited.stderr
    );
    for line in lines {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(event["level"], "ERROR", "{line}");
    }
    assert!(!exited.stderr.contains("not-a-real-token"));
    let bad = Qotd::new(["check"]).env("LOG_FORMAT", "xml").output();
    assert_eq!(bad.code(), Some(2));
    assert_eq!(
        bad.stderr.trim(),
        "error: LOG_FORMAT is invalid: must be `text` or `json`"
    );
}

#[tokio::test]
async fn a_wrong_token_exits_two_at_once_with_one_line_and_never_opens_the_gateway() {
    let fake = FakeDiscord::builder()
        .guild(GUILD, "Interview Prep", &[(CHANNEL, "daily")])
        .accept_only_token("the-real-token")
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Qotd::run_against(&fake, dir.path()).spawn();
    let exited = tokio::time::timeout(Duration::from_secs(5), bot.wait())
        .await
        .expect("a refused token stops the bot within 5 s");
    assert_eq!(exited.code(), Some(2), "{}", exited.stderr);
    let problems: Vec<&str> = exited
        .stderr
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("WARN") || l.starts_with("error"))
        .collect();
    assert_eq!(
        problems,
        [
            "error: DISCORD_TOKEN was refused by Discord (401): reset it in the Developer Portal (Bot → Reset Token) and start again"
        ],
        "{}",
        exited.stderr
    );
    assert_eq!(fake.gateway_counts().identifies, 0);
    assert!(
        !exited
            .stderr
            .contains(crate::support::binary::SUBPROCESS_TOKEN)
    );
    // Checked before the database is created: nothing is left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Runs the bot against `api` for a few seconds (Discord out of reach), then stops it;
/// returns its log.
async fn run_unreachable(api: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let bot = Qotd::new(["run"])
        .in_dir(dir.path())
        .env("DISCORD_TOKEN", crate::support::binary::SUBPROCESS_TOKEN)
        .env("DISCORD_API_PROXY", api)
        .database(&dir.path().join("qotd.db"))
        .env("QUESTIONS_PATH", repo_path("questions.yaml"))
        .spawn();
    tokio::time::sleep(Duration::from_millis(3_600)).await;
    let exited = bot.terminate().await;
    assert_eq!(
        exited.code(),
        Some(0),
        "SIGTERM stops the retries: {}",
        exited.stderr
    );
    exited.stderr
}

#[tokio::test]
async fn unreachable_discord_gives_one_plain_line_per_try_waiting_longer_each_time() {
    let fake = default_fake().await;
    let tls = fake.base_url().replace("http://", "https://");
    let dns = "http://qotd-test.invalid";
    let (refused, handshake, unresolved) = tokio::join!(
        run_unreachable("http://127.0.0.1:9"),
        run_unreachable(&tls),
        run_unreachable(dns)
    );
    for (log, target, cause) in [
        (
            &unresolved,
            dns.to_owned(),
            "its name could not be resolved (DNS)",
        ),
        (
            &refused,
            "http://127.0.0.1:9".to_owned(),
            "the connection was refused",
        ),
        (
            &handshake,
            tls.clone(),
            "the secure connection (TLS) failed",
        ),
    ] {
        let tries: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("Discord cannot be reached"))
            .collect();
        assert!(tries.len() >= 2, "{log}");
        for (n, line) in tries.iter().take(2).enumerate() {
            assert!(
                line.contains(&format!("Discord cannot be reached at {target}: {cause}")),
                "{line}"
            );
            assert!(
                line.ends_with(&format!("trying again in {} s", 1 << n)),
                "{line}"
            );
        }
        assert!(
            !log.contains("error sending request"),
            "no raw errors: {log}"
        );
        assert!(!log.contains(crate::support::binary::SUBPROCESS_TOKEN));
    }
}

#[tokio::test]
async fn the_invite_link_is_logged_once_when_the_bot_is_in_no_server() {
    for (fake, expected) in [
        (FakeDiscord::builder().start().await, 1),
        (default_fake().await, 0),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let bot = Qotd::run_against(&fake, dir.path()).spawn();
        wait_until_sync("the bot's gateway session", || {
            fake.gateway_counts().ready >= 1 && !fake.global_commands().is_empty()
        })
        .await;
        let exited = bot.terminate().await;
        let invite = format!(
            "https://discord.com/oauth2/authorize?client_id={}&scope=bot+applications.commands&permissions=309506165824",
            fake_discord::APPLICATION_ID
        );
        assert_eq!(
            exited.stderr.matches(&invite).count(),
            expected,
            "{}",
            exited.stderr
        );
    }
}

/// One sample of the Prometheus text exposition: its name, labels and value.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// Parses the text exposition format: comments and `name{label="value",…} number`.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), Vec::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("labels end with }");
                let labels = body
                    .split(',')
                    .filter(|pair| !pair.is_empty())
                    .map(|pair| {
                        let (key, quoted) = pair.split_once('=').expect("label=value");
                        let value = quoted.trim_matches('"').to_owned();
                        (key.to_owned(), value)
                    })
                    .collect();
                (name.to_owned(), labels)
            }
        };
        samples.push(Sample {
            name,
            labels,
            value,
        });
    }
    samples
}

/// The value of `name` with exactly `labels` (0 when absent).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let wanted: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    samples
        .iter()
        .filter(|s| s.name == name && s.labels == wanted)
        .map(|s| s.value)
        .sum()
}

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// `/metrics` says it is OpenMetrics text, and a real OpenMetrics parser reads it with
/// every counter typed as a counter (served as the classic `text/plain; version=0.0.4`,
/// a classic parser reads the `_total` samples of these families as untyped).
async fn assert_served_as_openmetrics(addr: std::net::SocketAddr, text: &str) {
    use openmetrics_parser::{MetricFamily, OpenMetricsType};
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text; version=1.0.0"),
        "{content_type}"
    );
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(text)
        .unwrap_or_else(|error| panic!("not OpenMetrics text: {error:?}\n{text}"));
    let family: &MetricFamily<_, _> = &exposition.families["qotd_daily_posts"];
    assert_eq!(family.family_type, OpenMetricsType::Counter);
    let family = &exposition.families["qotd_discord_request_duration_seconds"];
    assert_eq!(family.family_type, OpenMetricsType::Histogram);
}

/// Polls `/healthz` until it answers `status`; returns its body.
async fn healthz_becomes(addr: std::net::SocketAddr, status: u16) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (got, body) = get(addr, "/healthz").await;
        if got == status {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "/healthz stayed {got} ({body}), expected {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn metrics_count_a_days_work_exactly_and_healthz_follows_the_gateway() {
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z")).await;
    harness.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    harness.start_bot().await;
    let addr = *harness
        .app()
        .metrics_addr
        .get()
        .expect("the metrics server is up");
    assert_eq!(healthz_becomes(addr, 200).await, "ok\n");

    // The post's creation meets a 500 and a 429 before it goes through.
    harness.fake.queue_faults_on(
        "POST",
        &format!("/channels/{CHANNEL}/messages"),
        [
            fake_discord::Fault::ServerError,
            fake_discord::Fault::RateLimited { retry_after: 0.05 },
        ],
    );
    let post = harness.first_post_at_nine(CHANNEL, vec![]).await;
    for user in [MEMBER, MEMBER + 1, MEMBER + 2] {
        harness.answer_and_wait(&post, user).await;
    }
    harness.lightbulb(post.message_id.unwrap(), MEMBER + 3);
    harness
        .wait_message_in(post.thread_id.unwrap(), "Hint revealed")
        .await;

    // The gateway drops and stays away: /healthz says so until it is back.
    harness.fake.refuse_gateway(true);
    harness.fake.close_gateway();
    let down = healthz_becomes(addr, 503).await;
    assert!(
        down.starts_with("gateway shard 0 is not connected"),
        "{down}"
    );
    assert_eq!(down.lines().count(), 1);
    harness.fake.refuse_gateway(false);
    assert_eq!(healthz_becomes(addr, 200).await, "ok\n");

    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert_served_as_openmetrics(addr, &text).await;
    let samples = parse_exposition(&text);
    let count = |name: &str, labels: &[(&str, &str)]| value(&samples, name, labels);
    assert_eq!(count("qotd_daily_posts_total", &[]), 1.0, "{text}");
    assert_eq!(count("qotd_reveals_total", &[("reason", "reactions")]), 1.0);
    assert_eq!(count("qotd_reveals_total", &[("reason", "timeout")]), 0.0);
    assert_eq!(count("qotd_answers_recorded_total", &[]), 3.0);
    assert_eq!(count("qotd_answers_held", &[]), 0.0);
    let create = |status| {
        count(
            "qotd_discord_requests_total",
            &[("route", "create_message"), ("status", status)],
        )
    };
    assert_eq!((create("500"), create("429")), (1.0, 1.0), "{text}");
    assert_eq!(create("2xx"), 2.0, "the post and the hint's announcement");
    assert_eq!(
        count(
            "qotd_discord_request_duration_seconds_count",
            &[("route", "create_message")]
        ),
        4.0
    );
    assert_eq!(
        count(
            "qotd_discord_requests_total",
            &[("route", "create_reaction"), ("status", "2xx")]
        ),
        1.0
    );
    assert_eq!(
        count(
            "qotd_discord_requests_total",
            &[("route", "create_thread"), ("status", "2xx")]
        ),
        1.0
    );
    assert_eq!(
        count("qotd_gateway_reconnects_total", &[("shard", "0")]),
        1.0,
        "{text}"
    );
    let sessions = count("qotd_gateway_sessions_total", &[("shard", "0")]);
    let resumes = count("qotd_gateway_resumes_total", &[("shard", "0")]);
    assert_eq!(
        sessions + resumes,
        2.0,
        "the first session and the one after the drop"
    );
    assert_eq!(count("qotd_scheduler_lag_seconds_count", &[]), 1.0);
    assert_eq!(
        count(
            "qotd_daily_post_failures_total",
            &[("reason", "discord_unavailable")]
        ),
        0.0
    );
    assert_eq!(
        count(
            "qotd_database_write_errors_total",
            &[("database", "sqlite")]
        ),
        0.0
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn healthz_is_503_while_the_disk_is_full_and_200_after() {
    let disk = crate::support::disk_faults::SmallDisk::mount("2m");
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z"))
        .await
        .on_sqlite();
    harness.db_dir = disk.path().to_path_buf();
    harness.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    harness.start_bot().await;
    let addr = *harness.app().metrics_addr.get().unwrap();
    assert_eq!(healthz_becomes(addr, 200).await, "ok\n");
    disk.fill();
    let reason = healthz_becomes(addr, 503).await;
    assert_eq!(
        reason,
        "the database cannot be written: the disk holding the database is full\n"
    );
    disk.free();
    assert_eq!(healthz_becomes(addr, 200).await, "ok\n");
}

/// The JSON log lines whose message contains `words`.
fn json_lines_with(log: &str, words: &str) -> Vec<serde_json::Value> {
    log.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|event| {
            event["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(words))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_every_server_has_arrived_start_up_memory_is_handed_back_once() {
    let mut builder = FakeDiscord::builder();
    for g in 0..200u64 {
        builder = builder.guild(70_000 + g, &format!("server {g}"), &[(80_000 + g, "daily")]);
    }
    let fake = builder.start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Qotd::run_against(&fake, dir.path())
        .env("LOG_FORMAT", "json")
        .spawn();
    wait_until_sync("start-up to be over", || {
        bot.stderr_so_far().contains("start-up is over")
    })
    .await;

    // A server that adds the bot afterwards is welcomed; start-up is not over twice.
    let channels = vec![fake_discord::fixtures::channel(
        80_500, 70_500, "daily", 0, None,
    )];
    fake.dispatch(
        "GUILD_CREATE",
        fake_discord::fixtures::guild(70_500, "a new server", fake_discord::OWNER_ID, &channels),
    );
    wait_until_sync("the new server", || {
        bot.stderr_so_far().contains("added to a server")
    })
    .await;
    let exited = bot.terminate().await;
    let log = &exited.stderr;
    assert_eq!(exited.code(), Some(0), "{log}");
    let arrived = json_lines_with(log, "every server of the gateway sessions has arrived");
    assert_eq!(arrived.len(), 1, "{log}");
    let over = json_lines_with(log, "start-up is over");
    assert_eq!(over.len(), 1, "{log}");
    let fields = &over[0]["fields"];
    let kib = |name: &str| {
        fields[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: {fields}"))
    };
    assert!(
        kib("anon_kib_after") <= kib("anon_kib_before") + 1024,
        "{fields}"
    );
}

/// Issue 27 (10): a log that is not a terminal (the systemd journal, a file, a pipe)
/// gets no colour codes; `NO_COLOR` is respected too.
#[tokio::test]
async fn log_lines_to_a_pipe_carry_no_colour_codes() {
    let fake = FakeDiscord::builder()
        .guild(GUILD, "Interview Prep", &[(CHANNEL, "daily")])
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Qotd::run_against(&fake, dir.path())
        .env("RUST_LOG", "info")
        .spawn();
    wait_until_sync("the token check's line", || {
        bot.stderr_so_far().contains("DISCORD_TOKEN accepted")
    })
    .await;
    let exited = bot.terminate().await;
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    assert!(exited.stderr.contains(" INFO "), "{}", exited.stderr);
    assert!(
        !exited.stderr.contains('\u{1b}'),
        "escape codes in a piped log: {:?}",
        exited.stderr.lines().next()
    );
}

/// `qotd healthcheck` (the container image's HEALTHCHECK: it has no shell) asks the
/// running bot's `/healthz`: 0 while it is healthy, 1 with the reason once its gateway
/// is down, 2 without METRICS_ADDR. The start-up line says what runs, and `--version`
/// names the schema (issue 27, operator items).
#[tokio::test]
async fn healthcheck_asks_the_running_bot_and_start_up_says_what_runs() {
    let fake = default_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("0.0.0.0:{port}");
    let bot = Qotd::run_against(&fake, dir.path())
        .env("METRICS_ADDR", &addr)
        .spawn();
    let check = || {
        Qotd::new(["healthcheck"])
            .env("METRICS_ADDR", &addr)
            .output()
    };
    Waiter::on(&fake)
        .within(Duration::from_secs(20))
        .until("the health check passes", async || {
            check().code() == Some(0)
        })
        .await;
    fake.refuse_gateway(true);
    fake.close_gateway();
    let down = Waiter::on(&fake)
        .within(Duration::from_secs(20))
        .until("the health check fails", async || {
            let exited = check();
            (exited.code() == Some(1)).then_some(exited.stderr)
        })
        .await;
    assert!(
        down.contains("unhealthy: HTTP/1.0 503") || down.contains("unhealthy: HTTP/1.1 503"),
        "{down}"
    );
    assert!(down.contains("gateway shard 0"), "{down}");
    let exited = bot.terminate().await;
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        exited
            .stderr
            .contains(&format!("qotd {version} starting: schema ")),
        "{}",
        exited.stderr
    );
    assert!(
        exited.stderr.contains("1 bank(s) with 50 questions from"),
        "{}",
        exited.stderr
    );
    let unset = Qotd::new(["healthcheck"]).output();
    assert_eq!(unset.code(), Some(2), "{}", unset.stderr);
    let shown = Qotd::new(["--version"]).output();
    let sqlite = qotd::storage::Store::schema_version(qotd::storage::DatabaseKind::Sqlite);
    assert!(
        shown
            .stdout
            .contains(&format!("database schema: SQLite {sqlite}, PostgreSQL")),
        "{}",
        shown.stdout
    );
}
