//! Reminders, role rewards and seasons (SPEC §14), end to end through the fake
//! Discord with the clock walked.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::support::*;
use qotd::engagement::port::EngagementPort;
use qotd::storage::DailyPost;

const SECOND: u64 = 555_555_555_555_555_003;
const THIRD: u64 = 555_555_555_555_555_004;
const FOURTH: u64 = 555_555_555_555_555_005;
const FIFTH: u64 = 555_555_555_555_555_006;

/// A role below the bot's, and one above it.
const WEEK_ROLE: u64 = 666_666_666_666_666_001;
const HIGH_ROLE: u64 = 666_666_666_666_666_002;
const CHAMPION_ROLE: u64 = 666_666_666_666_666_003;

fn with_roles(harness: &Harness) {
    harness.fake.add_role(GUILD, WEEK_ROLE, 1);
    harness.fake.add_role(GUILD, CHAMPION_ROLE, 2);
    harness.fake.add_role(GUILD, HIGH_ROLE, 10);
    harness.fake.set_bot_role_position(GUILD, 5);
}

/// The role calls the bot made for `role` (`PUT` gives, `DELETE` takes).
fn role_calls(harness: &Harness, method: &str, role: u64) -> usize {
    harness
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path.ends_with(&format!("/roles/{role}")))
        .count()
}

async fn remind_on(harness: &mut Harness, user: u64, hours: Option<i64>) {
    let options = match hours {
        Some(hours) => {
            json!([{ "name": "on", "type": 1, "options": [integer_option("hours_before", hours)] }])
        }
        None => json!([{ "name": "on", "type": 1, "options": [] }]),
    };
    let token = harness.slash(&member(user), CHANNEL, "remind", options, json!({}));
    harness.reply(&token).await.assert_says("Reminders on");
}

#[tokio::test]
async fn a_reward_role_is_given_once_and_kept_and_a_role_above_the_bot_is_one_alert() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    with_roles(&harness);
    harness.qotd_on("alerts", ALERTS_CHANNEL).await;
    let day_one = harness.first_post_at_nine(CHANNEL, vec![]).await;

    // A member cannot use `/qotd rewards`: refused, nothing stored.
    let before = snapshot(harness.store()).await;
    for (sub, options) in [
        (
            "add",
            json!([integer_option("streak", 1), role_option("role", WEEK_ROLE)]),
        ),
        ("remove", json!([role_option("role", WEEK_ROLE)])),
        ("champion", json!([role_option("role", CHAMPION_ROLE)])),
        ("list", json!([])),
    ] {
        let token = harness.qotd_group(&member(MEMBER), "rewards", sub, options);
        harness.reply(&token).await.assert_says("Manage Server");
    }
    assert_eq!(snapshot(harness.store()).await, before);

    for (streak, role) in [(2, WEEK_ROLE), (1, HIGH_ROLE)] {
        let token = harness.qotd_group(
            &admin(),
            "rewards",
            "add",
            json!([integer_option("streak", streak), role_option("role", role)]),
        );
        harness.reply(&token).await.assert_says("get <@&");
    }
    harness.answer_and_wait(&day_one, MEMBER).await;
    harness.answer_and_wait(&day_one, SECOND).await;
    harness.tick_engagement(at("2026-06-01T14:00:00Z")).await;
    // Both members reached 1: the role above the bot's is tried once, then alerted.
    assert_eq!(role_calls(&harness, "PUT", HIGH_ROLE), 1);
    let alerts = harness.fake.messages_in(ALERTS_CHANNEL);
    assert_eq!(alerts.len(), 1, "one alert");
    assert!(
        alerts[0].json["content"]
            .as_str()
            .unwrap()
            .contains(&format!("<@&{HIGH_ROLE}>"))
    );
    assert!(harness.fake.member_roles(GUILD, MEMBER).is_empty());

    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    let day_two = harness.wait_daily_post(CHANNEL, 2).await;
    harness.answer_and_wait(&day_two, MEMBER).await;
    harness
        .wait_until("the member gets the week role", async || {
            harness.fake.member_roles(GUILD, MEMBER) == [WEEK_ROLE]
        })
        .await;
    // The streak breaks: two questions pass unanswered. The role stays.
    for day in [
        "2026-06-03T13:00:00Z",
        "2026-06-04T13:00:00Z",
        "2026-06-05T13:00:00Z",
    ] {
        harness.tick_to(at(day)).await;
        harness.tick_engagement(at(day)).await;
    }
    assert_eq!(harness.streak(MEMBER).await.current, 0);
    assert_eq!(harness.fake.member_roles(GUILD, MEMBER), [WEEK_ROLE]);
    assert_eq!(role_calls(&harness, "PUT", WEEK_ROLE), 1, "given once");
    assert_eq!(role_calls(&harness, "DELETE", WEEK_ROLE), 0);
    assert_eq!(
        role_calls(&harness, "PUT", HIGH_ROLE),
        1,
        "never tried again"
    );
    assert_eq!(harness.fake.messages_in(ALERTS_CHANNEL).len(), 1);

    let token = harness.qotd_group(&admin(), "rewards", "list", json!([]));
    harness
        .reply(&token)
        .await
        .assert_says("Discord refused it");
    harness.assert_no_mass_pings();
    harness.fake.assert_clean();
}

