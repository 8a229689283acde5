//! A simulated day under Discord faults: 10% of REST calls answered 500 or 429
//! (seeded), and the gateway closed or sent op 7 / op 9 again and again. Every post is
//! delivered exactly once, every due reveal happens once, no answer is lost, and only
//! one scheduler ever runs.

use std::collections::HashSet;

use crate::support::*;
use chrono::TimeDelta;
use qotd::stats::Stats;

#[tokio::test]
async fn a_day_of_rest_and_gateway_faults_loses_nothing_and_duplicates_nothing() {
    let channels: Vec<(u64, String)> = (0..12u64)
        .map(|n| {
            (
                CHANNEL + 100 + n,
                format!("{:02}:{:02}", 8 + n, (n * 25) % 60),
            )
        })
        .collect();
    let fake_channels: Vec<(u64, &str)> = channels.iter().map(|(id, _)| (*id, "daily")).collect();
    let fake = fake_discord::FakeDiscord::builder()
        .guild(GUILD, "Faulty", &fake_channels)
        .start()
        .await;
    let mut harness = Harness::new(fake, at("2026-06-01T07:00:00Z")).await;
    harness.start_bot().await;
    for (channel, time) in &channels {
        harness
            .setup(
                *channel,
                time,
                "UTC",
                vec![integer_option("reveal_after", 60)],
            )
            .await;
    }
    harness.fake.set_random_faults(0.10, 42);

    let mut answers: HashSet<(i64, u64)> = HashSet::new();
    let mut step = 0u32;
    let mut now = at("2026-06-01T08:00:00Z");
    let end = at("2026-06-01T23:50:00Z");
    while now <= end {
        harness.tick_to(now).await;
        match step % 6 {
            1 => harness.fake.close_gateway(),
            3 => harness.fake.request_reconnect(),
            5 if step % 24 == 5 => harness.fake.invalidate_session(true),
            _ => {}
        }
        // Members answer every finished question once, whatever the gateway is doing.
        for (channel, _) in &channels {
            if let Some(post) = harness.store().latest_daily_post(*channel).await.unwrap()
                && let Some(thread) = post.thread_id
            {
                let member = 50 + u64::from(step);
                if answers.insert((post.id, member)) {
                    harness
                        .fake
                        .member_posts(GUILD, thread, member, &[], "answer under faults");
                }
            }
        }
        step += 1;
        now += TimeDelta::minutes(10);
    }
    // Let the last retries and reveals through.
    harness.fake.set_random_faults(0.0, 0);
    harness.tick_to(at("2026-06-01T23:59:00Z")).await;

    for (channel, _) in &channels {
        let post = harness.wait_daily_post(*channel, 1).await;
        assert_eq!(
            harness.daily_messages(*channel).len(),
            1,
            "channel {channel}: exactly one post"
        );
        let message = harness.fake.message(post.message_id.unwrap()).unwrap();
        assert_eq!(
            message.edits.len(),
            1,
            "channel {channel}: the hint was revealed once"
        );
        let announcements = harness
            .fake
            .messages_in(post.thread_id.unwrap())
            .into_iter()
            .filter(|m| m.content().contains("Hint revealed"))
            .count();
        assert_eq!(announcements, 1, "channel {channel}: announced once");
    }
    // Answers posted while the gateway was down come back through the catch-up after
    // serenity reconnects, whose back-off can take seconds on a loaded machine.
    harness
        .waiter()
        .within(std::time::Duration::from_secs(30))
        .until("every answer", async || {
            for (post, user) in &answers {
                if harness
                    .store()
                    .answered_at(*post, *user)
                    .await
                    .unwrap()
                    .is_none()
                {
                    return false;
                }
            }
            true
        })
        .await;
    assert!(answers.len() >= 40, "{} answers", answers.len());
    assert_eq!(
        Stats::get(&harness.app().stats.schedulers_started),
        1,
        "one scheduler"
    );
    let counts = harness.fake.gateway_counts();
    assert!(
        counts.connections >= 20,
        "the gateway was dropped many times: {counts:?}"
    );
    let faulted = harness
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 500 || r.status == 429)
        .count();
    assert!(faulted >= 3, "{faulted} faults injected");
    println!(
        "faults injected: {faulted}, gateway: {counts:?}, answers: {}",
        answers.len()
    );
    harness.fake.assert_clean();
}
