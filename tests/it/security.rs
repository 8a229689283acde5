//! Security and shutdown: secrets stay out of logs, hostile text pings nobody, no
//! server's admin can touch another server's channels or teams, odd gateway events are
//! ignored, and a shutdown mid-fan-out duplicates nothing.

use std::time::Duration;

use crate::support::binary::Qotd;
use crate::support::*;
use chrono::TimeDelta;
use qotd::storage::Store;
use serde_json::json;

const SECRET: &str = "MTIzNDU2Nzg5.SECRET-token-value.do-not-log";

#[tokio::test]
async fn the_token_never_appears_in_the_log_even_at_trace_level() {
    let fake = default_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("qotd.db");
    // A schedule due now, so the run also posts (REST calls with the token).
    let store = Store::open_path(&db).await.unwrap();
    let now = chrono::Utc::now();
    let a_minute_ago = (now - TimeDelta::minutes(1)).format("%H:%M").to_string();
    schedule_all(
        &store,
        [CHANNEL],
        &a_minute_ago,
        "UTC",
        now - TimeDelta::hours(3),
    )
    .await;
    store.close().await;

    let qotd = Qotd::run_against(&fake, dir.path())
        .env("DISCORD_TOKEN", SECRET)
        .env("RUST_LOG", "trace")
        .spawn();
    Waiter::on(&fake).commands_registered(0).await;
    // At 23:59 UTC the "minute ago" schedule is yesterday's: the post is then skipped.
    if now.format("%H:%M").to_string() != "00:00" {
        Waiter::on(&fake)
            .request("the daily post's thread", 0, |r| {
                r.path.ends_with("/threads")
            })
            .await;
    }
    let exited = qotd.terminate().await;
    assert_eq!(exited.code(), Some(0));
    let log = exited.stderr;
    assert!(
        log.len() > 10_000,
        "trace logging was on ({} bytes)",
        log.len()
    );
    for secret_part in [SECRET, "SECRET-token-value", "MTIzNDU2Nzg5"] {
        assert!(
            !log.contains(secret_part),
            "the log contains `{secret_part}`"
        );
    }
    fake.assert_clean();
}

#[tokio::test]
async fn a_malformed_env_file_stops_qotd_before_connecting_naming_the_line_but_not_its_text() {
    let fake = default_fake().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "RUST_LOG=info\nDISCORD_TOKEN secret-token-value\n",
    )
    .unwrap();

    // Every setting is in the environment: skipping the bad line would connect.
    let exited = Qotd::run_against(&fake, dir.path()).spawn().wait().await;

    assert_eq!(exited.code(), Some(2), "{exited:?}");
    assert!(exited.stderr.contains(".env:2"), "{}", exited.stderr);
    for output in [&exited.stderr, &exited.stdout] {
        assert!(!output.contains("secret-token-value"), "{output}");
    }
    assert_eq!(fake.request_count(), 0, "no REST request");
    assert_eq!(
        fake.gateway_counts().connections,
        0,
        "no gateway connection"
    );
}

#[tokio::test]
async fn question_text_with_everyone_and_role_mentions_pings_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let bank = dir.path().join("bank.yaml");
    std::fs::write(
        &bank,
        "categories:\n  beginner: Beginner\nquestions:\n  - id: ping\n    category: beginner\n    difficulty: 1\n    question: \"@everyone @here <@&123456789012345678> what is a ping?\"\n    hint: \"@everyone hint <@&123456789012345678>\"\n",
    )
    .unwrap();
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z")).await;
    harness.questions = bank;
    harness.start_bot().await;
    let post = harness.first_post_at_nine(CHANNEL, vec![]).await;
    harness.lightbulb(post.message_id.unwrap(), MEMBER);
    harness
        .wait_message_in(post.thread_id.unwrap(), "@everyone hint")
        .await;
    harness.assert_no_mass_pings();
    harness.fake.assert_clean();
}

/// A guild the bot is not in.
const STRANGER_GUILD: u64 = 999_999_999_999_999_999;

#[tokio::test]
async fn an_admin_of_another_server_cannot_act_on_this_servers_channels_or_teams() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness
        .qotd_team("team-add", "Owls")
        .await
        .assert_says("Created team");
    harness
        .qotd_on("alerts", ALERTS_CHANNEL)
        .await
        .assert_says("report problems");
    let before = snapshot(harness.store()).await;

    let sub = |name: &str, options: serde_json::Value| json!([{ "name": name, "type": 1, "options": options }]);
    let setup_here = json!([
        channel_option("channel", CHANNEL),
        string_option("time", "03:00"),
        string_option("timezone", "UTC")
    ]);
    let mut cases = vec![
        (
            "qotd",
            sub("setup", setup_here.clone()),
            "not a channel of this server",
        ),
        (
            "qotd",
            sub("alerts", json!([channel_option("channel", ALERTS_CHANNEL)])),
            "not a channel of this server",
        ),
        (
            "qotd",
            sub("team-remove", json!([string_option("name", "Owls")])),
            "no team named",
        ),
        (
            "team",
            sub("join", json!([string_option("name", "Owls")])),
            "no team named",
        ),
        (
            "leaderboard",
            json!([channel_option("channel", CHANNEL)]),
            "has no daily question",
        ),
    ];
    for name in ["remove", "pause", "post", "skip"] {
        cases.push((
            "qotd",
            sub(name, json!([channel_option("channel", CHANNEL)])),
            "has no daily question",
        ));
    }
    // The other server's own admin, from its own channel; then an interaction that
    // claims a server the bot is not in.
    for (guild, channel) in [
        (OTHER_GUILD, OTHER_GUILD_CHANNEL),
        (STRANGER_GUILD, OTHER_GUILD_CHANNEL),
    ] {
        for (command, options, expected) in &cases {
            let token = send_slash(
                &harness.fake,
                guild,
                &admin(),
                channel,
                command,
                options.clone(),
                json!({}),
            );
            let reply = harness.reply(&token).await;
            assert!(reply.ephemeral, "{guild} {command} {options}");
            assert!(
                reply.content.contains(expected),
                "{guild} {command} {options}: {}",
                reply.content
            );
        }
        // Its status lists nothing of this server.
        let token = send_slash(
            &harness.fake,
            guild,
            &admin(),
            channel,
            "qotd",
            sub("status", json!([])),
            json!({}),
        );
        let status = harness.reply(&token).await.text();
        assert!(!status.contains(&CHANNEL.to_string()), "{status}");
    }
    assert_eq!(snapshot(harness.store()).await, before, "nothing changed");
    assert!(
        harness.daily_messages(CHANNEL).is_empty(),
        "nothing was posted"
    );
    assert!(
        harness.fake.problems().is_empty(),
        "{:?}",
        harness.fake.problems()
    );
}

