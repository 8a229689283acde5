//! Slash commands end to end through the fake Discord.

use crate::support::*;
use chrono::TimeDelta;
use chrono_tz::America::New_York;
use qotd::core::daily_schedule::post_instant_on;
use qotd::core::question_bank::Question;
use qotd::core::ranking::{self, Standing};
use serde_json::{Value, json};

fn user_option(name: &str, id: u64) -> Value {
    json!({ "name": name, "type": 6, "value": id.to_string() })
}

fn resolved_user(id: u64, bot: bool) -> Value {
    let mut user = fake_discord::fixtures::user(id, &format!("user{id}"), bot);
    user["bot"] = json!(bot);
    json!({ "users": { id.to_string(): user } })
}

#[tokio::test]
async fn setup_at_0858_for_0900_replies_with_the_next_post_time_and_posts_at_0900() {
    let nine = post_instant_on(
        "2026-06-01".parse().unwrap(),
        "09:00".parse().unwrap(),
        New_York,
    );
    let mut harness = Harness::started(nine - TimeDelta::minutes(2)).await;
    let reply = harness.setup_nine_new_york(CHANNEL, vec![]).await;
    assert!(reply.ephemeral);
    assert!(
        reply
            .content
            .contains(&format!("<t:{}:F>", nine.timestamp())),
        "{}",
        reply.content
    );
    assert!(reply.content.contains("09:00 America/New_York"));

    harness.tick_to(nine - TimeDelta::minutes(1)).await;
    assert!(harness.daily_messages(CHANNEL).is_empty());
    harness.tick_to(nine).await;
    let post = harness.wait_daily_post(CHANNEL, 1).await;
    assert_eq!(post.claimed_at, nine);
    harness.assert_no_mass_pings();
    harness.fake.assert_clean();
}

#[tokio::test]
async fn setup_updates_an_existing_schedule_and_keeps_unset_options() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness
        .setup(
            CHANNEL,
            "09:00",
            "Europe/Berlin",
            vec![
                integer_option("reveal_reactions", 4),
                string_option("category", "scenario"),
            ],
        )
        .await;
    let reply = harness
        .setup(CHANNEL, "18:30", "europe/berlin", vec![])
        .await;
    assert!(reply.content.contains("Updated"), "{}", reply.content);
    let schedule = harness.store().schedule(CHANNEL).await.unwrap().unwrap();
    assert_eq!(schedule.post_time.to_string(), "18:30");
    assert_eq!(schedule.timezone.name(), "Europe/Berlin");
    assert_eq!(
        (schedule.reveal_reactions, schedule.reveal_after_minutes),
        (4, 240)
    );
    assert_eq!(schedule.category.as_deref(), Some("scenario"));
    harness
        .setup(
            CHANNEL,
            "18:30",
            "Europe/Berlin",
            vec![string_option("category", "all")],
        )
        .await;
    assert_eq!(
        harness
            .store()
            .schedule(CHANNEL)
            .await
            .unwrap()
            .unwrap()
            .category,
        None
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn remove_stops_the_schedule_and_keeps_history() {
    let (mut harness, post) = Harness::with_first_post(vec![]).await;

    let reply = harness.qotd_on("remove", CHANNEL).await;
    assert!(
        reply.ephemeral && reply.content.contains("no longer gets"),
        "{}",
        reply.text()
    );
    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    assert!(harness.store().daily_post(post.id).await.unwrap().is_some());
    harness.fake.assert_clean();
}

#[tokio::test]
async fn post_posts_todays_question_now_and_then_says_where_it_is() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness
        .setup(CHANNEL, "20:00", "America/New_York", vec![])
        .await;
    let reply = harness.qotd_on("post", CHANNEL).await;
    assert!(
        reply.content.contains("Posted question #1"),
        "{}",
        reply.text()
    );
    let post = harness.wait_daily_post(CHANNEL, 1).await;

    let reply = harness.qotd_on("post", CHANNEL).await;
    assert!(reply.ephemeral);
    let link = format!(
        "https://discord.com/channels/{GUILD}/{CHANNEL}/{}",
        post.message_id.unwrap()
    );
    assert!(
        reply.content.contains("already posted") && reply.content.contains(&link),
        "{}",
        reply.content
    );

    // At 20:00 nothing more is posted: today has its question.
    harness.tick_to(at("2026-06-02T00:00:00Z")).await;
    assert_eq!(harness.daily_messages(CHANNEL).len(), 1);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn skip_skips_the_next_question_of_the_rotation() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    let reply = harness.qotd_on("skip", CHANNEL).await;
    let skipped = reply.content.split('`').nth(1).unwrap().to_owned();
    harness.tick_to(at("2026-06-01T13:00:00Z")).await;
    let post = harness.wait_daily_post(CHANNEL, 1).await;
    assert_ne!(post.question_id, skipped);
    let state = harness.store().rotation_state(CHANNEL).await.unwrap();
    assert!(state.asked_in_pass.contains(&skipped));
    harness.fake.assert_clean();
}

