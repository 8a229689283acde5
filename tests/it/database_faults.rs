//! Database faults: a locked database is waited out, a full disk and a read-only file
//! fail writes clearly while reads go on and nothing is lost once they clear, a
//! database from a newer qotd is refused before connecting, and the state written
//! before a fault is intact after it. On PostgreSQL: the server stopped for 30 s, and
//! a server that accepts no writes (each on a server of the test's own).

use std::time::Duration;

use crate::support::binary::Qotd;
use crate::support::disk_faults::{CapturedLog, Immutable, SmallDisk};
use crate::support::*;
use chrono::TimeDelta;
use serde_json::json;

const SECOND_MEMBER: u64 = 555_555_555_555_555_003;

async fn integrity(store: &qotd::storage::Store) -> String {
    let qotd::storage::Pool::Sqlite(pool) = store.pool() else {
        unreachable!("a SQLite store")
    };
    sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// One daily message per date in `channel`, each recorded once.
async fn one_post_per_date(harness: &Harness, channel: u64) -> usize {
    let dates: Vec<(String, i64)> = on_pool!(harness.store(), |pool| {
        sqlx::query_as(
        "SELECT local_date, COUNT(*) FROM daily_posts WHERE channel_id = $1 GROUP BY local_date",
    )
    .bind(channel as i64)
    .fetch_all(pool)
    .await
    .unwrap()
    });
    assert!(dates.iter().all(|(_, n)| *n == 1), "{dates:?}");
    assert_eq!(harness.daily_messages(channel).len(), dates.len());
    dates.len()
}

/// Waits until the answer writer holds `n` answers it could not commit.
async fn wait_held_answers(harness: &Harness, n: usize) {
    harness
        .wait_until(&format!("{n} answers held in memory"), async || {
            harness.app().answers.pending() == n
        })
        .await;
}

/// `/streak` for `user`: its text.
async fn streak_text(harness: &mut Harness, user: u64) -> String {
    harness.member_command(user, "streak").await.text()
}

/// `/qotd setup` for another channel; returns the reply.
async fn try_setup_other_channel(harness: &mut Harness) -> Reply {
    let token = harness.qotd(
        &admin(),
        "setup",
        json!([
            channel_option("channel", OTHER_CHANNEL),
            string_option("time", "10:00"),
            string_option("timezone", "Europe/Berlin")
        ]),
    );
    harness.reply(&token).await
}

/// Day one posted at 09:00 New York and answered by [`MEMBER`]; returns the post.
async fn day_one_answered(harness: &mut Harness) -> qotd::storage::DailyPost {
    let day_one = harness.first_post_at_nine(CHANNEL, vec![]).await;
    harness.set_time(at("2026-06-01T13:05:00Z"));
    harness.answer_and_wait(&day_one, MEMBER).await;
    day_one
}

/// While the database cannot be written, because `reason`: a member's answer is held
/// (not dropped), an admin's change is refused with the reason and changes nothing,
/// reads are served, and the next day's post time passes without a question (it would
/// reset the streak of the member whose answer is still held).
async fn behaves_during_the_fault(
    harness: &mut Harness,
    day_one: &qotd::storage::DailyPost,
    reason: &str,
) {
    harness.answer(day_one, SECOND_MEMBER);
    wait_held_answers(harness, 1).await;
    assert_eq!(
        harness
            .store()
            .answered_at(day_one.id, SECOND_MEMBER)
            .await
            .unwrap(),
        None
    );
    let before = snapshot(harness.store()).await;
    let reply = try_setup_other_channel(harness).await;
    assert!(reply.ephemeral);
    assert!(
        reply.content.contains("can't save anything right now") && reply.content.contains(reason),
        "{}",
        reply.content
    );
    assert_eq!(snapshot(harness.store()).await, before);
    assert!(
        streak_text(harness, MEMBER)
            .await
            .contains("🔥 **1** current")
    );
    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
}

/// Once the fault is fixed (and the retry time `retry_at` reached): the held answer is
/// committed, day two is posted, both members keep their streak, the file is intact,
/// a new write works, and the operator got one line for the fault and one when the
/// held answers went in.
async fn recovers_with_nothing_lost(
    harness: &mut Harness,
    day_one: &qotd::storage::DailyPost,
    retry_at: chrono::DateTime<chrono::Utc>,
    log: &CapturedLog,
) {
    harness.wait_answer(day_one.id, SECOND_MEMBER).await;
    harness.tick_to(retry_at).await;
    let day_two = harness.wait_daily_post(CHANNEL, 2).await;
    assert_eq!(day_two.local_date.to_string(), "2026-06-02");
    for user in [MEMBER, SECOND_MEMBER] {
        let streak = harness.store().member_streak(CHANNEL, user).await.unwrap();
        assert_eq!(streak.current, 1, "user {user} kept the streak");
    }
    assert_eq!(one_post_per_date(harness, CHANNEL).await, 2);
    if harness.postgres.is_none() {
        assert_eq!(integrity(harness.store()).await, "ok");
    }
    // No connection was left stuck.
    assert!(
        try_setup_other_channel(harness)
            .await
            .content
            .starts_with("✅")
    );
    assert_eq!(
        log.lines_with("cannot record answers").len(),
        1,
        "{}",
        log.text()
    );
    assert_eq!(
        log.lines_with("the database accepts writes again; held answers are committed")
            .len(),
        1,
        "{}",
        log.text()
    );
}

#[tokio::test]
async fn a_full_disk_holds_answers_and_the_next_post_until_space_frees_then_nothing_is_lost() {
    let disk = SmallDisk::mount("2m");
    let (log, _log_guard) = CapturedLog::install();
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z"))
        .await
        .on_sqlite();
    harness.db_dir = disk.path().to_path_buf();
    harness.start_bot().await;
    let day_one = day_one_answered(&mut harness).await;

    disk.fill();
    behaves_during_the_fault(
        &mut harness,
        &day_one,
        "the disk holding the database is full",
    )
    .await;

    disk.free();
    recovers_with_nothing_lost(&mut harness, &day_one, at("2026-06-02T13:00:31Z"), &log).await;
    assert!(
        log.lines_with("cannot record answers")[0]
            .contains("the disk holding the database is full")
    );
    for line in [
        "answers are still waiting for the database",
        "the database cannot be written",
        "the database accepts writes again; postponed daily work is done",
    ] {
        assert_eq!(log.lines_with(line).len(), 1, "{line}: {}", log.text());
    }
    // The timeout reveal that fell due during the fault came after it, once.
    let thread = day_one.thread_id.unwrap();
    let day_one = harness
        .store()
        .daily_post(day_one.id)
        .await
        .unwrap()
        .unwrap();
    assert!(day_one.reveal_shown);
    assert_eq!(
        harness
            .requests_since(0, "POST", &format!("/channels/{thread}/messages"))
            .len(),
        1,
        "one hint message in the thread"
    );
    harness.fake.assert_clean();
    harness.stop_bot().await;
}

#[tokio::test]
async fn answers_arriving_while_another_process_locks_the_database_are_committed_once_it_is_free() {
    let (log, _log_guard) = CapturedLog::install();
    let (mut harness, post) = Harness::with_first_post_on_sqlite(vec![]).await;

    // Another process holds the write lock until the answer writer gave up once,
    // that is past the 5 s busy timeout.
    let locker = sqlx::SqlitePool::connect(&format!("sqlite://{}", harness.db_path().display()))
        .await
        .unwrap();
    let mut lock = locker.acquire().await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut *lock)
        .await
        .unwrap();
    harness.set_time(at("2026-06-01T13:05:00Z"));
    harness.answer(&post, MEMBER);
    harness
        .waiter()
        .within(Duration::from_secs(20))
        .until("a commit refused by the lock", async || {
            harness.count(Counter::AnswerCommitFailures) >= 1
        })
        .await;
    assert_eq!(
        harness.store().answered_at(post.id, MEMBER).await.unwrap(),
        None,
        "not yet: the file is locked"
    );
    assert_eq!(harness.app().answers.pending(), 1, "held, not dropped");
    sqlx::query("COMMIT").execute(&mut *lock).await.unwrap();
    drop(lock);

    harness.wait_answer(post.id, MEMBER).await;
    assert_eq!(integrity(harness.store()).await, "ok");
    let faults = log.lines_with("cannot record answers");
    assert_eq!(faults.len(), 1, "{}", log.text());
    assert!(faults[0].contains("the database is locked by another process"));
    harness.fake.assert_clean();
    harness.stop_bot().await;
}