/// Day one of `channel` at 09:00 New York, answered by `answering`; then day two,
/// answered by `day_two_answering`. Returns day two's post.
async fn two_days(
    harness: &mut Harness,
    answering: &[u64],
    day_two_answering: &[u64],
) -> DailyPost {
    let day_one = harness.first_post_at_nine(CHANNEL, vec![]).await;
    for &user in answering {
        harness.answer_and_wait(&day_one, user).await;
    }
    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    let day_two = harness.wait_daily_post(CHANNEL, 2).await;
    for &user in day_two_answering {
        harness.answer_and_wait(&day_two, user).await;
    }
    day_two
}

#[tokio::test]
async fn a_reminder_is_one_dm_at_its_hour_to_an_opted_in_member_with_a_streak_to_lose() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.fake.block_dms(FIFTH);
    for user in [MEMBER, SECOND, FOURTH, FIFTH] {
        remind_on(&mut harness, user, None).await;
    }
    // MEMBER: a streak, day two unanswered. SECOND: answered day two. THIRD: a streak,
    // never opted in. FOURTH: no streak. FIFTH: cannot be messaged.
    let day_two = two_days(&mut harness, &[MEMBER, SECOND, THIRD, FIFTH], &[SECOND]).await;

    // Day three's post is at 13:00 UTC: the reminders fall 3 hours before.
    harness.tick_engagement(at("2026-06-03T09:59:00Z")).await;
    assert!(reminders_to(&harness, MEMBER).is_empty(), "not yet");
    harness.tick_engagement(at("2026-06-03T10:00:00Z")).await;
    let dms = reminders_to(&harness, MEMBER);
    assert_eq!(dms.len(), 1);
    let text = dms[0].json["content"].as_str().unwrap().to_owned();
    let link = format!("/{GUILD}/{CHANNEL}/{}", day_two.message_id.unwrap());
    assert!(text.contains(&link), "{text}");
    assert!(text.contains("streak of **1**"), "{text}");
    for user in [SECOND, THIRD, FOURTH] {
        assert!(reminders_to(&harness, user).is_empty(), "{user}");
    }
    // FIFTH was tried once (Discord's 50007), and is switched off.
    assert_eq!(dm_channel_opens(&harness, FIFTH), 1);
    assert_eq!(harness.store().reminder(GUILD, FIFTH).await.unwrap(), None);

    // Later the same day: nothing more.
    harness.tick_engagement(at("2026-06-03T11:00:00Z")).await;
    assert_eq!(reminders_to(&harness, MEMBER).len(), 1, "one a day");

    // Stop reminders, in the DM: none the next day although the streak is at stake.
    let button = dms[0].json["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = harness.press_dm_button(MEMBER, dms[0].channel_id, &button, dms[0].json.clone());
    harness.reply(&token).await.assert_says("Reminders off");
    assert_eq!(harness.store().reminder(GUILD, MEMBER).await.unwrap(), None);
    harness.tick_to(at("2026-06-03T13:00:00Z")).await;
    let day_three = harness.wait_daily_post(CHANNEL, 3).await;
    harness.answer_and_wait(&day_three, MEMBER).await;
    harness.tick_to(at("2026-06-04T13:00:00Z")).await;
    harness.tick_engagement(at("2026-06-05T10:30:00Z")).await;
    assert_eq!(reminders_to(&harness, MEMBER).len(), 1);
    assert_eq!(dm_channel_opens(&harness, FIFTH), 1, "no retry");
    harness.assert_no_mass_pings();
}

