//! The daily question end to end through the fake Discord, with the clock controlled:
//! schedule, post, thread, hint reveal, answers, streaks — exactly once.

use std::collections::HashSet;

use crate::support::*;
use chrono::{NaiveDate, TimeDelta};
use chrono_tz::America::New_York;
use qotd::core::daily_schedule::post_instant_on;
use qotd::core::hint_reveal::RevealReason;
use qotd::core::rotation::Pick;
use qotd::storage::{ClaimOutcome, DailyPost, NewDailyPost, Store};
use serde_json::json;

const NINE: &str = "09:00";

fn ny_nine(date: &str) -> chrono::DateTime<chrono::Utc> {
    post_instant_on(
        date.parse::<NaiveDate>().unwrap(),
        NINE.parse().unwrap(),
        New_York,
    )
}

/// Posts question `seq` at 09:00 New York on `date` and waits for it to be finished.
async fn post_day(harness: &Harness, date: &str, seq: i64) -> qotd::storage::DailyPost {
    harness.tick_to(ny_nine(date)).await;
    harness.wait_daily_post(CHANNEL, seq).await
}

#[tokio::test]
async fn nine_am_new_york_posts_once_a_day_across_the_march_dst_change_without_repeats() {
    let mut harness = Harness::started(at("2026-03-05T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;

    let days = [
        "2026-03-05",
        "2026-03-06",
        "2026-03-07",
        "2026-03-08",
        "2026-03-09",
        "2026-03-10",
    ];
    let mut asked = HashSet::new();
    for (index, day) in days.iter().enumerate() {
        let seq = index as i64 + 1;
        // A minute before 09:00 local nothing is due.
        harness.tick_to(ny_nine(day) - TimeDelta::minutes(1)).await;
        assert_eq!(
            harness.daily_messages(CHANNEL).len(),
            index,
            "nothing before 09:00 on {day}"
        );

        let post = post_day(&harness, day, seq).await;
        assert_eq!(post.local_date.to_string(), *day);
        assert_eq!(
            post.claimed_at,
            ny_nine(day),
            "posted at 09:00 New York time on {day}"
        );
        assert!(
            asked.insert(post.question_id.clone()),
            "no repeat within the pass"
        );

        // Later that day, and again after a restart-free hour, still one post.
        harness.tick_to(ny_nine(day) + TimeDelta::hours(5)).await;
        assert_eq!(harness.daily_messages(CHANNEL).len(), index + 1);
    }
    // 2026-03-08 is the spring-forward day: 09:00 EDT is 13:00 UTC, the day before 14:00.
    assert_eq!(ny_nine("2026-03-07"), at("2026-03-07T14:00:00Z"));
    assert_eq!(ny_nine("2026-03-08"), at("2026-03-08T13:00:00Z"));

    for message in harness.daily_messages(CHANNEL) {
        assert!(
            message.own_reactions.contains("💡"),
            "each post has the 💡 reaction"
        );
        assert!(message.thread_id.is_some(), "each post has a thread");
        assert!(message.nonce.is_some());
    }
    let creates = harness.requests_since(0, "POST", &format!("/channels/{CHANNEL}/messages"));
    let sent: Vec<_> = creates
        .iter()
        .filter(|r| {
            r.body
                .as_ref()
                .is_some_and(|b| b["enforce_nonce"] == json!(true))
        })
        .collect();
    assert_eq!(sent.len(), days.len());
    harness.assert_no_mass_pings();
    harness.fake.assert_clean();
}

#[tokio::test]
async fn the_post_shows_series_number_category_difficulty_question_and_how_the_hint_is_revealed() {
    let (harness, post) =
        Harness::with_first_post(vec![integer_option("reveal_reactions", 3)]).await;

    let message = harness.fake.message(post.message_id.unwrap()).unwrap();
    let embed = &message.embeds()[0];
    assert_eq!(embed["title"], json!("Question of the day #1"));
    let question = harness
        .app()
        .library
        .default_bank()
        .get_str(&post.question_id)
        .unwrap()
        .clone();
    assert_eq!(embed["description"], json!(question.question));
    let fields = embed["fields"].as_array().unwrap();
    assert_eq!(fields[0]["name"], json!("Category"));
    assert_eq!(fields[1]["name"], json!("Difficulty"));
    let hint_field = fields[2]["value"].as_str().unwrap();
    let due = (ny_nine("2026-06-01") + TimeDelta::minutes(240)).timestamp();
    assert!(hint_field.contains(&format!("<t:{due}:R>")), "{hint_field}");
    assert!(hint_field.contains("3 members react"), "{hint_field}");
    assert!(!hint_field.contains(&question.hint), "the hint is hidden");
    harness.fake.assert_clean();
}

#[tokio::test]
async fn one_members_lightbulb_reveals_the_hint_once_and_a_second_changes_nothing() {
    let (harness, post) = Harness::with_first_post(vec![]).await;
    let message_id = post.message_id.unwrap();

    let handled = harness.count(Counter::ReactionsHandled);
    harness.lightbulb(message_id, MEMBER);
    harness.wait_edited(message_id).await;
    harness.lightbulb(message_id, MEMBER + 1);
    harness
        .wait_count(Counter::ReactionsHandled, handled + 2)
        .await;

    let message = harness.fake.message(message_id).unwrap();
    assert_eq!(message.edits.len(), 1, "revealed exactly once");
    assert_eq!(
        message.embeds()[0]["fields"][2]["value"],
        json!(harness.hint_of(&post.question_id))
    );
    assert_eq!(
        harness.hint_announcements(post.thread_id.unwrap()),
        1,
        "announced once in the thread"
    );
    assert_eq!(
        harness.stored_post(post.id).await.reveal_reason,
        Some(RevealReason::Reactions)
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn with_three_needed_two_members_do_not_reveal_a_third_does_and_bots_never_count() {
    let (harness, post) =
        Harness::with_first_post(vec![integer_option("reveal_reactions", 3)]).await;
    let message_id = post.message_id.unwrap();

    let handled = harness.count(Counter::ReactionsHandled);
    let reactions = [
        (MEMBER, "💡", false),
        (MEMBER + 1, "💡", false),
        (999, "💡", true),                       // a bot
        (fake_discord::BOT_USER_ID, "💡", true), // ourselves
        (MEMBER + 2, "👍", false),               // another emoji
    ];
    for (user, emoji, bot) in reactions {
        harness.react(message_id, user, emoji, bot);
    }
    harness
        .wait_count(Counter::ReactionsHandled, handled + 5)
        .await;
    assert_eq!(
        harness.edit_count(message_id),
        0,
        "two members are not enough"
    );

    harness.lightbulb(message_id, MEMBER + 3);
    harness.wait_edited(message_id).await;
    assert_eq!(
        harness
            .store()
            .reveal_reactors(post.id)
            .await
            .unwrap()
            .len(),
        3
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_removed_lightbulb_no_longer_counts_toward_the_reveal() {
    let (harness, post) =
        Harness::with_first_post(vec![integer_option("reveal_reactions", 2)]).await;
    let message_id = post.message_id.unwrap();

    harness.lightbulb_handled(message_id, MEMBER).await;
    harness
        .take_back_lightbulb_handled(message_id, MEMBER)
        .await;
    harness.lightbulb_handled(message_id, MEMBER + 1).await;

    assert_eq!(harness.edit_count(message_id), 0);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn the_timeout_reveals_once_and_also_right_after_a_restart_when_it_fell_due_while_down() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;

    // Day 1: the timeout passes while the bot runs.
    let first = harness
        .first_post_at_nine(CHANNEL, vec![integer_option("reveal_after", 60)])
        .await;
    let first_message = first.message_id.unwrap();
    let one = ny_nine("2026-06-01");
    harness.tick_to(one + TimeDelta::minutes(59)).await;
    assert_eq!(harness.edit_count(first_message), 0);
    harness.tick_to(one + TimeDelta::minutes(60)).await;
    harness.tick_to(one + TimeDelta::minutes(120)).await;
    assert_eq!(harness.edit_count(first_message), 1);

    // Day 2: the bot is down when the timeout falls due.
    let second = post_day(&harness, "2026-06-02", 2).await;
    let second_message = second.message_id.unwrap();
    harness.stop_bot().await;
    harness.set_time(ny_nine("2026-06-02") + TimeDelta::minutes(90));
    harness.start_bot().await;
    harness.wait_edited(second_message).await;
    harness
        .tick_to(ny_nine("2026-06-02") + TimeDelta::minutes(180))
        .await;
    assert_eq!(harness.edit_count(second_message), 1, "once");
    assert_eq!(
        harness.stored_post(second.id).await.reveal_reason,
        Some(RevealReason::Timeout)
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn answers_over_three_days_give_streaks_one_two_three_and_a_miss_resets_at_the_next_post() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;

    let mut currents = Vec::new();
    for (seq, day) in [(1, "2026-06-01"), (2, "2026-06-02"), (3, "2026-06-03")] {
        let post = post_day(&harness, day, seq).await;
        harness.set_time(ny_nine(day) + TimeDelta::hours(1));
        harness.answer(&post, MEMBER);
        harness.answer(&post, MEMBER); // a second message is the same answer
        harness.wait_answer(post.id, MEMBER).await;
        currents.push(harness.streak(MEMBER).await.current);
    }
    assert_eq!(currents, [1, 2, 3]);
    let streak = harness.streak(MEMBER).await;
    assert_eq!((streak.total, streak.unaided), (3, 3));

    // Day 4 goes unanswered: the streak holds while it is open, and breaks at day 5.
    post_day(&harness, "2026-06-04", 4).await;
    assert_eq!(harness.streak(MEMBER).await.current, 3);
    post_day(&harness, "2026-06-05", 5).await;
    let streak = harness.streak(MEMBER).await;
    assert_eq!((streak.current, streak.best), (0, 3));
    harness.fake.assert_clean();
}

#[tokio::test]
async fn an_answer_after_the_next_question_is_posted_does_not_count() {
    let (harness, first) = Harness::with_first_post(vec![]).await;
    let second = post_day(&harness, "2026-06-02", 2).await;

    // Late to question 1, then on time for question 2 (a reply to the post counts too).
    harness.answer(&first, MEMBER);
    let reply = as_reply_to(
        message_at(
            &harness,
            CHANNEL,
            MEMBER,
            "2026-06-02T13:30:00.000000+00:00",
        ),
        &second,
    );
    harness.fake.post_message(reply);
    harness.wait_answer(second.id, MEMBER).await;
    // The late answer is kept (it feeds practice) but counts for nothing.
    harness.wait_answer(first.id, MEMBER).await;
    let streak = harness.streak(MEMBER).await;
    assert_eq!((streak.current, streak.total), (1, 1));
    harness.fake.assert_clean();
}

#[tokio::test]
async fn an_answer_after_the_reveal_is_counted_but_not_unaided_and_bots_never_count() {
    let (harness, post) = Harness::with_first_post(vec![]).await;
    harness.lightbulb(post.message_id.unwrap(), MEMBER + 5);
    harness
        .wait_until("the reveal", async || {
            harness.stored_post(post.id).await.revealed_at.is_some()
        })
        .await;
    harness.set_time(ny_nine("2026-06-01") + TimeDelta::hours(1));
    harness.answer_and_wait(&post, MEMBER).await;
    let streak = harness.streak(MEMBER).await;
    assert_eq!((streak.total, streak.unaided), (1, 0));

    // A bot's message in the thread is not an answer.
    let handled = harness.count(Counter::MessagesHandled);
    let from_bot = bot_message(&harness.fake, post.thread_id.unwrap(), 777);
    harness.fake.dispatch("MESSAGE_CREATE", from_bot);
    harness
        .wait_count(Counter::MessagesHandled, handled + 1)
        .await;
    assert_eq!(harness.store().answer_count(post.id).await.unwrap(), 1);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_paused_day_keeps_streaks_and_posts_nothing() {
    let (mut harness, first) = Harness::with_first_post(vec![]).await;
    harness.answer_and_wait(&first, MEMBER).await;

    let paused = harness.qotd_on("pause", CHANNEL).await;
    assert!(paused.content.contains("Paused"));
    harness
        .tick_to(ny_nine("2026-06-02") + TimeDelta::hours(1))
        .await;
    assert_eq!(
        harness.daily_messages(CHANNEL).len(),
        1,
        "no post while paused"
    );

    harness.set_time(at("2026-06-02T23:00:00Z"));
    let resumed = harness.qotd_on("resume", CHANNEL).await;
    assert!(resumed.content.contains("Resumed"));
    let second = post_day(&harness, "2026-06-03", 2).await;
    harness.answer_and_wait(&second, MEMBER).await;
    assert_eq!(harness.streak(MEMBER).await.current, 2);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_bot_down_at_post_time_posts_late_once_the_same_day_and_skips_a_day_that_ended() {
    let mut harness = Harness::stopped_after_setup(CHANNEL).await;

    // Back at 15:00 local the same day: one late post.
    harness.set_time(ny_nine("2026-06-01") + TimeDelta::hours(6));
    harness.start_bot().await;
    let post = harness.wait_daily_post(CHANNEL, 1).await;
    assert_eq!(post.local_date.to_string(), "2026-06-01");

    // Restarting again that day posts nothing more.
    harness.restart_bot().await;
    harness
        .tick_to(ny_nine("2026-06-01") + TimeDelta::hours(7))
        .await;
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);

    // Down through all of June 2: that day is skipped, June 3 posts #2.
    harness.stop_bot().await;
    harness.set_time(ny_nine("2026-06-03") - TimeDelta::hours(2));
    harness.start_bot().await;
    harness
        .tick_to(ny_nine("2026-06-03") - TimeDelta::hours(1))
        .await;
    assert_eq!(
        harness.daily_messages(CHANNEL).len(),
        1,
        "June 2 is not posted late"
    );
    let third_day = post_day(&harness, "2026-06-03", 2).await;
    assert_eq!(third_day.local_date.to_string(), "2026-06-03");
    harness.fake.assert_clean();
}

/// A bot that crashed right after claiming the 2026-06-01 question of `channel` (set up
/// for 09:00 New York): the claim, with `nonce`, is in the database without a message
/// id, and the bot is stopped.
async fn crashed_after_claiming(channel: u64, nonce: &str) -> (Harness, DailyPost) {
    let harness = Harness::stopped_after_setup(channel).await;
    let store = Store::open(&harness.database_url()).await.unwrap();
    let schedule = store.schedule(channel).await.unwrap().unwrap();
    let new = NewDailyPost {
        channel_id: channel,
        local_date: "2026-06-01".parse().unwrap(),
        pick: Pick {
            question_id: "emotion-models".into(),
            pass: 1,
            starts_new_pass: false,
        },
        nonce: nonce.into(),
        reveal: schedule.reveal_rule(),
    };
    let outcome = store.claim_daily_post(&new, ny_nine("2026-06-01")).await;
    let ClaimOutcome::Claimed(claim) = outcome.unwrap() else {
        panic!("the date already had a post")
    };
    store.close().await;
    (harness, claim)
}

/// The message Discord created for a claim with `nonce` before the crash, as the bot
/// sends it; returns Discord's answer.
async fn sent_before_the_crash(harness: &Harness, nonce: &str) -> serde_json::Value {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{}/api/v10/channels/{CHANNEL}/messages", harness.fake.base_url()))
        .header("authorization", "Bot fake-token")
        .json(&json!({ "embeds": [{ "title": "Question of the day #1", "description": "x" }], "nonce": nonce, "enforce_nonce": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_claim_whose_send_is_unknown_is_resolved_at_start_without_a_second_message() {
    // A crash right after Discord created the message, before it was recorded: the
    // claim exists without a message id, and the message exists in the channel.
    let (mut harness, claim) = crashed_after_claiming(CHANNEL, "qotdcrashtest00001").await;
    sent_before_the_crash(&harness, "qotdcrashtest00001").await;

    harness.set_time(ny_nine("2026-06-01") + TimeDelta::minutes(5));
    harness.start_bot().await;
    let post = harness.wait_daily_post(CHANNEL, 1).await;
    assert_eq!(post.id, claim.id);
    assert_eq!(
        harness.daily_messages(CHANNEL).len(),
        1,
        "the sent message was adopted, not resent"
    );

    // And a claim that never reached Discord is sent once, with its nonce.
    let (mut other, _) = crashed_after_claiming(OTHER_CHANNEL, "qotdcrashtest00002").await;
    other.set_time(ny_nine("2026-06-01") + TimeDelta::minutes(5));
    other.start_bot().await;
    other.wait_daily_post(OTHER_CHANNEL, 1).await;
    assert_eq!(other.daily_messages(OTHER_CHANNEL).len(), 1);
    assert_eq!(
        other.daily_messages(OTHER_CHANNEL)[0].nonce.as_deref(),
        Some("qotdcrashtest00002")
    );
    harness.fake.assert_clean();
    other.fake.assert_clean();
}

#[tokio::test]
async fn a_channel_the_bot_cannot_post_in_raises_one_alert_and_does_not_stop_the_others() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.qotd_on("alerts", ALERTS_CHANNEL).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness.setup_nine_new_york(OTHER_CHANNEL, vec![]).await;
    harness.fake.deny_channel(CHANNEL);

    harness.tick_to(ny_nine("2026-06-01")).await;
    harness.wait_daily_post(OTHER_CHANNEL, 1).await;
    harness
        .wait_message_in(ALERTS_CHANNEL, "Missing Permissions")
        .await;
    let schedule = harness.schedule(CHANNEL).await;
    assert!(
        schedule
            .alert
            .as_deref()
            .is_some_and(|a| a.contains("Missing Permissions"))
    );
    assert!(schedule.is_running(), "the schedule stays");
    assert_eq!(
        harness.store().latest_daily_post(CHANNEL).await.unwrap(),
        None,
        "the refused day is skipped"
    );

    // The retry 15 minutes later fails the same way: no second alert.
    harness
        .tick_to(ny_nine("2026-06-01") + TimeDelta::minutes(16))
        .await;
    assert_eq!(harness.fake.messages_in(ALERTS_CHANNEL).len(), 1);

    // Permission fixed: the next retry posts, and the alert clears.
    harness.fake.allow_channel(CHANNEL);
    harness
        .tick_to(ny_nine("2026-06-01") + TimeDelta::minutes(32))
        .await;
    harness.wait_daily_post(CHANNEL, 1).await;
    let schedule = harness.schedule(CHANNEL).await;
    assert_eq!(schedule.alert, None);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn transient_discord_errors_are_retried_and_still_post_exactly_once() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness.fake.queue_faults([
        fake_discord::Fault::ServerError,
        fake_discord::Fault::RateLimited { retry_after: 0.05 },
        fake_discord::Fault::ServerError,
    ]);
    post_day(&harness, "2026-06-01", 1).await;
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_deleted_channel_raises_an_alert_and_keeps_the_schedule() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.qotd_on("alerts", ALERTS_CHANNEL).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness.fake.delete_channel(CHANNEL);
    harness.tick_to(ny_nine("2026-06-01")).await;
    let alert = harness
        .wait_until("the alert message", async || {
            harness.fake.messages_in(ALERTS_CHANNEL).into_iter().next()
        })
        .await;
    assert!(
        alert.content().contains("Unknown Channel"),
        "{}",
        alert.content()
    );
    assert!(alert.content().contains(&format!("<#{CHANNEL}>")));
    assert!(harness.schedule(CHANNEL).await.is_running());
    harness.fake.assert_clean();
}

/// A message as Discord stores it, posted at `at`, by a member unless changed.
fn message_at(harness: &Harness, channel: u64, user: u64, at: &str) -> serde_json::Value {
    let mut message = fake_discord::fixtures::member_message(
        harness.fake.next_id(),
        channel,
        GUILD,
        user,
        "m",
        &[],
        "an answer",
    );
    message["timestamp"] = json!(at);
    message
}

#[tokio::test]
async fn answers_posted_while_the_bot_was_down_count_once_it_is_back_before_the_next_question() {
    let second = MEMBER + 1;
    let (mut harness, day_one) = Harness::with_first_post(vec![]).await;
    for user in [MEMBER, second] {
        harness.answer_and_wait(&day_one, user).await;
    }
    let day_two = post_day(&harness, "2026-06-02", 2).await;
    let thread = day_two.thread_id.unwrap();
    harness.stop_bot().await;

    // While the bot is down: a member answers in the thread (twice), another replies
    // to the post in the channel; a bot and a webhook post in the thread too. A new
    // session is not sent what was posted before it: the bot reads them back.
    let first = message_at(&harness, thread, MEMBER, "2026-06-02T14:00:00.000000+00:00");
    harness.fake.store_message(first);
    let again = message_at(&harness, thread, MEMBER, "2026-06-02T14:05:00.000000+00:00");
    harness.fake.store_message(again);
    let reply = message_at(
        &harness,
        CHANNEL,
        second,
        "2026-06-02T15:30:00.000000+00:00",
    );
    harness.fake.store_message(as_reply_to(reply, &day_two));
    let mut from_bot = message_at(&harness, thread, 777, "2026-06-02T14:10:00.000000+00:00");
    from_bot["author"] = fake_discord::fixtures::user(777, "otherbot", true);
    harness.fake.store_message(from_bot);
    let mut from_webhook = message_at(&harness, thread, 778, "2026-06-02T14:20:00.000000+00:00");
    from_webhook["webhook_id"] = json!("778");
    harness.fake.store_message(from_webhook);

    // Back the next day, after its post time.
    harness.set_time(at("2026-06-03T13:30:00Z"));
    harness.start_bot().await;
    let day_three = harness.wait_daily_post(CHANNEL, 3).await;
    assert_eq!(day_three.local_date.to_string(), "2026-06-03");

    assert_eq!(
        harness.answered_at(day_two.id, MEMBER).await,
        Some(at("2026-06-02T14:00:00Z")),
        "the time of the first message, as Discord gives it"
    );
    assert_eq!(
        harness.answered_at(day_two.id, second).await,
        Some(at("2026-06-02T15:30:00Z"))
    );
    for user in [777, 778] {
        assert_eq!(harness.answered_at(day_two.id, user).await, None);
    }
    // Recorded before day three was posted, so both streaks go on.
    for user in [MEMBER, second] {
        let streak = harness.streak(user).await;
        assert_eq!(
            (streak.current, streak.total, streak.unaided),
            (2, 2, 2),
            "user {user}"
        );
    }
    assert_eq!(harness.store().answer_count(day_two.id).await.unwrap(), 2);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_claim_in_a_busy_channel_that_cannot_be_read_is_retried_later_never_resent_blind() {
    // A crash right after Discord created the message, before it was recorded; and
    // the bot comes back after Discord's nonce window, so a resend would post twice.
    let (mut harness, claim) = crashed_after_claiming(CHANNEL, "qotdcrashtest00003").await;
    let sent = sent_before_the_crash(&harness, "qotdcrashtest00003").await;
    harness.fake.forget_nonces();
    // The channel moved on: 150 messages since, so the post is on the second page.
    for n in 0..150 {
        harness
            .fake
            .member_posts(GUILD, CHANNEL, MEMBER + n, &[], "chatter");
    }
    // Reading the channel fails more often than the bot retries within one pass.
    harness.fake.queue_faults_on(
        "GET",
        &format!("/channels/{CHANNEL}/messages"),
        [fake_discord::Fault::ServerError; 4],
    );

    harness.set_time(ny_nine("2026-06-01") + TimeDelta::minutes(5));
    harness.start_bot().await;
    harness
        .tick_to(ny_nine("2026-06-01") + TimeDelta::minutes(5))
        .await;
    assert!(
        harness.daily_messages(CHANNEL).len() == 1,
        "nothing resent while the channel could not be read"
    );
    harness
        .tick_to(ny_nine("2026-06-01") + TimeDelta::minutes(6))
        .await;
    let post = harness.wait_daily_post(CHANNEL, 1).await;
    assert_eq!(post.id, claim.id);
    assert_eq!(
        post.message_id.map(|id| id.to_string()),
        sent["id"].as_str().map(str::to_owned),
        "the message sent before the crash was adopted"
    );
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    // The 500s were the faults this test injected, and nothing else went wrong.
    let problems: Vec<String> = harness
        .fake
        .problems()
        .into_iter()
        .filter(|p| !p.contains("500"))
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn lightbulbs_added_or_removed_while_the_bot_was_down_are_read_back_and_can_reveal() {
    let (second, third) = (MEMBER + 1, MEMBER + 2);
    let (mut harness, post) =
        Harness::with_first_post(vec![integer_option("reveal_reactions", 2)]).await;
    let message_id = post.message_id.unwrap();
    harness.lightbulb_handled(message_id, second).await;
    harness.stop_bot().await;

    // While down: the live reactor takes theirs back, a member and a bot react.
    harness.take_back_lightbulb(message_id, second);
    harness.lightbulb(message_id, MEMBER);
    harness.react(message_id, 777, "💡", true);
    harness.set_time(at("2026-06-01T13:30:00Z"));
    harness.start_bot().await;
    harness.tick_to(at("2026-06-01T13:30:00Z")).await;
    assert_eq!(
        harness.store().reveal_reactors(post.id).await.unwrap(),
        vec![MEMBER],
        "Discord's reactors now: one member (the bot does not count)"
    );
    assert_eq!(harness.edit_count(message_id), 0, "1 of 2: not revealed");
    harness.stop_bot().await;

    // A second member reacts while down: enough, revealed once at the next start.
    harness.lightbulb(message_id, third);
    harness.set_time(at("2026-06-01T13:40:00Z"));
    harness.start_bot().await;
    harness.tick_to(at("2026-06-01T13:40:00Z")).await;
    // The start's catch-up reads the reactions after READY, beside the scheduler's
    // pass: wait for the reveal it makes before reading what was stored.
    harness
        .wait_message_in(post.thread_id.unwrap(), "Hint revealed")
        .await;
    let stored = harness.stored_post(post.id).await;
    assert_eq!(stored.reveal_reason, Some(RevealReason::Reactions));
    assert_eq!(stored.revealed_at, Some(at("2026-06-01T13:40:00Z")));
    // The start's catch-up reveals it while the scheduler's first pass finishes
    // unshown reveals: only one of them shows it.
    assert_eq!(harness.edit_count(message_id), 1);
    assert_eq!(harness.hint_announcements(post.thread_id.unwrap()), 1);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_server_that_removed_the_bot_gets_no_post_attempts_and_resumes_when_it_is_back() {
    let (log, _log_guard) = crate::support::disk_faults::CapturedLog::install();
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    // Kicked: GUILD_DELETE without `unavailable`. An outage (with it) is not a removal.
    harness.fake.dispatch(
        "GUILD_DELETE",
        json!({ "id": OTHER_GUILD.to_string(), "unavailable": true }),
    );
    harness
        .fake
        .dispatch("GUILD_DELETE", json!({ "id": GUILD.to_string() }));
    harness
        .wait_until("the removal to be handled", async || {
            log.lines_with("removed from a server").len() == 1
        })
        .await;

    let since = harness.fake.request_count();
    harness.tick_to(ny_nine("2026-06-01")).await;
    harness
        .tick_to(ny_nine("2026-06-01") + TimeDelta::minutes(20))
        .await;
    assert!(
        harness
            .requests_since(since, "POST", &format!("/channels/{CHANNEL}"))
            .is_empty(),
        "no post attempts in a server the bot is not in"
    );
    assert!(log.lines_with("removed from a server")[0].contains(&GUILD.to_string()));

    // Invited back the same day: the day's question comes, late, once.
    let channels = vec![fake_discord::fixtures::channel(
        CHANNEL, GUILD, "daily", 0, None,
    )];
    harness.fake.dispatch(
        "GUILD_CREATE",
        fake_discord::fixtures::guild(GUILD, "Interview Prep", fake_discord::OWNER_ID, &channels),
    );
    let post = harness.wait_daily_post(CHANNEL, 1).await;
    assert_eq!(post.local_date.to_string(), "2026-06-01");
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    assert_eq!(
        log.lines_with("removed from a server").len(),
        1,
        "{}",
        log.text()
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_system_message_in_the_thread_is_not_an_answer() {
    let (harness, post) = Harness::with_first_post(vec![]).await;
    let thread = post.thread_id.unwrap();
    // "MEMBER pinned a message" is authored by the member, but it is not an answer.
    let handled = harness.count(Counter::MessagesHandled);
    let mut pin = message_at(&harness, thread, MEMBER, "2026-06-01T13:01:00.000000+00:00");
    pin["type"] = json!(6);
    harness.fake.post_message(pin);
    harness
        .wait_count(Counter::MessagesHandled, handled + 1)
        .await;
    harness.answer_and_wait(&post, MEMBER + 1).await;
    assert_eq!(harness.answered_at(post.id, MEMBER).await, None);
    assert_eq!(harness.store().answer_count(post.id).await.unwrap(), 1);
}

/// SPEC §5: an answer made a second before the next question was claimed, which the
/// gateway delivers only after that question is posted (or which another process, or
/// an admin's `/qotd post`, beat to the database), keeps the member's streak; one made
/// a second after the claim does not count (issue 27, item 2).
#[tokio::test]
async fn an_answer_made_before_the_next_post_but_delivered_after_it_keeps_the_streak() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let first = harness.first_post_at_nine(CHANNEL, vec![]).await;
    harness.set_time(at("2026-06-01T13:05:00Z"));
    harness.answer_and_wait(&first, MEMBER).await;
    harness.answer_and_wait(&first, MEMBER + 1).await;
    let second = post_day(&harness, "2026-06-02", 2).await;
    let third = post_day(&harness, "2026-06-03", 3).await;
    assert_eq!(
        harness.streak(MEMBER).await.current,
        0,
        "question 2 missed, so far"
    );
    // Both messages reach the bot now, stamped by Discord when they were made.
    harness.set_time(third.claimed_at - chrono::TimeDelta::seconds(1));
    harness.answer_and_wait(&second, MEMBER).await;
    harness.set_time(third.claimed_at + chrono::TimeDelta::seconds(1));
    harness.answer_and_wait(&second, MEMBER + 1).await;
    let kept = harness.streak(MEMBER).await;
    assert_eq!(
        (kept.current, kept.total, kept.last_answered_seq),
        (2, 2, Some(2))
    );
    let late = harness.streak(MEMBER + 1).await;
    assert_eq!((late.current, late.total), (0, 1), "made after the claim");
    harness.fake.assert_clean();
}

/// Discord may deliver the events of a call before its answer (issue 27, item 3). A
/// reply to the daily post made before the bot got the answer to its create-message
/// call, and a message in the thread made before it got the answer to its
/// thread-creation call, count live, without a restart.
#[tokio::test]
async fn answers_made_before_the_bot_knows_its_post_or_its_thread_count_live() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    let late = || {
        [fake_discord::Fault::AnswerLate(
            std::time::Duration::from_secs(2),
        )]
    };
    let sent_at = |harness: &Harness, day: &str| {
        harness.set_time(ny_nine(day) + TimeDelta::seconds(1));
        harness.app().scheduler.wake();
    };

    // Day 1: the post is in the channel, the bot waits for the answer to its send.
    harness
        .fake
        .queue_faults_on("POST", &format!("/channels/{CHANNEL}/messages"), late());
    sent_at(&harness, "2026-06-01");
    let post = harness
        .wait_until("the post in the channel", async || {
            daily_messages(&harness.fake, CHANNEL).first().map(|m| m.id)
        })
        .await;
    let mut reply = message_at(
        &harness,
        CHANNEL,
        MEMBER,
        "2026-06-01T13:00:02.000000+00:00",
    );
    reply["type"] = json!(19);
    reply["message_reference"] = json!({
        "message_id": post.to_string(),
        "channel_id": CHANNEL.to_string(),
    });
    harness.fake.post_message(reply);
    let first = harness.wait_daily_post(CHANNEL, 1).await;
    harness.wait_answer(first.id, MEMBER).await;

    // Day 2: the thread is open, the bot waits for the answer to its creation.
    let prefix = format!("/channels/{CHANNEL}/messages/");
    harness.fake.queue_faults_on("POST", &prefix, late());
    sent_at(&harness, "2026-06-02");
    let thread = harness
        .wait_until("the second post's thread", async || {
            let posts = daily_messages(&harness.fake, CHANNEL);
            posts
                .get(1)
                .and_then(|m| harness.fake.message(m.id)?.thread_id)
        })
        .await;
    harness
        .fake
        .member_posts(GUILD, thread, MEMBER + 1, &[], "an answer");
    let second = harness.wait_daily_post(CHANNEL, 2).await;
    assert_eq!(second.thread_id, Some(thread));
    harness.wait_answer(second.id, MEMBER + 1).await;
    assert_eq!(harness.streak(MEMBER + 1).await.current, 1);
    harness.fake.assert_clean();
}

/// SPEC §12: a channel Discord refuses (403) for 3 days makes at most 4 refused calls
/// an hour and ends paused, with exactly one alert naming the cause; `/qotd status`
/// says why it is paused, and `/qotd resume` starts it again (issue 28).
#[tokio::test]
async fn a_channel_refused_for_three_days_is_retried_four_times_an_hour_then_paused() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.qotd_on("alerts", ALERTS_CHANNEL).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness.fake.deny_channel(CHANNEL);
    let refused_calls = || {
        harness
            .fake
            .requests()
            .into_iter()
            .filter(|r| r.status == 403 && r.path.starts_with(&format!("/channels/{CHANNEL}/")))
            .count()
    };
    for day in ["2026-06-01", "2026-06-02", "2026-06-03"] {
        // The scheduler wakes every 5 minutes for the first two hours of the day;
        // `at_tick[i]`: the refused calls made at the i-th wake.
        let mut at_tick = Vec::new();
        for step in 0..24 {
            let before = refused_calls();
            harness
                .tick_to(ny_nine(day) + TimeDelta::minutes(5 * step))
                .await;
            at_tick.push(refused_calls() - before);
        }
        let most_in_an_hour = at_tick
            .windows(12)
            .map(|hour| hour.iter().sum::<usize>())
            .max();
        // Every 15 minutes on days 1 and 2; on day 3 the first refusal pauses it.
        let expected = if day == "2026-06-03" { 1 } else { 4 };
        assert_eq!(most_in_an_hour, Some(expected), "{day}: {at_tick:?}");
    }
    let schedule = harness.schedule(CHANNEL).await;
    assert!(schedule.paused, "paused after the third day: {schedule:?}");
    let alerts = harness.fake.messages_in(ALERTS_CHANNEL);
    assert_eq!(alerts.len(), 1, "exactly one alert");
    assert!(alerts[0].content().contains("Missing Permissions"));
    assert!(alerts[0].content().contains("3 days in a row"));
    // Paused: no more calls the next day.
    let before = refused_calls();
    harness.tick_to(ny_nine("2026-06-04")).await;
    assert_eq!(refused_calls(), before, "a paused schedule makes no calls");
    let token = harness.qotd(&admin(), "status", json!([]));
    let status = harness.reply(&token).await;
    assert!(
        status
            .text()
            .contains("after 3 days in a row of refused posts"),
        "{}",
        status.text()
    );

    // Permission fixed and resumed: the next post goes out, nothing paused any more.
    harness.fake.allow_channel(CHANNEL);
    let resumed = harness.qotd_on("resume", CHANNEL).await;
    assert!(resumed.content.starts_with("▶️") || !resumed.text().is_empty());
    harness.tick_to(ny_nine("2026-06-05")).await;
    harness.wait_daily_post(CHANNEL, 1).await;
    let schedule = harness.schedule(CHANNEL).await;
    assert!(!schedule.paused);
    assert_eq!((schedule.alert, schedule.refusals), (None, None));
    harness.fake.assert_clean();
}