#[tokio::test]
async fn qotd_post_while_the_database_cannot_be_written_says_nothing_can_be_saved_and_posts_nothing()
 {
    let mut harness = Harness::started_on_sqlite(at("2026-06-01T12:00:00Z")).await;
    harness
        .setup(CHANNEL, "20:00", "America/New_York", vec![])
        .await;
    let db = harness.db_path();
    let read_only = Immutable::set(&[db.clone(), db.with_extension("db-wal")]);
    let before = snapshot(harness.store()).await;

    let reply = harness.qotd_on("post", CHANNEL).await;

    assert!(reply.ephemeral);
    assert!(
        reply.content.contains("I can't save anything right now")
            && reply.content.contains("read-only"),
        "{}",
        reply.content
    );
    assert!(
        harness
            .requests_since(0, "POST", &format!("/channels/{CHANNEL}"))
            .is_empty(),
        "nothing was sent to the channel"
    );
    assert!(harness.daily_messages(CHANNEL).is_empty());
    assert_eq!(snapshot(harness.store()).await, before);
    read_only.clear();
    harness.fake.assert_clean();
}

#[tokio::test]
async fn qotd_refuses_a_database_from_a_newer_schema_with_one_clear_line_and_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("qotd.db");
    let store = qotd::storage::Store::open_path(&db).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (20990101000000, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
    )
    .execute(match store.pool() {
        qotd::storage::Pool::Sqlite(pool) => pool,
        qotd::storage::Pool::Postgres(_) => unreachable!("a SQLite store"),
    })
    .await
    .unwrap();
    store.close().await;
    let before = std::fs::read(&db).unwrap();

    let fake = default_fake().await;

    let exited = Qotd::run_against(&fake, dir.path()).spawn().wait().await;

    assert_eq!(exited.code(), Some(2));
    assert!(
        exited.stderr.contains("written by a newer qotd"),
        "{}",
        exited.stderr
    );
    // The token is checked first (so a wrong one creates no database); nothing else
    // reaches Discord and the gateway is never opened.
    let asked: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(asked, ["GET /users/@me"], "refused before connecting");
    assert_eq!(fake.gateway_counts().identifies, 0);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database was not touched"
    );
}