#[tokio::test]
async fn status_lists_every_schedule_with_next_post_pass_progress_pause_and_alert() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness
        .setup(
            OTHER_CHANNEL,
            "07:15",
            "Europe/Berlin",
            vec![string_option("category", "behavioral")],
        )
        .await;
    harness.qotd_on("pause", OTHER_CHANNEL).await;
    harness
        .store()
        .set_schedule_alert(
            CHANNEL,
            "403 Missing Permissions (50013)",
            at("2026-06-01T12:00:00Z"),
        )
        .await
        .unwrap();

    let token = harness.qotd(&admin(), "status", json!([]));
    let reply = harness.reply(&token).await;
    assert!(reply.ephemeral);
    let text = reply.embeds[0]["description"].as_str().unwrap().to_owned();
    let next = post_instant_on(
        "2026-06-01".parse().unwrap(),
        "09:00".parse().unwrap(),
        New_York,
    );
    assert!(
        text.contains(&format!(
            "<#{CHANNEL}> · **09:00 America/New_York** · next <t:{}:F>",
            next.timestamp()
        )),
        "{text}"
    );
    assert!(text.contains("50/50 questions left"), "{text}");
    assert!(
        text.contains("5/5 questions left") && text.contains("paused"),
        "{text}"
    );
    assert!(text.contains("⚠️ 403 Missing Permissions"), "{text}");
    harness.fake.assert_clean();
}

#[tokio::test]
async fn alerts_and_teams_are_managed_by_admins() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness
        .qotd_on("alerts", ALERTS_CHANNEL)
        .await
        .assert_says("report problems");
    assert_eq!(
        harness.store().alerts_channel(GUILD).await.unwrap(),
        Some(ALERTS_CHANNEL)
    );

    harness
        .qotd_team("team-add", "Night Owls")
        .await
        .assert_says("Created team **Night Owls**");
    let token = harness.slash(
        &member(MEMBER),
        CHANNEL,
        "team",
        json!([{ "name": "join", "type": 1, "options": [string_option("name", "night owls")] }]),
        json!({}),
    );
    let reply = harness.reply(&token).await;
    assert!(
        reply.ephemeral && reply.content.contains("You are in team **Night Owls**"),
        "{}",
        reply.text()
    );
    harness
        .qotd_team("team-remove", "Night Owls")
        .await
        .assert_says("Deleted team **Night Owls** (1 members)");
    assert_eq!(
        harness.store().member_team(GUILD, MEMBER).await.unwrap(),
        None
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn team_join_switches_teams_and_leave_leaves() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    for name in ["Owls", "Larks"] {
        harness.qotd_team("team-add", name).await;
    }
    let join = |name: &str| json!([{ "name": "join", "type": 1, "options": [string_option("name", name)] }]);
    let token = harness.slash(&member(MEMBER), CHANNEL, "team", join("Owls"), json!({}));
    harness.reply(&token).await;
    let token = harness.slash(&member(MEMBER), CHANNEL, "team", join("Larks"), json!({}));
    harness.reply(&token).await.assert_says("you left **Owls**");
    let token = harness.slash(
        &member(MEMBER),
        CHANNEL,
        "team",
        json!([{ "name": "leave", "type": 1, "options": [] }]),
        json!({}),
    );
    harness
        .reply(&token)
        .await
        .assert_says("You left team **Larks**");
    assert_eq!(
        harness.store().member_team(GUILD, MEMBER).await.unwrap(),
        None
    );
    harness.fake.assert_clean();
}

/// A `/quiz` the bot posted: its reply, its message and the question it shows.
struct PostedQuiz {
    reply: Reply,
    message_id: u64,
    question: Question,
}

