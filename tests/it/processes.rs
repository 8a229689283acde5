//! Several `qotd` processes on one database: two split the shards (`0/2`, `1/2`), one
//! of them is killed mid fan-out and restarted, and a third running both shards
//! (`0-1/2`, a rolling restart or a mistake) starts beside them. The database claim
//! decides: every daily channel gets exactly one post, with its 💡 and thread, and an
//! answer both processes of a shard receive counts once, and `/streak` and
//! `/leaderboard` answer the same from different processes.
//!
//! The processes share the run's database: a SQLite file, or one PostgreSQL database
//! when the run is on PostgreSQL (`QOTD_TEST_DATABASE=postgres`).

use std::time::Duration;

use crate::support::binary::{Qotd, Running};
use crate::support::*;
use fake_discord::FakeDiscord;
use qotd::storage::Store;

/// Channels per server; the two servers are on different shards of 2.
const CHANNELS_EACH: u64 = 60;

struct Servers {
    fake: FakeDiscord,
    dir: tempfile::TempDir,
    url: String,
    store: Store,
    channels: Vec<u64>,
}

impl Servers {
    /// GUILD (shard 1 of 2) and OTHER_GUILD (shard 0), each with channels due a minute ago.
    async fn due() -> Self {
        init_tracing();
        let mut builder = FakeDiscord::builder();
        let mut channels = Vec::new();
        for (guild, first) in [
            (GUILD, 710_000_000_000_000_000u64),
            (OTHER_GUILD, 720_000_000_000_000_000),
        ] {
            let ids: Vec<u64> = (0..CHANNELS_EACH).map(|n| first + n).collect();
            let names: Vec<String> = ids.iter().map(|id| format!("c{id}")).collect();
            let specs: Vec<(u64, &str)> = ids
                .iter()
                .copied()
                .zip(names.iter().map(String::as_str))
                .collect();
            builder = builder.guild(guild, "Busy", &specs);
            channels.extend(ids.iter().map(|id| (*id, guild)));
        }
        // Discord's global limit, as strict as Discord (SPEC §12).
        let fake = builder.global_limit(50).start().await;
        fake.set_latency(Duration::from_millis(5));
        let dir = tempfile::tempdir().unwrap();
        let url = database::url_in(dir.path()).await;
        let store = Store::open(&url).await.unwrap();
        schedule_due_a_minute_ago(&store, channels.iter().copied()).await;
        Self {
            fake,
            dir,
            url,
            store,
            channels: channels.into_iter().map(|(channel, _)| channel).collect(),
        }
    }

    /// Starts `qotd` with `DISCORD_SHARDS=shards` and waits until its `sessions`
    /// gateway sessions are READY.
    async fn start(&self, shards: &str, sessions: u64) -> Running {
        let ready_before = self.fake.gateway_counts().ready;
        let qotd = Qotd::run_against(&self.fake, self.dir.path())
            .env("DATABASE_URL", &self.url)
            .env("DISCORD_SHARDS", shards)
            .env("RUST_LOG", "error")
            .spawn();
        Waiter::on(&self.fake)
            .within(Duration::from_secs(20))
            .until(
                &format!("{shards}: {sessions} sessions ready"),
                async || self.fake.gateway_counts().ready >= ready_before + sessions,
            )
            .await;
        qotd
    }

    /// What [`MEMBER`] sees with `/streak` and `/leaderboard` in OTHER_GUILD (shard 0).
    async fn member_views(&self) -> Vec<serde_json::Value> {
        let mut views = Vec::new();
        for command in ["streak", "leaderboard"] {
            let token = send_slash(
                &self.fake,
                OTHER_GUILD,
                &member(MEMBER),
                720_000_000_000_000_000,
                command,
                serde_json::json!([]),
                serde_json::json!({}),
            );
            views.push(Waiter::on(&self.fake).callback(&token).await["data"].clone());
        }
        views
    }