#[tokio::test]
async fn a_closed_database_fails_commands_gently_and_a_restart_recovers_everything() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness.tick_to(at("2026-06-01T13:00:00Z")).await;
    harness.wait_daily_post(CHANNEL, 1).await;
    harness.store().close().await; // every query now fails
    harness
        .member_command(MEMBER, "leaderboard")
        .await
        .assert_says("Something went wrong");
    harness.set_time(at("2026-06-01T13:00:00Z") + TimeDelta::hours(1));

    harness.stop_bot().await;
    harness.start_bot().await;
    assert_eq!(
        harness
            .store()
            .latest_daily_post(CHANNEL)
            .await
            .unwrap()
            .unwrap()
            .seq,
        1
    );
    let leaderboard = harness.member_command(MEMBER, "leaderboard").await;
    assert!(leaderboard.text().contains("Leaderboard"));
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_database_file_made_read_only_while_running_fails_writes_clearly_and_recovers_when_writable()
 {
    let (log, _log_guard) = CapturedLog::install();
    let mut harness = Harness::started_on_sqlite(at("2026-06-01T12:00:00Z")).await;
    let day_one = day_one_answered(&mut harness).await;

    let db = harness.db_path();
    let read_only = Immutable::set(&[db.clone(), db.with_extension("db-wal")]);
    behaves_during_the_fault(&mut harness, &day_one, "read-only").await;
    // Writes keep failing for as long as the file is read-only, fresh connections too.
    harness.tick_to(at("2026-06-02T13:00:31Z")).await;
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    assert_eq!(harness.app().answers.pending(), 1);

    read_only.clear();
    recovers_with_nothing_lost(&mut harness, &day_one, at("2026-06-02T13:01:02Z"), &log).await;
    harness.fake.assert_clean();
    harness.stop_bot().await;
}

