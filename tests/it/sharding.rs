//! Gateway shards: `DISCORD_SHARDS` is checked before anything connects, and a process
//! does the scheduled work only of the servers on its shards, so processes that split
//! the shards between them post every channel once.

use crate::support::binary::Qotd;
use crate::support::*;
use qotd::core::sharding::ShardRange;
use qotd::storage::Store;

#[tokio::test]
async fn a_bad_discord_shards_value_exits_two_before_contacting_discord() {
    let fake = default_fake().await;
    for bad in ["2/2", "0-3/2", "x", "1-0/4"] {
        let dir = tempfile::tempdir().unwrap();

        let exited = Qotd::run_against(&fake, dir.path())
            .env("DISCORD_SHARDS", bad)
            .spawn()
            .wait()
            .await;

        assert_eq!(exited.code(), Some(2), "{bad}: {exited:?}");
        assert!(
            exited.stderr.contains("DISCORD_SHARDS is invalid"),
            "{bad}: {}",
            exited.stderr
        );
        assert!(
            !dir.path().join("qotd.db").exists(),
            "{bad}: no database created"
        );
    }
    assert_eq!(fake.request_count(), 0, "no REST request");
    assert_eq!(
        fake.gateway_counts().connections,
        0,
        "no gateway connection"
    );
}

/// Both servers' channels scheduled for 09:00 New York, straight in the database.
async fn schedule_both_servers(harness: &Harness) {
    let store = Store::open(&harness.database_url()).await.unwrap();
    for (channel, guild) in [(CHANNEL, GUILD), (OTHER_GUILD_CHANNEL, OTHER_GUILD)] {
        let mut settings = daily_schedule(channel, "09:00", "America/New_York");
        settings.guild_id = guild;
        let set_up = at("2026-06-01T12:00:00Z");
        store.upsert_schedule(&settings, set_up).await.unwrap();
    }
    store.close().await;
}

/// Starts the bot on `shards` at 12:00 and waits until each of its shards identified
/// and a scheduler pass saw 13:00, 09:00 in New York.
async fn run_shards(harness: &mut Harness, shards: &str) {
    let range = shards.parse::<ShardRange>().unwrap();
    let identified = harness.fake.gateway_counts().identifies;
    harness.shards = Some(range);
    harness.start_bot().await;
    let sessions = u64::from(range.count());
    harness
        .wait_until("every shard of the range identified", async || {
            harness.fake.gateway_counts().identifies >= identified + sessions
        })
        .await;
    harness.tick_to(at("2026-06-01T13:00:00Z")).await;
}

#[tokio::test]
async fn processes_splitting_the_shards_post_each_servers_channel_once() {
    // GUILD is on shard 1 of 2, OTHER_GUILD on shard 0.
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z")).await;
    schedule_both_servers(&harness).await;

    run_shards(&mut harness, "1/2").await;
    harness.wait_daily_post(CHANNEL, 1).await;
    assert_eq!(
        harness.daily_messages(OTHER_GUILD_CHANNEL).len(),
        0,
        "not this process's server"
    );
    harness.stop_bot().await;

    run_shards(&mut harness, "0/2").await;
    harness.wait_daily_post(OTHER_GUILD_CHANNEL, 1).await;
    harness.stop_bot().await;

    // A process running both shards, started late the same day: nothing is left to do.
    run_shards(&mut harness, "0-1/2").await;
    harness.stop_bot().await;
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    assert_eq!(harness.daily_messages(OTHER_GUILD_CHANNEL).len(), 1);
}

/// Two servers, one on each of 2 shards, behind a fake that recommends 2 shards and
/// refuses (4011) a session holding both.
async fn fake_requiring_two_shards() -> fake_discord::FakeDiscord {
    fake_discord::FakeDiscord::builder()
        .guild(GUILD, "Interview Prep", &[(CHANNEL, "daily")])
        .guild(
            OTHER_GUILD,
            "Elsewhere",
            &[(OTHER_GUILD_CHANNEL, "general")],
        )
        .recommended_shards(2)
        .max_guilds_per_session(1)
        .start()
        .await
}

#[tokio::test]
async fn with_discord_shards_unset_the_bot_runs_every_recommended_shard_and_posts_everywhere_once()
{
    let fake = fake_requiring_two_shards().await;
    let mut harness = Harness::new(fake, at("2026-06-01T12:00:00Z")).await;
    schedule_both_servers(&harness).await;

    harness.start_bot().await;
    harness
        .wait_until("both shards ready", async || {
            harness.fake.gateway_counts().ready >= 2
        })
        .await;
    harness.tick_to(at("2026-06-01T13:00:00Z")).await;
    harness.wait_daily_post(CHANNEL, 1).await;
    harness.wait_daily_post(OTHER_GUILD_CHANNEL, 1).await;
    harness.stop_bot().await;

    let counts = harness.fake.gateway_counts();
    assert_eq!(
        (counts.identifies, counts.sharding_required),
        (2, 0),
        "{counts:?}"
    );
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    assert_eq!(harness.daily_messages(OTHER_GUILD_CHANNEL).len(), 1);
}

#[tokio::test]
async fn too_few_shards_for_discord_are_named_at_start() {
    let fake = fake_requiring_two_shards().await;
    let dir = tempfile::tempdir().unwrap();
    let running = Qotd::run_against(&fake, dir.path())
        .env("DISCORD_SHARDS", "0/1")
        .spawn();

    crate::support::wait::Waiter::on(&fake)
        .within(std::time::Duration::from_secs(20))
        .until("Discord to refuse the session (4011)", async || {
            fake.gateway_counts().sharding_required >= 1
        })
        .await;
    // serenity 0.12 spins on a 4011 close and starves the runtime (SIGTERM is not
    // handled then): the process can only be killed. docs/scaling.md says so.
    let exited = running.kill().await;

    assert!(
        exited.stderr.contains(
            "Discord recommends 2 shards for this bot but DISCORD_SHARDS splits it into 1"
        ),
        "{}",
        exited.stderr
    );
}