    async fn finished_posts(&self) -> usize {
        let count: i64 = on_pool!(self.store, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM daily_posts WHERE thread_id IS NOT NULL AND reacted = TRUE",
        )
        .fetch_one(pool)
        .await
        .unwrap());
        count as usize
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_splitting_and_overlapping_shards_post_every_channel_once_and_count_an_answer_once()
 {
    let servers = Servers::due().await;

    let shard_0 = servers.start("0/2", 1).await;
    let shard_1 = servers.start("1/2", 1).await;
    let since = servers.fake.request_count();
    Waiter::on(&servers.fake)
        .within(Duration::from_secs(20))
        .until("the fan-out to be under way", async || {
            servers.fake.request_count() >= since + 40
        })
        .await;
    let killed = shard_0.kill().await;
    assert!(!killed.status.success(), "killed mid fan-out");
    let shard_0 = servers.start("0/2", 1).await;
    let both = servers.start("0-1/2", 2).await;
    Waiter::on(&servers.fake)
        .within(Duration::from_secs(60))
        .until("every channel's post finished", async || {
            servers.finished_posts().await == servers.channels.len()
        })
        .await;

    // Both processes running shard 0 receive a member's answer and 💡 there: the
    // answer counts once and the hint is revealed once.
    let (post_id, thread, message): (i64, i64, i64) =
        on_pool!(servers.store, |pool| sqlx::query_as(
            "SELECT id, thread_id, message_id FROM daily_posts WHERE channel_id = $1"
        )
        .bind(720_000_000_000_000_000i64)
        .fetch_one(pool)
        .await
        .unwrap());
    let dispatched = servers.fake.gateway_counts().dispatched;
    servers
        .fake
        .member_posts(OTHER_GUILD, thread as u64, MEMBER, &[], "my answer");
    servers.fake.react(
        OTHER_GUILD,
        720_000_000_000_000_000,
        message as u64,
        MEMBER,
        "💡",
        false,
        true,
    );
    Waiter::on(&servers.fake)
        .until(
            "both sessions of shard 0 to get the answer and the 💡",
            async || servers.fake.gateway_counts().dispatched >= dispatched + 4,
        )
        .await;
    let announced = || {
        servers
            .fake
            .messages_in(thread as u64)
            .iter()
            .filter(|m| m.content().contains("Hint revealed"))
            .count()
    };
    Waiter::on(&servers.fake)
        .until("the hint revealed", async || announced() >= 1)
        .await;
    // SIGTERM: each process commits every answer it received before it exits.
    let exited = both.terminate().await;
    assert_eq!(exited.code(), Some(0), "{exited:?}");

    // `/streak` and `/leaderboard` in that server, answered by one process and then by
    // another one started in its place: the same replies, from the one database.
    let first = servers.member_views().await;
    assert!(first[0].to_string().contains("**1**"), "{}", first[0]);
    let exited = shard_0.terminate().await;
    assert_eq!(exited.code(), Some(0), "{exited:?}");
    let shard_0 = servers.start("0/2", 1).await;
    assert_eq!(servers.member_views().await, first);
    for process in [shard_0, shard_1] {
        let exited = process.terminate().await;
        assert_eq!(exited.code(), Some(0), "{exited:?}");
    }

    assert_one_daily_post_each(&servers.fake, servers.channels.iter().copied());
    assert_eq!(announced(), 1, "one hint announcement");
    let edits = servers.fake.message(message as u64).unwrap().edits.len();
    assert_eq!(edits, 1, "the post edited once for the reveal");
    let answers: i64 = on_pool!(servers.store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM answers WHERE post_id = $1"
    )
    .bind(post_id)
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(answers, 1, "one answer row");
    let streak = servers
        .store
        .member_streak(720_000_000_000_000_000, MEMBER)
        .await
        .unwrap();
    assert_eq!((streak.current, streak.total), (1, 1), "counted once");
    servers.fake.assert_clean();
}

/// Two processes run the same shard. One reveals the hint on a 💡 and Discord answers
/// its edit slowly; the other starts meanwhile and finds the post revealed but not
/// shown. The database gives the show to one of them: one edit, one announcement
/// (SPEC §12; issue 27, item 4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_shard_show_a_revealed_hint_once() {
    init_tracing();
    let fake = default_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let url = database::url_in(dir.path()).await;
    let store = Store::open(&url).await.unwrap();
    schedule_due_a_minute_ago(&store, [(CHANNEL, GUILD)]).await;
    let start = || {
        Qotd::run_against(&fake, dir.path())
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "error")
            .spawn()
    };
    let first = start();
    let post_id: i64 = Waiter::on(&fake)
        .within(Duration::from_secs(20))
        .until("the daily post finished", async || {
            on_pool!(store, |pool| sqlx::query_scalar(
                "SELECT id FROM daily_posts WHERE channel_id = $1 AND thread_id IS NOT NULL"
            )
            .bind(CHANNEL as i64)
            .fetch_optional(pool)
            .await
            .unwrap())
        })
        .await;
    let post = store.daily_post(post_id).await.unwrap().unwrap();
    let (message, thread) = (post.message_id.unwrap(), post.thread_id.unwrap());

    // The 💡: the first process reveals, and the answer to its edit comes 6 s late.
    fake.queue_faults_on(
        "PATCH",
        &format!("/channels/{CHANNEL}/messages/{message}"),
        [fake_discord::Fault::AnswerLate(Duration::from_secs(6))],
    );
    fake.react(GUILD, CHANNEL, message, MEMBER, "💡", false, true);
    Waiter::on(&fake)
        .until("the reveal's edit", async || {
            fake.message(message).is_some_and(|m| !m.edits.is_empty())
        })
        .await;
    let edited = tokio::time::Instant::now();
    // The second process starts while the first waits for that answer: its first
    // pass finds the post revealed and not shown.
    let ready = fake.gateway_counts().ready;
    let second = start();
    Waiter::on(&fake)
        .within(Duration::from_secs(20))
        .until("the second process ready", async || {
            fake.gateway_counts().ready > ready
        })
        .await;
    let announced = || {
        fake.messages_in(thread)
            .iter()
            .filter(|m| m.content().contains("Hint revealed"))
            .count()
    };
    Waiter::on(&fake)
        .within(Duration::from_secs(20))
        .until("the hint shown", async || {
            store
                .daily_post(post.id)
                .await
                .unwrap()
                .is_some_and(|p| p.reveal_shown)
        })
        .await;
    // Time for the first process's late answer and a show after it, had one started.
    tokio::time::sleep_until(edited + Duration::from_secs(8)).await;
    for process in [first, second] {
        let exited = process.terminate().await;
        assert_eq!(exited.code(), Some(0), "{exited:?}");
    }
    assert_eq!(announced(), 1, "one hint announcement");
    let edits = fake.message(message).unwrap().edits.len();
    assert_eq!(edits, 1, "the post edited once for the reveal");
    fake.assert_clean();
}