#[tokio::test]
async fn odd_gateway_events_are_ignored_without_errors() {
    let (harness, post) = Harness::with_first_post(vec![]).await;
    let thread = post.thread_id.unwrap();
    let fake = &harness.fake;

    let mut dm = fake_discord::fixtures::message(
        fake.next_id(),
        42,
        None,
        fake_discord::fixtures::user(MEMBER, "m", false),
        "hi in a DM",
    );
    dm.as_object_mut().unwrap().remove("guild_id");
    let mut webhook = fake_discord::fixtures::member_message(
        fake.next_id(),
        thread,
        GUILD,
        MEMBER + 1,
        "hook",
        &[],
        "from a webhook",
    );
    webhook["webhook_id"] = json!("999");
    let mut bot = fake_discord::fixtures::member_message(
        fake.next_id(),
        thread,
        GUILD,
        MEMBER + 2,
        "bot",
        &[],
        "beep",
    );
    bot["author"]["bot"] = json!(true);
    let unknown_guild = fake_discord::fixtures::member_message(
        fake.next_id(),
        5,
        987_654,
        MEMBER + 3,
        "x",
        &[],
        "elsewhere",
    );
    let deleted_channel = fake_discord::fixtures::member_message(
        fake.next_id(),
        6,
        GUILD,
        MEMBER + 4,
        "x",
        &[],
        "gone",
    );
    let before = harness.count(Counter::MessagesHandled);
    for event in [dm, webhook, bot, unknown_guild, deleted_channel] {
        fake.dispatch("MESSAGE_CREATE", event);
    }
    fake.react(987_654, 5, 6, MEMBER, "💡", false, true); // unknown guild and message
    fake.dispatch("MESSAGE_REACTION_ADD", json!({ "user_id": "1", "channel_id": "2", "message_id": "3", "emoji": { "id": "4", "name": null }, "burst": false, "type": 0 }));
    fake.dispatch("SOMETHING_NEW", json!({ "weird": true }));
    harness
        .wait_count(Counter::MessagesHandled, before + 5)
        .await;
    harness.wait_count(Counter::ReactionsHandled, 2).await;
    assert_eq!(
        harness.store().answer_count(post.id).await.unwrap(),
        0,
        "none of them is an answer"
    );
    // The bot is still healthy: a member's answer right after is recorded.
    fake.member_posts(GUILD, thread, MEMBER, &[], "a real answer");
    harness
        .wait_until("the real answer", async || {
            harness.store().answer_count(post.id).await.unwrap() == 1
        })
        .await;
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_shutdown_during_the_fan_out_commits_what_was_done_and_the_next_start_duplicates_nothing()
{
    let fake = fake_discord::FakeDiscord::builder()
        .guild(
            GUILD,
            "Big",
            &(0..60u64)
                .map(|n| (CHANNEL + 100 + n, "c"))
                .collect::<Vec<_>>(),
        )
        .start()
        .await;
    let mut harness = Harness::new(fake, at("2026-06-01T08:59:00Z")).await;
    let store = Store::open(&harness.database_url()).await.unwrap();
    let channels = (0..60).map(|n| CHANNEL + 100 + n);
    schedule_all(&store, channels, "09:00", "UTC", at("2026-06-01T08:00:00Z")).await;
    store.close().await;
    harness.start_bot().await;
    harness.fake.set_latency(Duration::from_millis(40));
    let since = harness.fake.request_count();
    harness.set_time(at("2026-06-01T09:00:00Z"));
    harness
        .waiter()
        .request("the fan-out under way", since + 30, |_| true)
        .await;
    harness.stop_bot().await; // SIGTERM's path: the scheduler finishes its pass, then the process ends
    let sent_before_restart = harness.fake.requests().len();
    assert!(sent_before_restart > since + 30);

    harness.fake.set_latency(Duration::ZERO);
    harness.start_bot().await;
    for n in 0..60u64 {
        harness.wait_daily_post(CHANNEL + 100 + n, 1).await;
    }
    assert_one_daily_post_each(&harness.fake, (0..60).map(|n| CHANNEL + 100 + n));
    harness.fake.assert_clean();
}