/// The reminders in `user`'s direct messages (not the replies to their buttons).
fn reminders_to(harness: &Harness, user: u64) -> Vec<fake_discord::StoredMessage> {
    let dms = harness.fake.dms_to(user);
    dms.into_iter()
        .filter(|m| {
            m.json["content"]
                .as_str()
                .is_some_and(|t| t.starts_with("⏰"))
        })
        .collect()
}

/// How many times the bot opened a DM channel with `user`.
fn dm_channel_opens(harness: &Harness, user: u64) -> usize {
    harness
        .fake
        .requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.path.ends_with("/users/@me/channels")
                && r.body
                    .as_ref()
                    .is_some_and(|b| b["recipient_id"] == json!(user.to_string()))
        })
        .count()
}

#[tokio::test]
async fn a_reminder_follows_the_local_clock_on_the_day_summer_time_ends() {
    // New York leaves summer time on 2026-11-01: 09:00 is 14:00 UTC from that day.
    let mut harness = Harness::started(at("2026-10-30T12:00:00Z")).await;
    remind_on(&mut harness, MEMBER, Some(3)).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness.tick_to(at("2026-10-30T13:00:00Z")).await;
    let day_one = harness.wait_daily_post(CHANNEL, 1).await;
    harness.answer_and_wait(&day_one, MEMBER).await;
    harness.tick_to(at("2026-10-31T13:00:00Z")).await;
    harness.wait_daily_post(CHANNEL, 2).await;
    // 06:00 the day before was 10:00 UTC; this day it is 11:00 UTC.
    harness.tick_engagement(at("2026-11-01T10:00:00Z")).await;
    assert!(
        reminders_to(&harness, MEMBER).is_empty(),
        "06:00 EST is 11:00 UTC"
    );
    harness.tick_engagement(at("2026-11-01T11:00:00Z")).await;
    assert_eq!(reminders_to(&harness, MEMBER).len(), 1);
}

#[tokio::test]
async fn two_processes_on_the_shard_send_one_reminder() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    remind_on(&mut harness, MEMBER, None).await;
    two_days(&mut harness, &[MEMBER], &[]).await;
    let now = at("2026-06-03T10:00:00Z");
    harness.set_time(now);
    let other = harness.new_app().await;
    let port = harness.discord_http();
    let (mut mine, mut theirs) = Default::default();
    let _ = tokio::join!(
        qotd::engagement::run_pass(harness.app(), &port, now, true, &mut mine),
        qotd::engagement::run_pass(&other, &port, now, true, &mut theirs),
    );
    harness.tick_engagement(now).await;
    assert_eq!(reminders_to(&harness, MEMBER).len(), 1);
}

/// An answer the test made: who, when, and whether before the hint.
struct Given {
    user: u64,
    at: DateTime<Utc>,
    unaided: bool,
}

/// The season ranking by the rules of SPEC §14, computed here: most answers, then
/// most unaided, then who reached the count first.
fn expected_ranking(answers: &[Given]) -> Vec<u64> {
    let mut members: HashMap<u64, (u32, u32, DateTime<Utc>)> = HashMap::new();
    for answer in answers {
        let entry = members.entry(answer.user).or_insert((0, 0, answer.at));
        entry.0 += 1;
        entry.1 += u32::from(answer.unaided);
        entry.2 = entry.2.max(answer.at);
    }
    let mut ranking: Vec<_> = members.into_iter().collect();
    ranking.sort_by_key(|(user, (n, unaided, last))| {
        (
            std::cmp::Reverse(*n),
            std::cmp::Reverse(*unaided),
            *last,
            *user,
        )
    });
    ranking.into_iter().map(|(user, _)| user).collect()
}