#[tokio::test]
async fn a_bot_started_on_a_read_only_database_says_so_serves_reads_and_writes_once_it_is_writable()
{
    let (mut harness, day_one) = Harness::with_first_post_on_sqlite(vec![]).await;
    harness.set_time(at("2026-06-01T13:05:00Z"));
    harness.answer_and_wait(&day_one, MEMBER).await;
    harness.stop_bot().await;
    let before = std::fs::read(harness.db_path()).unwrap();

    let read_only = Immutable::set(&[harness.db_path()]);
    let (log, log_guard) = CapturedLog::install();
    harness.start_bot().await;
    assert_eq!(
        log.lines_with("the database cannot be written; serving what can be read")
            .len(),
        1,
        "{}",
        log.text()
    );
    assert!(
        streak_text(&mut harness, MEMBER)
            .await
            .contains("🔥 **1** current")
    );
    let reply = try_setup_other_channel(&mut harness).await;
    assert!(reply.content.contains("read-only"), "{}", reply.content);
    harness.stop_bot().await;
    drop(log_guard);
    assert_eq!(
        std::fs::read(harness.db_path()).unwrap(),
        before,
        "the file was not touched"
    );

    read_only.clear();
    harness.start_bot().await;
    assert!(
        try_setup_other_channel(&mut harness)
            .await
            .content
            .starts_with("✅")
    );
    assert_eq!(integrity(harness.store()).await, "ok");
    harness.fake.assert_clean();
}

/// A bot on a fresh database of `server` (a server of the test's own).
async fn started_on(server: &database::OwnServer) -> Harness {
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z")).await;
    harness.postgres = Some(database::fresh_database_on(&server.url).await);
    harness.start_bot().await;
    harness
}

#[tokio::test]
async fn postgres_stopped_for_30_s_holds_answers_refuses_commands_clearly_and_loses_nothing() {
    let server = database::OwnServer::start();
    let (log, _log_guard) = CapturedLog::install();
    let mut harness = started_on(&server).await;
    let day_one = day_one_answered(&mut harness).await;

    server.halt();
    let stopped = std::time::Instant::now();
    harness.answer(&day_one, SECOND_MEMBER);
    wait_held_answers(&harness, 1).await;
    let reason = "the database server cannot be reached";
    let reply = try_setup_other_channel(&mut harness).await;
    assert!(reply.ephemeral);
    assert!(
        reply.content.contains("can't") && reply.content.contains(reason),
        "{}",
        reply.content
    );
    let streak = harness.member_command(MEMBER, "streak").await;
    assert!(
        streak.ephemeral && streak.content.contains(reason),
        "{}",
        streak.content
    );
    // Day two's post time passes while the server is away: nothing is posted (it
    // would break the streak of the member whose answer is held).
    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    // The server stays away for 30 s in all: the outage itself is the scenario.
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(stopped.elapsed())).await;
    assert_eq!(
        harness.app().answers.pending(),
        1,
        "the answer is still held"
    );

    server.resume();
    recovers_with_nothing_lost(&mut harness, &day_one, at("2026-06-02T13:00:31Z"), &log).await;
    assert!(log.lines_with("cannot record answers")[0].contains(reason));
    harness.fake.assert_clean();
    harness.stop_bot().await;
}

