//! Database faults: a locked database is waited out, a database from a newer qotd is
//! refused before connecting, and the state written before a fault is intact after it.

mod support;

use std::process::Command;
use std::time::Duration;

use chrono::TimeDelta;
use serde_json::json;
use support::*;

#[tokio::test]
async fn answers_arriving_while_another_process_locks_the_database_are_committed_once_it_is_free() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let post = harness.first_post_at_nine(CHANNEL).await;

    // Another process holds the write lock for two seconds.
    let locker = sqlx::SqlitePool::connect(&format!("sqlite://{}", harness.db_path().display()))
        .await
        .unwrap();
    let mut lock = locker.acquire().await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut *lock)
        .await
        .unwrap();
    harness.set_time(at("2026-06-01T13:05:00Z"));
    harness.fake.member_posts(
        GUILD,
        post.thread_id.unwrap(),
        MEMBER,
        &[],
        "answer during the lock",
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        harness.store().answered_at(post.id, MEMBER).await.unwrap(),
        None,
        "not yet: the file is locked"
    );
    sqlx::query("COMMIT").execute(&mut *lock).await.unwrap();
    drop(lock);

    harness.wait_answer(post.id, MEMBER).await;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(harness.store().pool())
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
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
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;
    let before = std::fs::read(&db).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_qotd"))
        .arg("run")
        .current_dir(dir.path())
        .env("DISCORD_TOKEN", "x")
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("QUESTIONS_PATH", repo_path("questions.yaml"))
        .env("DISCORD_API_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("written by a newer qotd"), "{stderr}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database was not touched"
    );
}

#[tokio::test]
async fn a_closed_database_fails_commands_gently_and_a_restart_recovers_everything() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness
        .setup(CHANNEL, "09:00", "America/New_York", vec![])
        .await;
    harness.tick_to(at("2026-06-01T13:00:00Z")).await;
    harness.wait_daily_post(CHANNEL, 1).await;
    harness.store().close().await; // every query now fails
    let token = harness.slash(
        &member(MEMBER),
        CHANNEL,
        "leaderboard",
        json!([]),
        json!({}),
    );
    assert!(
        harness
            .reply(&token)
            .await
            .content
            .contains("Something went wrong")
    );
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
    let token = harness.slash(
        &member(MEMBER),
        CHANNEL,
        "leaderboard",
        json!([]),
        json!({}),
    );
    assert!(harness.reply(&token).await.text().contains("Leaderboard"));
    harness.fake.assert_clean();
}