/// `/quiz` with `options` by [`MEMBER`] in [`CHANNEL`]; waits until the bot added its
/// own 💡 (after recording the quiz, so a member's 💡 counts from then on).
async fn post_quiz(harness: &mut Harness, options: Value) -> PostedQuiz {
    let token = harness.slash(&member(MEMBER), CHANNEL, "quiz", options, json!({}));
    let reply = harness.reply(&token).await;
    let shown = reply.embeds[0]["description"].as_str().unwrap().to_owned();
    let question = harness
        .app()
        .library
        .default_bank()
        .questions()
        .iter()
        .find(|q| q.question == shown)
        .unwrap_or_else(|| panic!("the quiz shows no question of the bank: {shown}"))
        .clone();
    let message_id = harness
        .fake
        .interaction(&token)
        .unwrap()
        .original_message_id
        .unwrap();
    harness
        .wait_until("the quiz's own 💡", async || {
            harness
                .fake
                .message(message_id)
                .is_some_and(|m| m.own_reactions.contains("💡"))
        })
        .await;
    PostedQuiz {
        reply,
        message_id,
        question,
    }
}

/// The hint field of a quiz or daily post embed.
fn hint_field(message: &fake_discord::StoredMessage) -> &Value {
    &message.embeds()[0]["fields"][2]["value"]
}

/// The quiz message was edited once, to show the hint of its question.
fn assert_shows_its_hint_once(message: &fake_discord::StoredMessage, quiz: &PostedQuiz) {
    assert_eq!(message.edits.len(), 1, "edited once");
    assert_eq!(hint_field(message), &json!(quiz.question.hint));
}

