//! qotd benchmarks: the real bot against the fake Discord, and the storage at size.
//!
//! `cargo bench --bench qotd [-- --quick] [-- SCENARIO...]`
//!
//! Each scenario prints one JSON line: name, figure, unit, the baseline it is compared
//! with and their ratio. Benchmarks measure; they assert no timings.

#[path = "support/bare.rs"]
mod bare;
#[allow(unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use chrono::{NaiveDate, TimeDelta, Utc};
use fake_discord::FakeDiscord;
use fake_discord::fixtures;
use qotd::core::daily_schedule::parse_timezone;
use qotd::stats::Stats;
use qotd::storage::{ScheduleSettings, Store};
use serde_json::{Value, json};
use support::{Harness, at};

struct Options {
    quick: bool,
    only: Vec<String>,
}

fn main() {
    let mut options = Options {
        quick: false,
        only: Vec::new(),
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--bench" => {}
            other if !other.starts_with('-') => options.only.push(other.to_owned()),
            _ => {}
        }
    }
    let wanted = |name: &str| {
        options.only.is_empty() || options.only.iter().any(|o| name.contains(o.as_str()))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if wanted("fanout") {
            fanout(
                if options.quick { 300 } else { 1_000 },
                Duration::from_millis(50),
            )
            .await;
        }
        if wanted("ingest") {
            ingest(if options.quick { 10_000 } else { 50_000 }).await;
        }
        if wanted("queries") {
            queries(options.quick).await;
        }
        if wanted("footprint") {
            footprint(if options.quick { 250 } else { 2_500 }).await;
        }
    });
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