/// A private-answers question's reveal (SPEC §13) survives a crash midway and two
/// processes on its shard: the process showing the answers is killed (SIGKILL) while
/// Discord's answer to one of its messages is on its way, so that message exists and
/// is not recorded; two processes then run the shard, and one of them, once the dead
/// one's lease has run out, finds that message by its title and shows the rest: every
/// answer exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reveal_killed_midway_then_run_by_two_processes_shows_each_private_answer_once() {
    init_tracing();
    let fake = default_fake().await;
    fake.set_channel_message_limit(true);
    let dir = tempfile::tempdir().unwrap();
    let url = database::url_in(dir.path()).await;
    let store = Store::open(&url).await.unwrap();
    schedule_due_a_minute_ago(&store, [(CHANNEL, GUILD)]).await;
    private_answers_shown_after_a_minute(&store).await;
    let start = || {
        Qotd::run_against(&fake, dir.path())
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "error")
            .spawn()
    };
    let posting = start();
    let post = Waiter::on(&fake)
        .within(Duration::from_secs(20))
        .until("the daily post finished", async || {
            store
                .latest_daily_post(CHANNEL)
                .await
                .unwrap()
                .filter(|p| p.thread_id.is_some())
        })
        .await;
    let thread = post.thread_id.unwrap();
    // The hint is revealed with 💡 first: at the timeout only answers go in the thread.
    let message = post.message_id.unwrap();
    fake.react(GUILD, CHANNEL, message, MEMBER, "💡", false, true);
    Waiter::on(&fake)
        .until("the hint announced", async || {
            let thread_messages = fake.messages_in(thread);
            thread_messages
                .iter()
                .any(|m| m.content().contains("Hint revealed"))
        })
        .await;
    assert_eq!(posting.terminate().await.code(), Some(0));
    const ANSWERS: u64 = 6;
    let now = chrono::Utc::now();
    for member in 0..ANSWERS {
        let (user, text) = (MEMBER + member, format!("answer {member}"));
        store
            .save_private_answer(&post, user, &format!("m{member}"), &text, now)
            .await
            .unwrap();
    }
    // Their timeout has passed (the processes run on the system clock: the minute
    // passes in the database).
    let (due, lease) = (now - chrono::TimeDelta::seconds(1), Duration::from_secs(61));
    on_pool!(store, |pool| sqlx::query(
        "UPDATE daily_posts SET reveal_due_at = $1"
    )
    .bind(due.timestamp_millis())
    .execute(pool)
    .await
    .map(drop)
    .unwrap());
    // The second answer's message is made, and Discord's answer to it comes late.
    fake.queue_faults_on(
        "POST",
        &format!("/channels/{thread}/messages"),
        [
            fake_discord::Fault::AnswerLate(Duration::ZERO),
            fake_discord::Fault::AnswerLate(Duration::from_secs(30)),
        ],
    );
    let titles = || -> Vec<String> {
        fake.messages_in(thread)
            .iter()
            .filter_map(|m| m.json["embeds"][0]["title"].as_str().map(str::to_owned))
            .collect()
    };
    let first = start();
    Waiter::on(&fake)
        .within(Duration::from_secs(30))
        .until("the second answer sent", async || titles().len() == 2)
        .await;
    first.kill().await;
    // The dead process's lease runs out: its minute passes in the database too.
    on_pool!(store, |pool| sqlx::query(
        "UPDATE daily_posts SET answers_show_taken_at = answers_show_taken_at - $1"
    )
    .bind(lease.as_millis() as i64)
    .execute(pool)
    .await
    .map(drop)
    .unwrap());

    let (second, third) = (start(), start());
    Waiter::on(&fake)
        .within(Duration::from_secs(60))
        .until("every answer shown", async || {
            store
                .daily_post(post.id)
                .await
                .unwrap()
                .is_some_and(|p| p.answers_shown_at.is_some())
        })
        .await;
    for process in [second, third] {
        let exited = process.terminate().await;
        assert_eq!(exited.code(), Some(0), "{exited:?}");
    }
    let expected: Vec<String> = (0..ANSWERS)
        .map(|member| format!("{}. m{member} answered:", member + 1))
        .collect();
    assert_eq!(titles(), expected, "each answer once, in order");
    assert_eq!(fake.limits_report().channel_429s, 0);
    fake.assert_clean();
}