#[tokio::test]
async fn quiz_posts_a_public_question_with_a_reveal_button_that_reveals_once_and_touches_no_streak()
{
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let quiz = post_quiz(
        &mut harness,
        json!([
            string_option("category", "workflow"),
            integer_option("difficulty", 4)
        ]),
    )
    .await;
    assert!(!quiz.reply.ephemeral, "a quiz is public");
    assert_eq!(quiz.reply.embeds[0]["title"], json!("Quiz"));
    assert_eq!(
        quiz.reply.data["components"][0]["components"][0]["custom_id"],
        json!("qotd:reveal-hint")
    );
    assert_eq!(
        (
            quiz.question.category.as_str(),
            quiz.question.difficulty.get()
        ),
        ("workflow", 4)
    );

    let message_json = harness.fake.message(quiz.message_id).unwrap().json;
    let press = harness.press_button(
        &member(MEMBER + 1),
        CHANNEL,
        "qotd:reveal-hint",
        message_json,
    );
    let callback = harness.waiter().callback(&press).await;
    assert_eq!(
        callback["type"],
        json!(7),
        "the button updates the quiz message"
    );
    let revealed = harness.fake.message(quiz.message_id).unwrap();
    assert_eq!(hint_field(&revealed), &json!(quiz.question.hint));
    assert_eq!(
        revealed.json["components"][0]["components"][0]["disabled"],
        json!(true)
    );
    assert!(
        harness
            .store()
            .member_streaks(GUILD, MEMBER)
            .await
            .unwrap()
            .is_empty()
    );

    // A second /quiz right away in the same channel is refused (cooldown).
    let reply = harness.member_command(MEMBER, "quiz").await;
    assert!(
        reply.ephemeral && reply.content.contains("just posted"),
        "{}",
        reply.text()
    );
    harness.assert_no_mass_pings();
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_lightbulb_on_a_quiz_reveals_the_hint_of_the_question_it_shows() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let quiz = post_quiz(&mut harness, json!([])).await;
    assert_ne!(
        hint_field(&harness.fake.message(quiz.message_id).unwrap()),
        &json!(quiz.question.hint)
    );

    harness.lightbulb(quiz.message_id, MEMBER + 1);

    let revealed = harness.wait_edited(quiz.message_id).await;
    assert_shows_its_hint_once(&revealed, &quiz);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_lightbulb_on_a_quiz_posted_before_a_restart_reveals_its_hint() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let quiz = post_quiz(&mut harness, json!([])).await;
    harness.restart_bot().await;

    harness.lightbulb(quiz.message_id, MEMBER + 1);

    let revealed = harness.wait_edited(quiz.message_id).await;
    assert_shows_its_hint_once(&revealed, &quiz);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn streak_shows_current_best_total_unaided_and_the_next_question_for_each_channel() {
    let (mut harness, post) = Harness::with_first_post(vec![]).await;
    harness.answer_and_wait(&post, MEMBER).await;

    let token = harness.slash(
        &member(ADMIN),
        CHANNEL,
        "streak",
        json!([user_option("member", MEMBER)]),
        resolved_user(MEMBER, false),
    );
    let reply = harness.reply(&token).await;
    let text = reply.embeds[0]["description"].as_str().unwrap();
    let next = at("2026-06-02T13:00:00Z").timestamp();
    assert!(text.contains(&format!("<#{CHANNEL}> — 🔥 **1** current · best 1 · 1 answer (1 unaided) · next question <t:{next}:R>")), "{text}");
    harness.fake.assert_clean();
}

/// SPEC §9 end to end: seven answered days earn a freeze (shown by `/streak`); day 8
/// goes unanswered and the post of day 9 spends it: the streak stays 7 and `/streak`
/// names the day the freeze covered.
#[tokio::test]
async fn streak_shows_a_freeze_earned_in_a_week_and_the_day_it_was_spent() {
    let (mut harness, mut post) = Harness::with_first_post(vec![]).await;
    for day in 1..=9u32 {
        if day > 1 {
            harness
                .tick_to(at(&format!("2026-06-{day:02}T13:00:00Z")))
                .await;
            post = harness.wait_daily_post(CHANNEL, i64::from(day)).await;
        }
        if day <= 7 {
            harness.set_time(at(&format!("2026-06-{day:02}T13:05:00Z")));
            harness.answer_and_wait(&post, MEMBER).await;
        }
        if day == 7 {
            let text = harness.member_command(MEMBER, "streak").await.embeds[0]["description"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(text.contains("🔥 **7** current"), "{text}");
            assert!(text.contains("🧊 1 of 2 freezes held"), "{text}");
        }
    }
    let text = harness.member_command(MEMBER, "streak").await.embeds[0]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("🔥 **7** current · best 7"), "{text}");
    assert!(
        text.contains(
            "🧊 0 of 2 freezes held (one more every 7 answers in a row) · last used for Jun 8, 2026"
        ),
        "{text}"
    );
    harness.fake.assert_clean();
}

/// SPEC §9 repair: an admin sets a member's streak; it changes, one audit row records
/// who, when and old → new, and `/streak` says it was adjusted. (A member is refused:
/// `a_member_without_manage_server_is_refused_by_every_qotd_subcommand…`.)
#[tokio::test]
async fn qotd_streak_set_repairs_a_streak_records_it_once_and_streak_says_so() {
    let (mut harness, post) = Harness::with_first_post(vec![]).await;
    harness.answer_and_wait(&post, MEMBER).await;
    let token = harness.qotd(
        &admin(),
        "streak-set",
        json!([
            channel_option("channel", CHANNEL),
            user_option("member", MEMBER),
            integer_option("current", 12)
        ]),
    );
    let reply = harness.reply(&token).await;
    assert!(reply.ephemeral, "{}", reply.content);
    assert!(
        reply.content.contains("1 → **12** (best 1 → 12)"),
        "{}",
        reply.content
    );
    let streak = harness
        .store()
        .member_streak(CHANNEL, MEMBER)
        .await
        .unwrap();
    assert_eq!((streak.current, streak.best, streak.total), (12, 12, 1));
    let audit: Vec<(i64, i64, i64, i64, i64, i64)> = on_pool!(harness.store(), |pool| {
        sqlx::query_as(
        "SELECT user_id, admin_id, old_current, new_current, old_best, new_best FROM streak_adjustments"
    )
    .fetch_all(pool)
    .await
    .unwrap()
    });
    assert_eq!(audit, [(MEMBER as i64, ADMIN as i64, 1, 12, 1, 12)]);
    let text = harness.member_command(MEMBER, "streak").await.embeds[0]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = at("2026-06-01T13:00:00Z").timestamp();
    assert!(text.contains("🔥 **12** current · best 12"), "{text}");
    assert!(
        text.contains(&format!("adjusted by an admin on <t:{today}:D>")),
        "{text}"
    );
    // The repaired streak goes on with the next question.
    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    let next = harness.wait_daily_post(CHANNEL, 2).await;
    harness.set_time(at("2026-06-02T13:05:00Z"));
    harness.answer_and_wait(&next, MEMBER).await;
    let streak = harness
        .store()
        .member_streak(CHANNEL, MEMBER)
        .await
        .unwrap();
    assert_eq!(streak.current, 13);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn leaderboard_over_a_thousand_members_shows_the_right_top_ten_and_the_callers_rank() {
    let mut harness = Harness::stopped_after_setup(CHANNEL).await;
    let store = qotd::storage::Store::open(&harness.database_url())
        .await
        .unwrap();
    let schedule = store.schedule(CHANNEL).await.unwrap().unwrap();
    for day in 1..=4u32 {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
        let now = post_instant_on(date, schedule.post_time, schedule.timezone);
        let pick = qotd::core::rotation::Pick {
            question_id: format!("q{day}"),
            pass: 1,
            starts_new_pass: false,
        };
        let new = qotd::storage::NewDailyPost {
            channel_id: CHANNEL,
            local_date: date,
            pick,
            nonce: format!("n{day}"),
            reveal: schedule.reveal_rule(),
        };
        let qotd::storage::ClaimOutcome::Claimed(post) =
            store.claim_daily_post(&new, now).await.unwrap()
        else {
            panic!()
        };
        store
            .confirm_post_sent(post.id, 9_000 + u64::from(day))
            .await
            .unwrap();
        for member in 0..1_000u64 {
            if (member * 7 + u64::from(day) * 3) % (u64::from(day) + 2) != 0 {
                store
                    .record_answer(post.id, 10_000 + member, now + TimeDelta::minutes(5))
                    .await
                    .unwrap();
            }
        }
    }
    let rows: Vec<(i64, i64, i64, i64)> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT user_id, current, best, total FROM member_streaks WHERE channel_id = $1",
    )
    .bind(CHANNEL as i64)
    .fetch_all(pool)
    .await
    .unwrap());
    store.close().await;
    let expected = ranking::rank(
        rows.iter()
            .map(|&(id, current, best, total)| Standing {
                id: id as u64,
                current: current as u64,
                best: best as u64,
                total: total as u64,
            })
            .collect(),
    );
    let caller = expected
        .iter()
        .rev()
        .find(|r| r.standing.current > 0)
        .unwrap()
        .standing
        .id;
    harness.start_bot().await;

    let token = harness.slash(
        &member(caller),
        CHANNEL,
        "leaderboard",
        json!([channel_option("channel", CHANNEL)]),
        json!({}),
    );
    let reply = harness.reply(&token).await;
    let text = reply.embeds[0]["description"].as_str().unwrap();
    let shown: Vec<u64> = text
        .lines()
        .filter_map(|line| line.split("<@").nth(1))
        .filter_map(|rest| rest.split('>').next())
        .filter_map(|id| id.parse().ok())
        .collect();
    let top: Vec<u64> = expected.iter().take(10).map(|r| r.standing.id).collect();
    assert_eq!(shown, top);
    let caller_rank = expected
        .iter()
        .find(|r| r.standing.id == caller)
        .unwrap()
        .rank;
    assert!(caller_rank > 10);
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with(&format!("`{caller_rank:>3}.")),
        "{text}"
    );
    assert!(
        reply.embeds[0]["title"]
            .as_str()
            .unwrap()
            .contains(&format!("{} members", rows.len()))
    );
    harness.assert_no_mass_pings();
    harness.fake.assert_clean();
}