/// The members a ranking message lists, in order.
fn listed(text: &str) -> Vec<u64> {
    text.split("<@")
        .skip(1)
        .filter_map(|rest| rest.split('>').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn a_season_ranks_the_month_and_its_end_posts_the_standings_once_and_moves_the_champion() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    with_roles(&harness);
    harness.setup_nine_new_york(OTHER_CHANNEL, vec![]).await;
    let reveal = vec![integer_option("reveal_after", 60)];
    let mut post = harness.first_post_at_nine(CHANNEL, reveal).await;
    let token = harness.qotd_group(
        &admin(),
        "rewards",
        "champion",
        json!([role_option("role", CHAMPION_ROLE)]),
    );
    harness.reply(&token).await.assert_says("champion gets");
    // May's champion holds the role.
    // May's champion holds the role. (The bot closed May when it started, with
    // nobody: its champion is written here.)
    on_pool!(harness.store(), |pool| sqlx::query(
        "UPDATE season_champions SET user_id = $1 WHERE guild_id = $2 AND season = '2026-05'"
    )
    .bind(FOURTH as i64)
    .bind(GUILD as i64)
    .execute(pool)
    .await
    .map(|done| assert_eq!(done.rows_affected(), 1))
    .unwrap());
    harness
        .discord_http()
        .add_role(GUILD, FOURTH, CHAMPION_ROLE)
        .await
        .unwrap();

    // Three days: MEMBER and SECOND tie on answers and unaided ones (SECOND got there
    // first); THIRD answers as often, once after the hint; FOURTH once.
    let plan: [&[(u64, bool)]; 3] = [
        &[
            (SECOND, true),
            (MEMBER, true),
            (THIRD, true),
            (FOURTH, true),
        ],
        &[(SECOND, true), (MEMBER, true), (THIRD, false)],
        &[(SECOND, true), (MEMBER, true), (THIRD, true)],
    ];
    let mut given = Vec::new();
    for (day, answers) in plan.iter().enumerate() {
        let start = at(&format!("2026-06-0{}T13:00:00Z", day + 1));
        for (place, &(user, unaided)) in answers.iter().enumerate() {
            match unaided {
                true => harness.set_time(start + chrono::TimeDelta::minutes(place as i64 + 1)),
                false => {
                    harness
                        .tick_to(post.reveal_due_at + chrono::TimeDelta::minutes(1))
                        .await
                }
            }
            harness.answer_and_wait(&post, user).await;
            let at = harness.answered_at(post.id, user).await.unwrap();
            given.push(Given { user, at, unaided });
        }
        let next = at(&format!("2026-06-0{}T13:00:00Z", day + 2));
        harness.tick_to(next).await;
        post = harness.wait_daily_post(CHANNEL, day as i64 + 2).await;
    }
    let expected = expected_ranking(&given);
    assert_eq!(expected, [SECOND, MEMBER, THIRD, FOURTH]);
    let token = harness.slash(
        &member(MEMBER),
        CHANNEL,
        "leaderboard",
        json!([{ "name": "scope", "type": 4, "value": 2 }]),
        json!({}),
    );
    let season = harness.reply(&token).await.text();
    assert_eq!(listed(&season), expected, "{season}");

    // A restart a second before the month ends; then midnight in New York.
    harness.set_time(at("2026-07-01T03:59:59Z"));
    harness.restart_bot().await;
    harness.tick_engagement(at("2026-07-01T03:59:59Z")).await;
    assert!(standings(&harness, CHANNEL).is_empty());
    let end = at("2026-07-01T04:00:00Z");
    harness.set_time(end);
    let other = harness.new_app().await;
    let port = harness.discord_http();
    let mut theirs = Default::default();
    let (_, ()) = tokio::join!(
        qotd::engagement::run_pass(&other, &port, end, true, &mut theirs),
        harness.tick_engagement(end),
    );
    harness.tick_engagement(at("2026-07-01T05:00:00Z")).await;
    for channel in [CHANNEL, OTHER_CHANNEL] {
        let posts = standings(&harness, channel);
        assert_eq!(posts.len(), 1, "one standings post in {channel}");
        assert_eq!(listed(&posts[0]), expected);
        assert!(posts[0].contains("June 2026"));
    }
    assert_eq!(harness.fake.member_roles(GUILD, SECOND), [CHAMPION_ROLE]);
    assert!(
        harness.fake.member_roles(GUILD, FOURTH).is_empty(),
        "May's champion lost it"
    );
    assert_eq!(
        role_calls(&harness, "PUT", CHAMPION_ROLE),
        2,
        "May's, then June's"
    );
    harness.assert_no_mass_pings();
}

/// The texts of the season standings posts in `channel`.
fn standings(harness: &Harness, channel: u64) -> Vec<String> {
    harness
        .fake
        .messages_in(channel)
        .iter()
        .filter(|m| {
            m.json["embeds"][0]["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("🏆 Final standings"))
        })
        .map(|m| m.json["embeds"][0].to_string())
        .collect()
}
