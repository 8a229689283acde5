//! The scheduler's one step, `run_due_work(now)`, called directly: no loop, no gateway,
//! just the App, the fake Discord's REST API and the time the test gives.

use crate::support::*;
use chrono::TimeDelta;
use qotd::daily::scheduler::{PassMemory, run_due_work};

#[tokio::test]
async fn run_due_work_posts_nothing_before_the_post_time_once_at_it_and_not_again() {
    let nine = at("2026-06-01T13:00:00Z"); // 09:00 in New York
    let harness = Harness::new(default_fake().await, nine - TimeDelta::hours(1)).await;
    let app = harness.new_app().await;
    let discord = harness.discord_http();
    app.store
        .upsert_schedule(
            &daily_schedule(CHANNEL, "09:00", "America/New_York"),
            nine - TimeDelta::hours(1),
        )
        .await
        .unwrap();
    let mut memory = PassMemory::default();

    let early = run_due_work(&app, &discord, nine - TimeDelta::minutes(1), &mut memory).await;
    assert_eq!(early.posted, 0, "{early:?}");
    assert_eq!(early.next_wake, Some(nine), "it wakes at the post time");
    assert!(harness.daily_messages(CHANNEL).is_empty());

    let due = run_due_work(&app, &discord, nine, &mut memory).await;
    assert_eq!(due.posted, 1, "{due:?}");
    let post = app.store.latest_daily_post(CHANNEL).await.unwrap().unwrap();
    assert_eq!(post.reveal_due_at, nine + TimeDelta::hours(4));
    assert_eq!(
        due.next_wake,
        Some(post.reveal_due_at),
        "it wakes next for the timeout reveal"
    );
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);

    let again = run_due_work(&app, &discord, nine, &mut memory).await;
    assert_eq!(again.posted, 0, "{again:?}");
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    harness.fake.assert_clean();
    app.store.close().await;
}
