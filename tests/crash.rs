//! Crash safety: the real `qotd` binary is killed with SIGKILL at 20 points of a
//! 200-channel fan-out and restarted on the same database each time. At the end every
//! channel has exactly one daily post, and every answer committed before a kill is kept.
//! The same fan-out is also stopped with SIGTERM at several points: each stop exits 0
//! having committed every answer it had received, and nothing is posted twice.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{TimeDelta, Timelike, Utc};
use fake_discord::FakeDiscord;
use qotd::core::daily_schedule::parse_timezone;
use qotd::storage::{ScheduleSettings, Store};
use serde_json::json;
use support::binary::{Qotd, Running};
use support::*;

const CHANNELS: u64 = 200;
const FIRST_CHANNEL: u64 = 700_000_000_000_000_000;

/// A fixed-offset zone where it is around noon now, so "a minute ago" is today there
/// whenever the test runs.
fn a_zone_at_noon() -> String {
    let offset = 12 - Utc::now().hour() as i64;
    if offset >= 0 {
        format!("Etc/GMT-{offset}")
    } else {
        format!("Etc/GMT+{}", -offset)
    }
}

fn spawn(fake: &FakeDiscord, dir: &std::path::Path) -> Running {
    Qotd::run_against(fake, dir)
        .env("RUST_LOG", "error")
        .spawn()
}

/// A fake Discord with one guild of [`CHANNELS`] text channels.
async fn many_channels() -> (FakeDiscord, Vec<u64>) {
    let channels: Vec<(u64, String)> = (0..CHANNELS)
        .map(|n| (FIRST_CHANNEL + n, format!("c{n}")))
        .collect();
    let refs: Vec<(u64, &str)> = channels
        .iter()
        .map(|(id, name)| (*id, name.as_str()))
        .collect();
    let fake = FakeDiscord::builder()
        .guild(GUILD, "Crashy", &refs)
        .start()
        .await;
    (fake, channels.into_iter().map(|(id, _)| id).collect())
}

/// Every channel scheduled for a minute ago, local time, in a zone where that is today.
async fn schedules_due_a_minute_ago(db: &std::path::Path) -> Store {
    let zone = parse_timezone(&a_zone_at_noon()).unwrap();
    let now = Utc::now();
    let local_now = now.with_timezone(&zone);
    let post_time = (local_now - TimeDelta::minutes(1))
        .format("%H:%M")
        .to_string();
    let store = Store::open_path(db).await.unwrap();
    for n in 0..CHANNELS {
        let settings = ScheduleSettings {
            channel_id: FIRST_CHANNEL + n,
            guild_id: GUILD,
            post_time: post_time.parse().unwrap(),
            timezone: zone,
            reveal_after_minutes: 240,
            reveal_reactions: 1,
            category: None,
        };
        store
            .upsert_schedule(&settings, now - TimeDelta::hours(2))
            .await
            .unwrap();
    }
    store
}

async fn wait_for_gateway_session(fake: &FakeDiscord, ready_before: u64) {
    Waiter::on(fake)
        .until("the bot's gateway session", async || {
            fake.gateway_counts().ready > ready_before
        })
        .await;
}

/// Asserts every channel has exactly one daily message, with its 💡 and thread.
fn assert_one_daily_post_each(fake: &FakeDiscord, channels: &[u64]) {
    for channel in channels {
        let posts: Vec<_> = fake
            .messages_in(*channel)
            .into_iter()
            .filter(|m| {
                m.embeds()
                    .first()
                    .and_then(|e| e["title"].as_str())
                    .is_some_and(|t| t.starts_with("Question of the day"))
            })
            .collect();
        assert_eq!(
            posts.len(),
            1,
            "channel {channel} has exactly one daily post"
        );
        assert!(posts[0].own_reactions.contains("💡"));
        assert!(posts[0].thread_id.is_some());
    }
}

/// A last, uninterrupted run until every channel's post is finished.
async fn finish_the_fan_out(fake: &FakeDiscord, dir: &std::path::Path, store: &Store) {
    let qotd = spawn(fake, dir);
    Waiter::on(fake)
        .within(Duration::from_secs(60))
        .until("the fan-out to finish", async || {
            all_posts_finished(store).await
        })
        .await;
    qotd.kill().await;
}

async fn all_posts_finished(store: &Store) -> bool {
    finished_posts(store).await.len() == CHANNELS as usize
}