impl Servers {
    /// One process running every shard, its REST rate `rate` (`None`: the default).
    async fn start_one(&self, rate: Option<&str>) -> Running {
        let mut qotd = Qotd::run_against(&self.fake, self.dir.path())
            .env("DATABASE_URL", &self.url)
            .env("RUST_LOG", "error");
        if let Some(rate) = rate {
            qotd = qotd.env("DISCORD_REST_RATE", rate);
        }
        let qotd = qotd.spawn();
        Waiter::on(&self.fake)
            .within(Duration::from_secs(60))
            .until("every channel's post finished", async || {
                self.finished_posts().await == self.channels.len()
            })
            .await;
        qotd
    }
}

/// SPEC §12: a fan-out of 120 channels due at once, against a fake that enforces
/// Discord's global limit (50 a second), paces itself below it: no global 429, never
/// more than 50 requests in a second, every channel one post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_at_the_default_rate_never_meets_the_global_limit() {
    let servers = Servers::due().await;
    let bot = servers.start_one(None).await;
    let exited = bot.terminate().await;
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    let report = servers.fake.limits_report();
    println!("paced: {report:?}");
    assert_eq!(report.global_429s, 0, "{report:?}");
    assert!(report.peak_per_second <= 50, "{report:?}");
    assert_eq!(report.invalid, 0, "{report:?}");
    assert_one_daily_post_each(&servers.fake, servers.channels.iter().copied());
    servers.fake.assert_clean();
}

/// The same fan-out unpaced (a rate far above Discord's): the fake's global limit
/// answers 429s, which is what pacing prevents; and still every channel gets exactly
/// one post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaced_the_same_fan_out_meets_the_global_limit_and_still_posts_once() {
    let servers = Servers::due().await;
    let bot = servers.start_one(Some("100000")).await;
    let exited = bot.terminate().await;
    assert_eq!(exited.code(), Some(0), "{}", exited.stderr);
    let report = servers.fake.limits_report();
    println!("unpaced: {report:?}");
    assert!(report.global_429s > 0, "{report:?}");
    assert!(report.peak_per_second >= 50, "{report:?}");
    assert_one_daily_post_each(&servers.fake, servers.channels.iter().copied());
}
