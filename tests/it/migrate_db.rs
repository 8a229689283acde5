//! `qotd migrate-db --to URL`, the real binary: a SQLite database with history,
//! streaks, teams, a 💡 and an open question moves to an empty PostgreSQL database with
//! every table's count equal; the bot then runs on PostgreSQL and every streak goes on;
//! a second run to the same (no longer empty) target exits 2 and writes nothing.
//! Needs a PostgreSQL server in every run (`QOTD_TEST_POSTGRES_URL`).

use crate::support::binary::Qotd;
use crate::support::*;
use qotd::clock::Clock;
use qotd::storage::{Pool, Store};
use serde_json::json;

const SECOND_MEMBER: u64 = 555_555_555_555_555_003;

/// Every table's row count, by name.
async fn counts(store: &Store) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for (table, _) in qotd::storage::copied_tables() {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let rows: i64 = on_pool!(store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .fetch_one(pool)
        .await
        .unwrap());
        counts.push((table.to_owned(), rows));
    }
    counts
}

/// Each table's columns as the schema has them, sorted, without sqlx's own table.
async fn schema(store: &Store) -> Vec<(String, Vec<String>)> {
    let rows: Vec<(String, String)> = match store.pool() {
        Pool::Sqlite(pool) => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name != '_sqlx_migrations'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Pool::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name != '_sqlx_migrations'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    let mut tables: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (table, column) in rows {
        tables.entry(table).or_default().push(column);
    }
    tables
        .into_iter()
        .map(|(table, mut columns)| {
            columns.sort();
            (table, columns)
        })
        .collect()
}

#[tokio::test]
async fn migrate_db_copies_every_table_to_postgres_and_the_bot_goes_on_there() {
    let target = database::fresh_postgres_for_any_run().await;
    let mut harness = Harness::started_on_sqlite(at("2026-06-01T12:00:00Z")).await;
    let day_one = harness.first_post_at_nine(CHANNEL, vec![]).await;
    harness.set_time(at("2026-06-01T13:05:00Z"));
    for user in [MEMBER, SECOND_MEMBER] {
        harness.answer_and_wait(&day_one, user).await;
    }
    harness
        .lightbulb_handled(day_one.message_id.unwrap(), SECOND_MEMBER)
        .await;
    harness.qotd_team("team-add", "Owls").await;
    let join = json!([{ "name": "join", "type": 1, "options": [string_option("name", "Owls")] }]);
    let token = harness.slash(&member(MEMBER), CHANNEL, "team", join, json!({}));
    harness
        .reply(&token)
        .await
        .assert_says("You are in team **Owls**");
    harness.qotd_on("alerts", ALERTS_CHANNEL).await;
    // A quiz with a member's 💡 on it, and a skipped question.
    let token = harness.slash(&member(MEMBER), CHANNEL, "quiz", json!([]), json!({}));
    harness.reply(&token).await;
    let quiz = harness
        .fake
        .interaction(&token)
        .unwrap()
        .original_message_id
        .unwrap();
    harness
        .wait_until("the quiz's own 💡", async || {
            harness
                .fake
                .message(quiz)
                .is_some_and(|m| m.own_reactions.contains("💡"))
        })
        .await;
    harness.lightbulb_handled(quiz, SECOND_MEMBER).await;
    harness
        .qotd_on("skip", CHANNEL)
        .await
        .assert_says("Skipped");
    // A streak repair to the value it has: a recorded change that alters nothing.
    let token = harness.qotd(
        &admin(),
        "streak-set",
        json!([
            channel_option("channel", CHANNEL),
            { "name": "member", "type": 6, "value": SECOND_MEMBER.to_string() },
            integer_option("current", 1)
        ]),
    );
    harness.reply(&token).await.assert_says("Recorded");
    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    let day_two = harness.wait_daily_post(CHANNEL, 2).await;
    harness.set_time(at("2026-06-02T13:05:00Z"));
    harness.answer_and_wait(&day_two, MEMBER).await;
    // MEMBER's `/practice` puts their daily answers in their deck (cards, reviews);
    // SECOND_MEMBER's answer still waits in the inbox.
    let next = json!([{ "name": "next", "type": 1, "options": [] }]);
    let token = harness.slash(&member(MEMBER), CHANNEL, "practice", next, json!({}));
    assert!(harness.reply(&token).await.ephemeral);
    // A member's suggested question, waiting for an admin.
    let suggestion = json!([{ "name": "new", "type": 1, "options": [
        string_option("question", "What is a confusion matrix for?"),
        string_option("hint", "Per-class errors."),
        string_option("category", "beginner")
    ] }]);
    let token = harness.slash(&member(MEMBER), CHANNEL, "suggest", suggestion, json!({}));
    harness.reply(&token).await.assert_says("is filed");
    // A spent freeze takes a week of answers and a miss; its record is written here
    // directly so that every table has a row to copy.
    on_pool!(harness.store(), |pool| sqlx::query(
        "INSERT INTO streak_freezes (channel_id, user_id, seq) VALUES ($1, $2, 1)"
    )
    .bind(CHANNEL as i64)
    .bind(SECOND_MEMBER as i64)
    .execute(pool)
    .await
    .map(drop)
    .unwrap());
    // A private answer, shown and starred (its flow is `private_answers.rs`'s), also
    // written directly.
    for statement in [
        "INSERT INTO private_answers (post_id, user_id, guild_id, author_name, body, \
             submitted_at, updated_at, message_id) VALUES ($1, $2, $3, 'Ada', 'Valence.', 1, 1, 7)",
        "INSERT INTO answer_messages (message_id, post_id, user_id) VALUES (7, $1, $2)",
        "INSERT INTO answer_stars (message_id, voter_id) VALUES (7, $3)",
    ] {
        on_pool!(harness.store(), |pool| sqlx::query(statement)
            .bind(day_two.id)
            .bind(SECOND_MEMBER as i64)
            .bind(GUILD as i64)
            .execute(pool)
            .await
            .map(drop)
            .unwrap());
    }
    // Reminders, rewards and seasons (their flows are `engagement.rs`'s), through the
    // contract.
    seed_engagement(harness.store(), harness.clock.now()).await;
    let before = counts(harness.store()).await;
    harness.stop_bot().await;

    let migrate = || {
        Qotd::new(["migrate-db", "--to", target.as_str()])
            .database(&harness.db_path())
            .output()
    };
    let first = migrate();
    assert_eq!(first.code(), Some(0), "{first:?}");
    assert!(
        first.stdout.contains("every row count matches"),
        "{first:?}"
    );
    assert!(first.stderr.contains("answers: 3 rows copied"), "{first:?}");

    let sqlite = Store::open_path(&harness.db_path()).await.unwrap();
    let postgres = Store::open(&target).await.unwrap();
    assert_eq!(
        schema(&sqlite).await,
        schema(&postgres).await,
        "same tables and columns"
    );
    let mut listed: Vec<(String, Vec<String>)> = qotd::storage::copied_tables()
        .into_iter()
        .map(|(table, columns)| {
            let mut columns: Vec<String> = columns.into_iter().map(str::to_owned).collect();
            columns.sort();
            (table.to_owned(), columns)
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        schema(&sqlite).await,
        "migrate-db copies every column"
    );
    assert_eq!(counts(&postgres).await, before);
    assert!(
        before.iter().all(|(_, rows)| *rows > 0),
        "every table has rows: {before:?}"
    );
    assert_eq!(
        super_snapshot(&sqlite, quiz).await,
        super_snapshot(&postgres, quiz).await
    );
    sqlite.close().await;

    // Again to the same target: refused, nothing written.
    let second = migrate();
    assert_eq!(second.code(), Some(2), "{second:?}");
    assert!(second.stderr.contains("not empty"), "{second:?}");
    assert_eq!(counts(&postgres).await, before);
    postgres.close().await;

    // The bot on PostgreSQL: day two is still open, streaks go on.
    harness.postgres = Some(target);
    harness.start_bot().await;
    harness.answer_and_wait(&day_two, SECOND_MEMBER).await;
    harness.tick_to(at("2026-06-03T13:00:00Z")).await;
    let day_three = harness.wait_daily_post(CHANNEL, 3).await;
    assert_eq!(
        day_three.id,
        day_two.id + 1,
        "ids continue after the copied ones"
    );
    harness.set_time(at("2026-06-03T13:05:00Z"));
    harness.answer_and_wait(&day_three, MEMBER).await;
    let streak = harness
        .store()
        .member_streak(CHANNEL, MEMBER)
        .await
        .unwrap();
    assert_eq!((streak.current, streak.total), (3, 3));
    let streak = harness
        .store()
        .member_streak(CHANNEL, SECOND_MEMBER)
        .await
        .unwrap();
    assert_eq!((streak.current, streak.total), (2, 2));
    let team = harness.store().member_team(GUILD, MEMBER).await.unwrap();
    assert_eq!(team.map(|t| t.name), Some("Owls".to_owned()));
    harness.fake.assert_clean();
    harness.stop_bot().await;
}

/// Every row that matters, read through the `Store` API, as text.
async fn super_snapshot(store: &Store, quiz: u64) -> String {
    let mut out = format!(
        "{:?} {:?}\n",
        store.alerts_channel(GUILD).await.unwrap(),
        store.quiz(quiz).await.unwrap()
    );
    for schedule in store.all_schedules().await.unwrap() {
        out.push_str(&format!("{schedule:?}\n"));
        let channel = schedule.channel_id;
        let mut post = store.latest_daily_post(channel).await.unwrap();
        while let Some(p) = post {
            out.push_str(&format!(
                "{p:?} {:?}\n",
                store.reveal_reactors(p.id).await.unwrap()
            ));
            out.push_str(&format!(
                "answers {}\n",
                store.answer_count(p.id).await.unwrap()
            ));
            post = store.daily_post(p.id - 1).await.unwrap();
        }
        for user in [MEMBER, SECOND_MEMBER] {
            out.push_str(&format!(
                "{:?}\n",
                store.member_streak(channel, user).await.unwrap()
            ));
        }
        let rotation = store.rotation_state(channel).await.unwrap();
        let mut asked: Vec<_> = rotation.asked_in_pass.iter().collect();
        asked.sort();
        out.push_str(&format!(
            "{} {asked:?} {:?}\n",
            rotation.pass, rotation.recent
        ));
    }
    out.push_str(&format!(
        "{:?}\n",
        store
            .member_leaderboard(GUILD, None, MEMBER, 10)
            .await
            .unwrap()
    ));
    out.push_str(&format!(
        "{:?}\n",
        store.team_leaderboard(GUILD, None).await.unwrap()
    ));
    out
}

#[tokio::test]
async fn migrate_db_refuses_a_target_that_is_not_postgres_and_never_prints_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("qotd.db");
    let to = |target: &str| {
        Qotd::new(["migrate-db", "--to", target])
            .database(&source)
            .output()
    };
    let not_postgres = to("sqlite://other.db");
    assert_eq!(not_postgres.code(), Some(2), "{not_postgres:?}");
    assert!(not_postgres.stderr.contains("--to must be postgres://"));
    // The target may come from MIGRATE_DB_TO instead, off the command line.
    let from_env = Qotd::new(["migrate-db"])
        .env("MIGRATE_DB_TO", "sqlite://other.db")
        .database(&source)
        .output();
    assert_eq!(from_env.code(), Some(2), "{from_env:?}");
    assert!(from_env.stderr.contains("--to must be postgres://"));

    // Port 1: nothing listens there.
    let unreachable = to("postgres://qotd:hunter2-secret@127.0.0.1:1/qotd");
    assert_eq!(unreachable.code(), Some(1), "{unreachable:?}");
    assert!(
        unreachable.stderr.contains("nothing was committed"),
        "{unreachable:?}"
    );
    // The bot waits for a database it cannot reach (SPEC §12), saying why each try
    // (its token checked first, with the fake Discord).
    let fake = default_fake().await;
    let bot = Qotd::new(["run"])
        .in_dir(dir.path())
        .env("QUESTIONS_PATH", repo_path("questions.yaml"))
        .env("DISCORD_TOKEN", crate::support::binary::SUBPROCESS_TOKEN)
        .env("DISCORD_API_PROXY", fake.base_url())
        .env(
            "DATABASE_URL",
            "postgres://qotd:hunter2-secret@127.0.0.1:1/qotd",
        )
        .spawn();
    crate::support::wait_until_sync("the bot's first try", || {
        bot.stderr_so_far()
            .contains("the database cannot be opened")
    })
    .await;
    let bot = bot.terminate().await;
    assert_eq!(bot.code(), Some(0), "{}", bot.stderr);
    for (stdout, stderr) in [
        (&unreachable.stdout, &unreachable.stderr),
        (&bot.stdout, &bot.stderr),
    ] {
        assert!(
            !stderr.contains("hunter2") && !stdout.contains("hunter2"),
            "{stdout}{stderr}"
        );
    }
}

/// A row in each table of reminders, role rewards and seasons.
async fn seed_engagement(store: &Store, now: chrono::DateTime<chrono::Utc>) {
    use qotd::core::rewards::RoleReward;
    let role = 77;
    store.set_reminder(GUILD, MEMBER, Some(3)).await.unwrap();
    assert!(
        store
            .take_reminder(GUILD, MEMBER, now.date_naive())
            .await
            .unwrap()
    );
    store
        .set_role_reward(
            GUILD,
            RoleReward {
                streak: 1,
                role_id: role,
            },
        )
        .await
        .unwrap();
    store
        .take_reward(GUILD, MEMBER, role, now, now)
        .await
        .unwrap();
    store.reward_given(GUILD, MEMBER, role, now).await.unwrap();
    store
        .set_champion_role(GUILD, Some(role + 1))
        .await
        .unwrap();
    store
        .take_season_post(GUILD, CHANNEL, "2026-05", now, now)
        .await
        .unwrap();
    store.season_posted(CHANNEL, "2026-05", 9).await.unwrap();
    store
        .take_champion_move(GUILD, "2026-05", Some(MEMBER), now, now)
        .await
        .unwrap();
    store.champion_moved(GUILD, "2026-05", now).await.unwrap();
    // Members' data rights: a member off the leaderboards, a server that removed the bot.
    store.set_hidden(GUILD, MEMBER, true, now).await.unwrap();
    store.server_removed(OTHER_GUILD, now).await.unwrap();
}