/// Runs `sql` on `server` as its superuser, outside any read-only default.
async fn as_superuser(server: &database::OwnServer, sql: &str) {
    use sqlx::Connection as _;
    let mut admin = sqlx::PgConnection::connect(&server.url).await.unwrap();
    for statement in [
        "SET default_transaction_read_only = off",
        sql,
        "SELECT pg_reload_conf()",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_postgres_server_that_accepts_no_writes_fails_writes_clearly_serves_reads_and_recovers() {
    let server = database::OwnServer::start();
    let (log, _log_guard) = CapturedLog::install();
    let mut harness = started_on(&server).await;
    let day_one = day_one_answered(&mut harness).await;

    as_superuser(
        &server,
        "ALTER SYSTEM SET default_transaction_read_only = on",
    )
    .await;
    harness
        .wait_until("the server refuses writes", async || {
            harness.store().check_writable().await.is_err()
        })
        .await;
    behaves_during_the_fault(&mut harness, &day_one, "accepts no writes").await;

    as_superuser(&server, "ALTER SYSTEM RESET default_transaction_read_only").await;
    recovers_with_nothing_lost(&mut harness, &day_one, at("2026-06-02T13:00:31Z"), &log).await;
    harness.fake.assert_clean();
    harness.stop_bot().await;
}

/// `GET http://addr/healthz` as (status, body).
async fn healthz(addr: std::net::SocketAddr) -> Option<(u16, String)> {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.unwrap_or_default()))
}

/// A free loopback address for `METRICS_ADDR`.
fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_down_at_start_is_waited_for_and_the_due_post_goes_out_once_it_is_up() {
    let server = database::OwnServer::start();
    let url = database::fresh_database_on(&server.url).await;
    let store = qotd::storage::Store::open(&url).await.unwrap();
    schedule_due_a_minute_ago(&store, [(CHANNEL, GUILD)]).await;
    store.close().await;
    server.halt();
    let fake = default_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let bot = Qotd::run_against(&fake, dir.path())
        .env("DATABASE_URL", &url)
        .env("METRICS_ADDR", addr.to_string())
        .spawn();

    // One plain line per try, the waits doubling; /healthz says why meanwhile.
    wait_until_sync("two tries", || {
        bot.stderr_so_far()
            .matches("the database cannot be opened")
            .count()
            >= 2
    })
    .await;
    let log = bot.stderr_so_far();
    assert!(
        log.contains("trying again in 1 s") && log.contains("trying again in 2 s"),
        "{log}"
    );
    let (status, body) = healthz(addr).await.expect("/healthz answers while waiting");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("the database cannot be opened"), "{body}");
    assert!(bot.id().is_some(), "still running");

    // The server comes up 20 s after the bot started: its due post goes out.
    tokio::time::sleep(Duration::from_secs(20)).await;
    server.resume();
    Waiter::on(&fake)
        .within(Duration::from_secs(90))
        .until("the due post", async || {
            daily_messages(&fake, CHANNEL).len() == 1
        })
        .await;
    let exited = bot.terminate().await;
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    assert_eq!(daily_messages(&fake, CHANNEL).len(), 1);
}

#[tokio::test]
async fn sigterm_while_waiting_for_the_database_stops_the_bot_cleanly() {
    let fake = default_fake().await;
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: the server is down; the password is never printed.
    let url = "postgres://qotd:s3cret-pw@127.0.0.1:1/qotd";
    let bot = Qotd::run_against(&fake, dir.path())
        .env("DATABASE_URL", url)
        .spawn();
    wait_until_sync("the first try", || {
        bot.stderr_so_far()
            .contains("the database cannot be opened")
    })
    .await;

    let exited = bot.terminate().await;

    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    assert!(!exited.stderr.contains("s3cret-pw"), "{}", exited.stderr);
    assert!(
        exited.stderr.contains("trying again in 1 s"),
        "{}",
        exited.stderr
    );
}

#[test]
fn a_wrong_database_url_still_exits_two_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let exited = Qotd::new(["run"])
        .in_dir(dir.path())
        .env("DISCORD_TOKEN", crate::support::binary::SUBPROCESS_TOKEN)
        .env("DATABASE_URL", "mysql://somewhere/qotd")
        .env("QUESTIONS_PATH", repo_path("questions.yaml"))
        .output();
    assert_eq!(exited.code(), Some(2), "{}", exited.stderr);
    assert!(
        exited.stderr.contains("invalid DATABASE_URL"),
        "{}",
        exited.stderr
    );
}