async fn finished_posts(store: &Store) -> Vec<(i64, u64)> {
    sqlx::query_as::<_, (i64, i64)>(
        "SELECT id, thread_id FROM daily_posts WHERE thread_id IS NOT NULL AND reacted = 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|(id, thread)| (id, thread as u64))
    .collect()
}

/// Waits until the fake has seen `count` requests, or every post is finished.
async fn wait_for_requests_or_the_end(
    fake: &FakeDiscord,
    store: &Store,
    count: usize,
    round: usize,
) {
    Waiter::on(fake)
        .within(Duration::from_secs(20))
        .until(
            &format!("round {round}: {count} requests or the end of the fan-out"),
            async || fake.request_count() >= count || all_posts_finished(store).await,
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_kills_during_a_200_channel_fan_out_leave_exactly_one_post_per_channel_and_every_answer()
 {
    init_tracing();
    let (fake, channels) = many_channels().await;
    fake.set_latency(Duration::from_millis(3));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("qotd.db");

    let store = schedules_due_a_minute_ago(&db).await;

    let mut committed_answers: HashSet<(i64, u64)> = HashSet::new();
    let mut member = 10_000u64;
    for round in 0..20usize {
        let since = fake.request_count();
        let ready_before = fake.gateway_counts().ready;
        let qotd = spawn(&fake, dir.path());
        wait_for_gateway_session(&fake, ready_before).await;

        // Answers to posts already finished, committed before this round's kill.
        let finished = finished_posts(&store).await;
        let mut expected = Vec::new();
        for (post_id, thread) in finished.iter().take(3) {
            member += 1;
            fake.member_posts(GUILD, *thread, member, &[], "an answer");
            expected.push((*post_id, member));
        }
        for (post_id, user) in &expected {
            Waiter::on(&fake)
                .until(&format!("round {round}: answer committed"), async || {
                    store.answered_at(*post_id, *user).await.unwrap().is_some()
                })
                .await;
            committed_answers.insert((*post_id, *user));
        }

        // Kill at a different point of the fan-out each round, later and later so that
        // posts finish and answers come in between the kills.
        let kill_after = since + 4 + (round * 7) % 45 + round * 12;
        wait_for_requests_or_the_end(&fake, &store, kill_after, round).await;
        let exited = qotd.kill().await;
        assert!(!exited.status.success(), "round {round}: killed");
    }

    // A last, uninterrupted run finishes the fan-out.
    finish_the_fan_out(&fake, dir.path(), &store).await;

    assert_one_daily_post_each(&fake, &channels);
    for (post_id, user) in &committed_answers {
        assert!(
            store.answered_at(*post_id, *user).await.unwrap().is_some(),
            "answer ({post_id}, {user}) survived"
        );
    }
    assert!(
        committed_answers.len() >= 30,
        "{} answers were committed before kills",
        committed_answers.len()
    );
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_the_fan_out_exits_cleanly_commits_received_answers_and_duplicates_nothing()
{
    init_tracing();
    let (fake, channels) = many_channels().await;
    fake.set_latency(Duration::from_millis(40));
    let dir = tempfile::tempdir().unwrap();
    let store = schedules_due_a_minute_ago(&dir.path().join("qotd.db")).await;

    let mut sent_answers: Vec<(i64, u64)> = Vec::new();
    let mut member = 20_000u64;
    let mut stopped_mid_fan_out = 0;
    const STOPS: usize = 5;
    for round in 0..STOPS {
        let since = fake.request_count();
        let ready_before = fake.gateway_counts().ready;
        let qotd = spawn(&fake, dir.path());
        wait_for_gateway_session(&fake, ready_before).await;
        let stop_after = since + 10 + round * 40;
        wait_for_requests_or_the_end(&fake, &store, stop_after, round).await;
        // Answers arrive while the fan-out is busy, then a command: the bot reads
        // gateway events in order, so once it replied to the command it has read the
        // answers (not necessarily committed them) before the signal.
        for (post_id, thread) in finished_posts(&store).await.iter().take(5) {
            member += 1;
            fake.member_posts(GUILD, *thread, member, &[], "an answer");
            sent_answers.push((*post_id, member));
        }
        let command = send_slash(
            &fake,
            GUILD,
            &support::member(member),
            channels[0],
            "streak",
            json!([]),
            json!({}),
        );
        fake.wait_for_callback(&command).await;

        if finished_posts(&store).await.len() < CHANNELS as usize {
            stopped_mid_fan_out += 1;
        }
        let exited = qotd.terminate().await;
        assert_eq!(exited.code(), Some(0), "round {round}: a clean exit");
        for (post_id, user) in &sent_answers {
            assert!(
                store.answered_at(*post_id, *user).await.unwrap().is_some(),
                "round {round}: answer ({post_id}, {user}) committed before the exit"
            );
        }
    }

    finish_the_fan_out(&fake, dir.path(), &store).await;
    assert_one_daily_post_each(&fake, &channels);
    assert!(
        stopped_mid_fan_out >= 3,
        "{stopped_mid_fan_out} of {STOPS} stops came during the fan-out"
    );
    assert!(sent_answers.len() >= 10, "{} answers", sent_answers.len());
    fake.assert_clean();
}