fn report(name: &str, figure: f64, unit: &str, baseline: Option<(&str, f64)>, extra: Value) {
    let mut line = json!({ "name": name, "figure": round(figure), "unit": unit });
    if let Some((what, value)) = baseline {
        line["baseline"] = json!({ "name": what, "figure": round(value) });
        line["ratio"] = json!(round(figure / value));
    }
    if let Value::Object(extra) = extra {
        for (key, value) in extra {
            line[key] = value;
        }
    }
    println!("{line}");
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
    path: &std::path::Path,
    channels: &[(u64, u64)],
    time: &str,
    since: chrono::DateTime<Utc>,
) {
    let store = Store::open_path(path).await.unwrap();
    for &(guild_id, channel_id) in channels {
        let settings = ScheduleSettings {
            channel_id,
            guild_id,
            post_time: time.parse().unwrap(),
            timezone: parse_timezone("UTC").unwrap(),
            reveal_after_minutes: 240,
            reveal_reactions: 1,
            category: None,
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
    let mut harness = Harness::new(fake, at("2026-06-01T08:59:00Z")).await;
    let ids: Vec<(u64, u64)> = (0..guilds)
        .flat_map(|g| (0..per_guild).map(move |c| (10_000 + g as u64, channel_id(g, c, per_guild))))
        .collect();
    schedule_all(
        &harness.db_path(),
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

/// 2. Event ingest through the real websocket, against a bare client's ceiling.
async fn ingest(total: usize) {
    let guild = 10_000u64;
    let question_channels = 20;
    let busy_channels = 50;
    let per_guild = question_channels + busy_channels;

    // The floor: a bare serenity client counting events.
    let fake = guild_fake(1, per_guild).start().await;
    let counter = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bare_task = tokio::spawn(bare::run(fake.base_url(), counter.clone(), async move {
        let _ = stopped.await;
    }));
    fake.wait_for_sessions(1).await;
    let busy: Vec<u64> = (question_channels..per_guild)
        .map(|c| channel_id(0, c, per_guild))
        .collect();
    let fake_posts: Vec<(u64, u64, u64)> = (0..question_channels)
        .map(|c| (channel_id(0, c, per_guild), 1, channel_id(0, c, per_guild)))
        .collect();
    let load = workload(total, guild, &busy, &fake_posts, 5_000_000_000, 100_000);
    let started = Instant::now();
    fake.dispatch_all(load.events);
    wait_progress("the bare client's events", total as u64, || {
        counter.load(Ordering::SeqCst)
    })
    .await;
    let bare_rate = total as f64 / started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = bare_task.await;
    drop(fake);

    // qotd, with 20 open questions.
    let fake = guild_fake(1, per_guild).start().await;
    let mut harness = Harness::new(fake, Utc::now()).await;
    harness.system_clock = true;
    let question_ids: Vec<(u64, u64)> = (0..question_channels)
        .map(|c| (guild, channel_id(0, c, per_guild)))
        .collect();
    let now = Utc::now();
    let due = (now - TimeDelta::minutes(1)).format("%H:%M").to_string();
    schedule_all(
        &harness.db_path(),
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
    let load = workload(total, guild, &busy, &posts, 6_000_000_000, 100_000);
    let stats = &harness.app().stats;
    let handled = || Stats::get(&stats.messages_handled) + Stats::get(&stats.reactions_handled);

    // Burst: everything at once, as fast as the fake can write it.
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
    let qotd_rate = total as f64 / started.elapsed().as_secs_f64();
    let answers: i64 = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM answers"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    report(
        "event_ingest_throughput",
        qotd_rate,
        "events/s",
        Some(("bare serenity client, empty handler", bare_rate)),
        json!({ "events": total, "answers_expected": load.distinct_answerers, "answers_recorded": answers }),
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
    // Watch the database for each answer's commit (polling every millisecond).
    let watcher = {
        let store = store.clone();
        let expected = paced.distinct_answerers;
        tokio::spawn(async move {
            let mut seen: HashMap<i64, SystemTime> = HashMap::new();
            while seen.len() < expected {
                let users: Vec<i64> = on_pool!(store, |pool| sqlx::query_scalar(
                    "SELECT user_id FROM answers WHERE user_id >= $1"
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
    let reactors: i64 = on_pool!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM reveal_reactors"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    report(
        "event_ingest_answer_latency_p99",
        percentile(&latencies, 0.99),
        "ms",
        None,
        json!({ "p50_ms": percentile(&latencies, 0.5), "samples": latencies.len(), "paced_events_per_s": 5_000,
                "lightbulb_reactors": reactors, "note": "from the fake writing the event to the socket to the answer being visible in the database (polled every 1 ms)" }),
    );
    harness.stop_bot().await;
}

/// Builds a database of `members` members over `days` daily questions in 20 channels.
async fn build_history(path: &std::path::Path, members: i64, days: i64) -> Store {
    let store = Store::open_path(path).await.unwrap();
    let channels = 20i64;
    let guild = 10_000u64;
    let since = at("2024-01-01T00:00:00Z");
    let ids: Vec<(u64, u64)> = (0..channels)
        .map(|c| (guild, 1_000_000 + c as u64))
        .collect();
    store.close().await;
    schedule_all(path, &ids, "09:00", since).await;
    let store = Store::open_path(path).await.unwrap();
    let qotd::storage::Pool::Sqlite(pool) = store.pool() else {
        unreachable!("a SQLite store")
    };
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
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
    store
}

async fn time_each<F, Fut>(samples: usize, mut call: F) -> Vec<f64>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        let started = Instant::now();
        call(i).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    times
}

/// Records one answer per member on a new day-`days + 1` question in each channel.
async fn record_answers(store: &Store, days: i64, samples: usize) -> Vec<f64> {
    let mut posts = Vec::new();
    for c in 0..20u64 {
        let channel = 1_000_000 + c;
        let schedule = store.schedule(channel).await.unwrap().unwrap();
        let date =
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(days as u64 + 1);
        let pick = qotd::core::rotation::Pick {
            question_id: "q-new".into(),
            pass: 99,
            starts_new_pass: false,
        };
        let new = qotd::storage::NewDailyPost {
            channel_id: channel,
            local_date: date,
            pick,
            nonce: format!("new-{c}"),
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

/// 3. Queries at size: recording an answer, /streak and /leaderboard.
async fn queries(quick: bool) {
    let members = if quick { 2_000 } else { 10_000 };
    let samples = if quick { 200 } else { 1_000 };
    let dir = tempfile::tempdir().unwrap();
    let big = build_history(&dir.path().join("365.db"), members, 365).await;
    let answers: i64 = on_pool!(big, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM answers"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let small = build_history(&dir.path().join("30.db"), members, 30).await;

    let record_365 = record_answers(&big, 365, samples).await;
    let record_30 = record_answers(&small, 30, samples).await;
    report(
        "record_answer_p99_365_days",
        percentile(&record_365, 0.99),
        "ms",
        Some(("same at 30 days of history", percentile(&record_30, 0.99))),
        json!({ "median_ms": percentile(&record_365, 0.5), "median_30_days_ms": percentile(&record_30, 0.5), "answers_in_db": answers }),
    );

    let streak = time_each(samples, |i| {
        let store = &big;
        async move {
            store
                .member_streaks(10_000, 100_000 + (i * 7 % members as usize) as u64)
                .await
                .unwrap();
        }
    })
    .await;
    report(
        "streak_query_p99",
        percentile(&streak, 0.99),
        "ms",
        None,
        json!({ "median_ms": percentile(&streak, 0.5) }),
    );

    let channel_board = time_each(samples, |i| {
        let store = &big;
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
        "leaderboard_channel_p99",
        percentile(&channel_board, 0.99),
        "ms",
        None,
        json!({ "median_ms": percentile(&channel_board, 0.5), "members_per_channel": members / 20 }),
    );
    let server_board = time_each(samples, |i| {
        let store = &big;
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
        "leaderboard_server_p99",
        percentile(&server_board, 0.99),
        "ms",
        None,
        json!({ "median_ms": percentile(&server_board, 0.5), "members": members }),
    );
}

/// A `/proc/PID/status` figure in KiB (VmRSS, RssAnon, RssFile).
fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|v| v.trim_start_matches(':').split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Resident memory split: (total, anonymous = heap and stacks, file-backed = code).
#[derive(Debug, Clone, Copy)]
struct Rss {
    total: u64,
    anon: u64,
    file: u64,
}

fn rss(pid: u32) -> Rss {
    Rss {
        total: status_kib(pid, "VmRSS"),
        anon: status_kib(pid, "RssAnon"),
        file: status_kib(pid, "RssFile"),
    }
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
    let dir = tempfile::tempdir().unwrap();
    let since = fake.request_count();
    let sessions_before = fake.gateway_counts().ready;
    let started = Instant::now();
    let mut command = tokio::process::Command::new(program);
    command
        .current_dir(dir.path())
        .env("DISCORD_TOKEN", "bench")
        .env("DISCORD_API_PROXY", fake.base_url())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("qotd.db").display()),
        )
        .env("QUESTIONS_PATH", support::repo_path("questions.yaml"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    if is_qotd {
        command.arg("run");
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
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss = rss(child.id().unwrap());
    let _ = child.kill().await;
    (ready_after, rss)
}

/// 4. Footprint: RSS at many guilds and at 10, and start → commands registered.
async fn footprint(guilds: usize) {
    let bare = bare_client_path();
    let qotd = PathBuf::from(env!("CARGO_BIN_EXE_qotd"));
    let big = guild_fake(guilds, 20).start().await;
    let (_, bare_rss) = measure_process(&bare, &big, false).await;
    let (_, qotd_rss) = measure_process(&qotd, &big, true).await;
    drop(big);
    let small = guild_fake(10, 20).start().await;
    let (_, bare_small) = measure_process(&bare, &small, false).await;
    let (registered_after, qotd_small) = measure_process(&qotd, &small, true).await;
    let mib = |kib: u64| round(kib as f64 / 1024.0);
    let split = |rss: Rss| json!({ "anon_mib": mib(rss.anon), "file_mib": mib(rss.file) });
    report(
        &format!("rss_{guilds}_guilds"),
        mib(qotd_rss.total),
        "MiB",
        Some(("bare serenity client, caching off", mib(bare_rss.total))),
        json!({ "guilds": guilds, "channels_per_guild": 20, "cache": "guilds, channels, users off; max_messages 0",
                "qotd": split(qotd_rss), "bare": split(bare_rss) }),
    );
    report(
        "rss_10_guilds",
        mib(qotd_small.total),
        "MiB",
        Some(("bare serenity client, caching off", mib(bare_small.total))),
        json!({ "qotd": split(qotd_small), "bare": split(bare_small) }),
    );
    report(
        "start_to_commands_registered_10_guilds",
        registered_after * 1000.0,
        "ms",
        None,
        json!({}),
    );
}