#[tokio::test]
async fn the_team_leaderboard_ranks_teams_by_summed_current_streaks() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    for name in ["Owls", "@everyone <@&1>"] {
        harness.qotd_team("team-add", name).await;
    }
    harness.tick_to(at("2026-06-01T13:00:00Z")).await;
    let post = harness.wait_daily_post(CHANNEL, 1).await;
    let now = at("2026-06-01T13:10:00Z");
    for (member, team) in [(1u64, "Owls"), (2, "Owls"), (3, "@everyone <@&1>")] {
        let name = qotd::core::team_name::TeamName::parse(team).unwrap();
        harness
            .store()
            .join_team(GUILD, member, &name, now)
            .await
            .unwrap();
        harness
            .store()
            .record_answer(post.id, member, now)
            .await
            .unwrap();
    }
    let token = harness.slash(
        &member(1),
        CHANNEL,
        "leaderboard",
        json!([integer_option("scope", 1)]),
        json!({}),
    );
    let reply = harness.reply(&token).await;
    let text = reply.embeds[0]["description"].as_str().unwrap();
    let owls = text.find("**Owls** (2 members)").unwrap();
    let other = text.find("**@everyone <@&1>** (1 members)").unwrap();
    assert!(owls < other, "{text}");
    harness.assert_no_mass_pings();
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_member_without_manage_server_is_refused_by_every_qotd_subcommand_and_nothing_changes() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    let before = snapshot(harness.store()).await;
    let attempts = [
        (
            "setup",
            json!([
                channel_option("channel", OTHER_CHANNEL),
                string_option("time", "10:00"),
                string_option("timezone", "UTC")
            ]),
        ),
        ("remove", json!([channel_option("channel", CHANNEL)])),
        ("pause", json!([channel_option("channel", CHANNEL)])),
        ("resume", json!([channel_option("channel", CHANNEL)])),
        ("post", json!([channel_option("channel", CHANNEL)])),
        ("skip", json!([channel_option("channel", CHANNEL)])),
        ("status", json!([])),
        ("stats", json!([])),
        ("suggestions", json!([])),
        ("alerts", json!([channel_option("channel", ALERTS_CHANNEL)])),
        ("team-add", json!([string_option("name", "Sneaky")])),
        ("team-remove", json!([string_option("name", "Sneaky")])),
        (
            "streak-set",
            json!([
                channel_option("channel", CHANNEL),
                user_option("member", MEMBER),
                integer_option("current", 99)
            ]),
        ),
    ];
    for (sub, options) in attempts {
        let token = harness.qotd(&member(MEMBER), sub, options);
        let reply = harness.reply(&token).await;
        assert!(reply.ephemeral, "{sub}");
        assert!(
            reply.content.contains("Manage Server"),
            "{sub}: {}",
            reply.content
        );
    }
    assert_eq!(snapshot(harness.store()).await, before);
    assert!(harness.daily_messages(CHANNEL).is_empty());
    harness.fake.assert_clean();
}

#[tokio::test]
async fn twenty_eight_bad_inputs_each_get_an_ephemeral_explanation_and_change_nothing() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    harness.qotd_team("team-add", "Owls").await;

    let setup = |extra: Vec<Value>| {
        let mut options = vec![
            channel_option("channel", OTHER_CHANNEL),
            string_option("time", "10:00"),
            string_option("timezone", "UTC"),
        ];
        for option in extra {
            options.retain(|o| o["name"] != option["name"]);
            options.push(option);
        }
        Value::Array(options)
    };
    let sub = |name: &str, options: Value| json!([{ "name": name, "type": 1, "options": options }]);
    // (command, options, resolved, expected words)
    let bad_setup = |option: Value, expected| {
        let options = sub("setup", setup(vec![option]));
        ("qotd", options, json!({}), expected)
    };
    let bad_qotd = |name: &str, option: Value, expected| {
        ("qotd", sub(name, json!([option])), json!({}), expected)
    };
    let on = |id: u64| channel_option("channel", id);
    let name = |text: &str| string_option("name", text);
    let cases: Vec<(&str, Value, Value, &str)> = vec![
        bad_setup(string_option("time", "25:99"), "not a time of day"),
        bad_setup(string_option("time", "9am"), "HH:MM"),
        bad_setup(string_option("time", ""), "not a time of day"),
        bad_setup(
            string_option("timezone", "Mars/Olympus"),
            "not an IANA timezone",
        ),
        bad_setup(string_option("timezone", "CEST"), "Europe/Berlin"),
        bad_setup(on(OTHER_GUILD_CHANNEL), "not a channel of this server"),
        bad_setup(on(987_654_321), "could not use"),
        bad_setup(integer_option("reveal_after", 0), "between 1 and 1440"),
        bad_setup(integer_option("reveal_after", 5000), "between 1 and 1440"),
        bad_setup(integer_option("reveal_reactions", 0), "between 1 and 25"),
        bad_setup(integer_option("reveal_reactions", 99), "between 1 and 25"),
        bad_setup(
            string_option("category", "astrology"),
            "no category `astrology`",
        ),
        bad_qotd("remove", on(OTHER_CHANNEL), "has no daily question"),
        bad_qotd("pause", on(OTHER_CHANNEL), "has no daily question"),
        bad_qotd("resume", on(CHANNEL), "is not paused"),
        bad_qotd("post", on(OTHER_GUILD_CHANNEL), "has no daily question"),
        bad_qotd("skip", on(ALERTS_CHANNEL), "has no daily question"),
        bad_qotd(
            "alerts",
            on(OTHER_GUILD_CHANNEL),
            "not a channel of this server",
        ),
        bad_qotd("team-add", name("   "), "cannot be empty"),
        bad_qotd("team-add", name(&"x".repeat(40)), "at most 32"),
        bad_qotd("team-add", name("owls"), "already exists"),
        bad_qotd("team-remove", name("Larks"), "no team named"),
        (
            "team",
            sub("join", json!([name("Larks")])),
            json!({}),
            "no team named",
        ),
        ("team", sub("leave", json!([])), json!({}), "not in a team"),
        (
            "quiz",
            json!([string_option("category", "astrology")]),
            json!({}),
            "no category",
        ),
        (
            "quiz",
            json!([integer_option("difficulty", 9)]),
            json!({}),
            "between 1 and 5",
        ),
        (
            "leaderboard",
            json!([on(OTHER_CHANNEL)]),
            json!({}),
            "has no daily question",
        ),
        (
            "streak",
            json!([user_option("member", 999)]),
            resolved_user(999, true),
            "Bots do not answer",
        ),
    ];
    assert_eq!(cases.len(), 28);
    let mut refused = 0;
    let mut not_refused = Vec::new();
    for (command, options, resolved, expected) in cases {
        let before = snapshot(harness.store()).await;
        let resolved = if resolved == json!({}) {
            let channels: serde_json::Map<String, Value> = [
                OTHER_CHANNEL,
                OTHER_GUILD_CHANNEL,
                CHANNEL,
                ALERTS_CHANNEL,
                987_654_321,
            ]
            .iter()
            .map(|id| {
                (
                    id.to_string(),
                    json!({ "id": id.to_string(), "name": "c", "type": 0, "permissions": "0" }),
                )
            })
            .collect();
            json!({ "channels": channels })
        } else {
            resolved
        };
        let token = harness.slash(&admin(), CHANNEL, command, options.clone(), resolved);
        let reply = harness.reply(&token).await;
        let unchanged = snapshot(harness.store()).await == before;
        if reply.ephemeral && reply.content.contains(expected) && unchanged {
            refused += 1;
        } else {
            not_refused.push(format!(
                "{command} {options}: ephemeral {}, database unchanged {unchanged}, expected {expected:?} in {:?}",
                reply.ephemeral, reply.content
            ));
        }
    }
    assert!(
        not_refused.is_empty(),
        "not refused as expected:\n{}",
        not_refused.join("\n")
    );
    assert_eq!(refused, 28, "every bad input was refused");
    // A refused setup for an unknown channel makes a 404 call: the only non-2xx allowed.
    let problems = harness.fake.problems();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn autocomplete_answers_timezone_category_and_team_with_at_most_25_choices() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.qotd_team("team-add", "Night Owls").await;

    let focused = |name: &str, value: &str| json!({ "name": name, "type": 3, "value": value, "focused": true });
    let setup = |option: Value| json!([{ "name": "setup", "type": 1, "options": [option] }]);

    let token = harness.autocomplete(&admin(), "qotd", setup(focused("timezone", "")));
    let callback = harness.waiter().callback(&token).await;
    assert_eq!(callback["type"], json!(8));
    assert_eq!(callback["data"]["choices"].as_array().unwrap().len(), 25);

    let token = harness.autocomplete(&admin(), "qotd", setup(focused("timezone", "berl")));
    let callback = harness.waiter().callback(&token).await;
    assert_eq!(
        callback["data"]["choices"][0]["value"],
        json!("Europe/Berlin")
    );

    let token = harness.autocomplete(&member(MEMBER), "quiz", json!([focused("category", "sce")]));
    let callback = harness.waiter().callback(&token).await;
    assert_eq!(
        callback["data"]["choices"],
        json!([{ "name": "Scenario-Based", "value": "scenario" }])
    );

    let token = harness.autocomplete(
        &member(MEMBER),
        "team",
        json!([{ "name": "join", "type": 1, "options": [focused("name", "owl")] }]),
    );
    let callback = harness.waiter().callback(&token).await;
    assert_eq!(callback["data"]["choices"][0]["value"], json!("Night Owls"));
    harness.fake.assert_clean();
}

#[tokio::test]
async fn an_unexpected_error_gets_a_generic_ephemeral_reply() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.store().close().await; // every query now fails
    let reply = harness.member_command(MEMBER, "streak").await;
    assert!(reply.ephemeral);
    assert!(
        reply.content.contains("Something went wrong on my side"),
        "{}",
        reply.content
    );
    assert!(
        !reply.content.to_lowercase().contains("pool"),
        "no internals leak to members"
    );
    harness.fake.assert_clean();
}

/// SPEC §10: `/qotd stats` on a seeded history: per question the answers per post,
/// the unaided share and the reveals, least answered first, and the five least and
/// most answered — each checked against what the test computes from its own seed.
#[tokio::test]
async fn qotd_stats_shows_each_questions_answers_unaided_share_and_reveals_in_order() {
    let mut harness = Harness::stopped_after_setup(CHANNEL).await;
    let store = qotd::storage::Store::open(&harness.database_url())
        .await
        .unwrap();
    let schedule = store.schedule(CHANNEL).await.unwrap().unwrap();
    // Eight days, questions q0..q5 (q0 and q1 twice): day d gets (d * 5) % 7 answers,
    // the first (d % 3) of them unaided; the hint is revealed by 💡 after d * 10
    // minutes on odd days, by the timeout (240 min) on even days.
    let mut expected: std::collections::BTreeMap<String, (u32, u32, u32)> = Default::default();
    for d in 1..=8u32 {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        let now = post_instant_on(date, schedule.post_time, schedule.timezone);
        let question = format!("q{}", (d - 1) % 6);
        let new = qotd::storage::NewDailyPost {
            channel_id: CHANNEL,
            local_date: date,
            pick: qotd::core::rotation::Pick {
                question_id: question.clone(),
                pass: 1 + (d - 1) / 6,
                starts_new_pass: false,
            },
            nonce: format!("stats-{d}"),
            reveal: schedule.reveal_rule(),
        };
        let qotd::storage::ClaimOutcome::Claimed(post) =
            store.claim_daily_post(&new, now).await.unwrap()
        else {
            panic!("claimed");
        };
        store
            .confirm_post_sent(post.id, 5_000 + u64::from(d))
            .await
            .unwrap();
        let (answers, unaided) = ((d * 5) % 7, d % 3);
        let (reason, after) = if d % 2 == 1 {
            (
                qotd::core::hint_reveal::RevealReason::Reactions,
                i64::from(d) * 10,
            )
        } else {
            (qotd::core::hint_reveal::RevealReason::Timeout, 240)
        };
        let revealed = now + TimeDelta::minutes(after);
        for a in 0..answers {
            let at = if a < unaided {
                revealed - TimeDelta::minutes(1)
            } else {
                revealed + TimeDelta::minutes(1)
            };
            if a == unaided {
                store
                    .mark_revealed(post.id, reason, revealed)
                    .await
                    .unwrap();
            }
            store
                .record_answer(post.id, 700_000 + u64::from(a), at)
                .await
                .unwrap();
        }
        if answers <= unaided {
            store
                .mark_revealed(post.id, reason, revealed)
                .await
                .unwrap();
        }
        let entry = expected.entry(question).or_default();
        entry.0 += 1;
        entry.1 += answers;
        entry.2 += unaided.min(answers);
    }
    store.close().await;
    harness.start_bot().await;

    let token = harness.qotd(&admin(), "stats", json!([]));
    let reply = harness.reply(&token).await;
    assert!(reply.ephemeral);
    let embed = &reply.embeds[0];
    let description = embed["description"].as_str().unwrap();
    let total: u32 = expected.values().map(|e| e.1).sum();
    assert!(
        description.contains(&format!(
            "<#{CHANNEL}>: 8 questions posted, {total} answers."
        )),
        "{description}"
    );
    // Every question once, least answered per post first (ties by id).
    let mut order: Vec<(String, f64)> = expected
        .iter()
        .map(|(q, (posts, answers, _))| (q.clone(), f64::from(*answers) / f64::from(*posts)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let lines: Vec<&str> = description.lines().filter(|l| l.starts_with('`')).collect();
    assert_eq!(lines.len(), 6, "{description}");
    for ((question, per_post), line) in order.iter().zip(&lines) {
        let (posts, answers, unaided) = expected[question];
        assert!(
            line.starts_with(&format!(
                "`{question}` — {per_post:.1} answers per post ({posts} "
            )),
            "{line}"
        );
        if let Some(share) = (unaided * 100 + answers / 2).checked_div(answers) {
            assert!(line.contains(&format!("· {share}% unaided ·")), "{line}");
        }
    }
    // q0 was posted on days 1 and 7: revealed by 💡 after 10 and 70 minutes.
    let q0 = lines.iter().find(|l| l.starts_with("`q0`")).unwrap();
    assert!(q0.contains("hint 2× by 💡 after 1 hour (median)"), "{q0}");
    let fields = embed["fields"].as_array().unwrap();
    let least: Vec<String> = order
        .iter()
        .take(5)
        .map(|(q, p)| format!("`{q}` {p:.1} per post"))
        .collect();
    let most: Vec<String> = order
        .iter()
        .rev()
        .take(5)
        .map(|(q, p)| format!("`{q}` {p:.1} per post"))
        .collect();
    assert_eq!(fields[0]["value"], json!(least.join("\n")));
    assert_eq!(fields[1]["value"], json!(most.join("\n")));
    harness.fake.assert_clean();
}
