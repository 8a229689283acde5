//! Private answers, revealed together (SPEC §13), end to end through the fake Discord
//! with the clock walked: the Answer button and its modal, the reveal in the thread,
//! streaks, ⭐ votes, the best answer named in the next post, and retention.

use crate::support::*;
use qotd::storage::DailyPost;
use serde_json::{Value, json};

const ADA: u64 = 501;
const BOB: u64 = 502;
const CY: u64 = 503;

/// The first question of a private-answers channel, posted at nine New York
/// (13:00 UTC); its answers are shown at the hint's timeout, 17:00 UTC.
async fn private_post(harness: &mut Harness) -> DailyPost {
    // Discord's message bucket of a channel: the reveal must stay within it.
    harness.fake.set_channel_message_limit(true);
    let post = harness
        // `answers: private`, the second choice.
        .first_post_at_nine(CHANNEL, vec![integer_option("answers", 1)])
        .await;
    assert!(post.private_answers);
    post
}

/// The post's message, as an interaction carries it.
fn post_message(harness: &Harness, post: &DailyPost) -> Value {
    harness
        .fake
        .message(post.message_id.unwrap())
        .expect("the post is in the fake")
        .json
}

/// `user` presses the post's Answer button; returns the modal's callback.
async fn open_answer(harness: &mut Harness, post: &DailyPost, user: u64) -> Value {
    let message = post_message(harness, post);
    let button = format!("answer:open:{}", post.id);
    let token = harness.press_button(&member(user), CHANNEL, &button, message);
    harness.waiter().callback(&token).await
}

/// `user` submits `text` in the answer modal; returns the ephemeral reply.
async fn submit_answer(harness: &mut Harness, post: &DailyPost, user: u64, text: &str) -> Reply {
    let message = post_message(harness, post);
    let modal = format!("answer:submit:{}", post.id);
    let token = harness.submit_modal(GUILD, &member(user), &modal, &[("answer", text)], message);
    let reply = harness.reply(&token).await;
    assert!(reply.ephemeral, "answers are acknowledged ephemerally");
    reply
}

/// Opens the modal, then submits `text`.
async fn answer_privately(harness: &mut Harness, post: &DailyPost, user: u64, text: &str) -> Reply {
    let modal = open_answer(harness, post, user).await;
    assert_eq!(modal["type"], json!(9), "a modal: {modal}");
    submit_answer(harness, post, user, text).await
}

/// The answer messages in the post's thread: (title, description), in order.
fn shown_answers(harness: &Harness, post: &DailyPost) -> Vec<(String, String)> {
    harness
        .fake
        .messages_in(post.thread_id.unwrap())
        .iter()
        .filter_map(|m| {
            let embed = m.json["embeds"].get(0)?;
            let title = embed["title"].as_str()?;
            title.contains("answered").then(|| {
                (
                    title.to_owned(),
                    embed["description"].as_str().unwrap_or_default().to_owned(),
                )
            })
        })
        .collect()
}

/// Walks the clock to the first question's reveal timeout (17:00 UTC) and waits for
/// its answers to be shown; returns them.
async fn reveal_at_five(harness: &Harness, post: &DailyPost) -> Vec<(String, String)> {
    reveal_at(harness, post, "2026-06-01T17:00:00Z").await
}

/// Walks the clock to `time` and waits for `post`'s answers to be shown; returns them.
async fn reveal_at(harness: &Harness, post: &DailyPost, time: &str) -> Vec<(String, String)> {
    harness.tick_to(at(time)).await;
    harness
        .wait_until("the answers' reveal", async || {
            harness
                .stored_post(post.id)
                .await
                .answers_shown_at
                .map(|_| shown_answers(harness, post))
        })
        .await
}

/// Whether any request the bot sent carries `text`.
fn sent_anywhere(harness: &Harness, text: &str) -> bool {
    harness.fake.requests().iter().any(|r| {
        r.body
            .as_ref()
            .is_some_and(|b| b.to_string().contains(text))
    })
}

#[tokio::test]
async fn three_private_answers_stay_hidden_until_the_timeout_then_show_in_order_and_count() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let post = private_post(&mut harness).await;
    let thread = post.thread_id.unwrap();

    harness.set_time(at("2026-06-01T13:05:00Z"));
    answer_privately(&mut harness, &post, ADA, "ada: the valence axis")
        .await
        .assert_says("is saved");
    harness.set_time(at("2026-06-01T13:10:00Z"));
    answer_privately(&mut harness, &post, BOB, "bob: arousal too")
        .await
        .assert_says("is saved");
    // CY reveals the hint with 💡, then answers: not unaided.
    harness.set_time(at("2026-06-01T13:15:00Z"));
    harness
        .lightbulb_handled(post.message_id.unwrap(), CY)
        .await;
    harness.wait_edited(post.message_id.unwrap()).await;
    harness.set_time(at("2026-06-01T13:20:00Z"));
    answer_privately(&mut harness, &post, CY, "cy: read the hint first")
        .await
        .assert_says("is saved");

    // Before the timeout nothing of the text is anywhere, and nothing counts yet.
    harness.tick_to(at("2026-06-01T16:59:00Z")).await;
    for text in ["ada: the valence", "bob: arousal", "cy: read the hint"] {
        assert!(!sent_anywhere(&harness, text), "{text} leaked");
    }
    assert!(shown_answers(&harness, &post).is_empty());
    assert_eq!(harness.answered_at(post.id, ADA).await, None);

    let shown = reveal_at_five(&harness, &post).await;
    assert_eq!(
        shown,
        [
            (
                "1. member501 answered:".into(),
                "ada: the valence axis".into()
            ),
            ("2. member502 answered:".into(), "bob: arousal too".into()),
            (
                "3. member503 answered:".into(),
                "cy: read the hint first".into()
            ),
        ]
    );
    harness.assert_no_mass_pings();
    for request in harness.requests_since(0, "POST", &format!("/channels/{thread}/messages")) {
        let body = request.body.unwrap();
        if body["embeds"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("answered"))
        {
            assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        }
    }
    // They count from their submission, as thread answers do.
    assert_eq!(
        harness.answered_at(post.id, ADA).await,
        Some(at("2026-06-01T13:05:00Z"))
    );
    for (user, unaided) in [(ADA, 1), (BOB, 1), (CY, 0)] {
        let streak = harness.streak(user).await;
        assert_eq!((streak.current, streak.unaided), (1, unaided), "{user}");
    }
    // `/qotd stats` counts them as it counts thread answers.
    let records = harness.store().post_records(CHANNEL).await.unwrap();
    assert_eq!((records[0].answers, records[0].unaided), (3, 2));
    // Shown once: later passes and a restart post nothing more.
    harness.restart_bot().await;
    harness.tick_to(at("2026-06-01T17:30:00Z")).await;
    assert_eq!(shown_answers(&harness, &post).len(), 3);
    let problems = harness.fake.problems();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn an_answer_is_edited_or_withdrawn_until_the_reveal_and_a_withdrawn_one_never_shows() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let post = private_post(&mut harness).await;
    let token = harness.qotd(&admin(), "status", json!([]));
    let status = harness.reply(&token).await.text();
    assert!(
        status.contains("answers private, shown together"),
        "{status}"
    );
    harness.set_time(at("2026-06-01T13:05:00Z"));

    answer_privately(&mut harness, &post, ADA, "first draft").await;
    // The button shows the answer so far, to edit; a restart between opening the form
    // and sending it loses nothing (the ids carry the question).
    let modal = open_answer(&mut harness, &post, ADA).await;
    let input = &modal["data"]["components"][0]["components"][0];
    assert_eq!(input["value"], json!("first draft"));
    harness.restart_bot().await;
    submit_answer(&mut harness, &post, ADA, "second draft")
        .await
        .assert_says("is updated");
    answer_privately(&mut harness, &post, BOB, "bob's answer").await;
    submit_answer(&mut harness, &post, BOB, "   ")
        .await
        .assert_says("withdrawn");
    submit_answer(&mut harness, &post, CY, "")
        .await
        .assert_says("no answer");

    let shown = reveal_at_five(&harness, &post).await;
    assert_eq!(
        shown,
        [("1. member501 answered:".into(), "second draft".into())]
    );
    assert_eq!(harness.answered_at(post.id, BOB).await, None, "withdrawn");
    assert_eq!(harness.streak(BOB).await.total, 0);

    // After the reveal the button says so and changes nothing.
    let closed = open_answer(&mut harness, &post, BOB).await;
    assert_eq!(closed["type"], json!(4));
    assert!(
        closed["data"]["content"]
            .as_str()
            .unwrap()
            .contains("were shown")
    );
    submit_answer(&mut harness, &post, BOB, "too late")
        .await
        .assert_says("were shown");
    assert_eq!(harness.answered_at(post.id, BOB).await, None);
}

#[tokio::test]
async fn a_hostile_answer_pings_nobody_and_every_message_fits_discords_limits() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let post = private_post(&mut harness).await;
    harness.set_time(at("2026-06-01T13:05:00Z"));
    let mut hostile = String::from("@everyone @here <@&42> <@501>\n# I am huge\n```\nunclosed\n");
    while hostile.chars().count() < 4000 {
        hostile.push_str("#\n");
    }
    let hostile: String = hostile.chars().take(4000).collect();
    answer_privately(&mut harness, &post, ADA, &hostile).await;
    let too_long = "x".repeat(4001);
    submit_answer(&mut harness, &post, BOB, &too_long)
        .await
        .assert_says("4001 characters");

    let shown = reveal_at_five(&harness, &post).await;
    assert!(shown.len() > 1, "escaped, it needs more than one message");
    assert!(shown[0].0.starts_with("1. member501 answered (part 1 of"));
    for (title, description) in &shown {
        assert!(title.chars().count() <= 256);
        assert!(description.chars().count() <= 4096);
        assert_eq!(description.matches("```").count() % 2, 0, "{title}");
    }
    assert!(
        shown[0].1.contains("\\# I am huge"),
        "the heading is escaped"
    );
    let everything: String = shown.iter().map(|s| s.1.as_str()).collect();
    assert_eq!(
        everything.matches('#').count(),
        hostile.matches('#').count(),
        "nothing left out"
    );
    harness.assert_no_mass_pings();
    let problems = harness.fake.problems();
    assert!(problems.is_empty(), "{problems:?}");
}

/// `user` (a bot if `bot`) adds ⭐ to `message` in `thread`; waits until handled.
async fn star(harness: &Harness, thread: u64, message: u64, user: u64, bot: bool) {
    let handled = harness.count(Counter::ReactionsHandled);
    harness
        .fake
        .react(GUILD, thread, message, user, "⭐", bot, true);
    harness
        .wait_count(Counter::ReactionsHandled, handled + 1)
        .await;
}

#[tokio::test]
async fn stars_vote_for_answers_and_the_next_post_names_the_best_with_two_or_more() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let post = private_post(&mut harness).await;
    let thread = post.thread_id.unwrap();
    harness.set_time(at("2026-06-01T13:05:00Z"));
    answer_privately(&mut harness, &post, ADA, "ada's").await;
    answer_privately(&mut harness, &post, BOB, "bob's").await;
    answer_privately(&mut harness, &post, CY, "cy's").await;
    reveal_at_five(&harness, &post).await;
    let first = harness.stored_post(post.id).await;
    let answers: Vec<u64> = harness
        .fake
        .messages_in(thread)
        .iter()
        .filter(|m| {
            m.json["embeds"][0]["title"]
                .as_str()
                .is_some_and(|t| t.contains("answered"))
        })
        .map(|m| m.id)
        .collect();
    let (ada, bob, cy) = (answers[0], answers[1], answers[2]);

    // BOB and CY both get two stars, CY's... ADA's own, a bot's and a taken-back star
    // do not count: ADA 1, BOB 2, CY 2; the earliest of BOB and CY is BOB.
    star(&harness, thread, ada, ADA, false).await;
    star(&harness, thread, ada, 9_999, true).await;
    star(&harness, thread, ada, BOB, false).await;
    star(&harness, thread, bob, ADA, false).await;
    star(&harness, thread, bob, CY, false).await;
    star(&harness, thread, cy, ADA, false).await;
    star(&harness, thread, cy, BOB, false).await;
    star(&harness, thread, cy, 777, false).await;
    let handled = harness.count(Counter::ReactionsHandled);
    harness
        .fake
        .react(GUILD, thread, cy, 777, "⭐", false, false);
    harness
        .wait_count(Counter::ReactionsHandled, handled + 1)
        .await;
    let received = |user| harness.store().stars_received(GUILD, user);
    assert_eq!(
        (
            received(ADA).await.unwrap(),
            received(BOB).await.unwrap(),
            received(CY).await.unwrap()
        ),
        (1, 2, 2)
    );
    let streak = harness.member_command(BOB, "streak").await;
    let stars = &streak.embeds[0]["fields"][0];
    assert_eq!(
        (&stars["name"], &stars["value"]),
        (
            &json!("⭐ Stars received"),
            &json!("2 stars on revealed answers")
        )
    );

    // The next post names BOB's answer, with its link.
    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    let second = harness.wait_daily_post(CHANNEL, 2).await;
    let posted = harness
        .fake
        .message(second.message_id.unwrap())
        .unwrap()
        .json;
    let fields = posted["embeds"][0]["fields"].as_array().unwrap().clone();
    let best = fields
        .iter()
        .find(|f| f["name"].as_str().unwrap().contains("Best answer to #1"))
        .expect("the best answer is named");
    let link = format!("https://discord.com/channels/{GUILD}/{thread}/{bob}");
    assert_eq!(best["value"], json!(format!("member502 with ⭐ 2: {link}")));
    // Revealing the hint keeps the best answer on the post.
    harness
        .lightbulb_handled(second.message_id.unwrap(), CY)
        .await;
    let edited = harness.wait_edited(second.message_id.unwrap()).await;
    let kept = edited.edits.last().unwrap()["embeds"][0]["fields"].to_string();
    assert!(kept.contains("Best answer to #1"), "{kept}");
    assert_eq!(first.seq, 1);

    // Question 2 gets one star at most: question 3 names no best answer.
    harness.set_time(at("2026-06-02T13:05:00Z"));
    answer_privately(&mut harness, &second, ADA, "ada again").await;
    reveal_at(&harness, &second, "2026-06-02T17:00:00Z").await;
    let ada_again = shown_message(&harness, second.thread_id.unwrap());
    star(&harness, second.thread_id.unwrap(), ada_again, BOB, false).await;
    harness.tick_to(at("2026-06-03T13:00:00Z")).await;
    let third = harness.wait_daily_post(CHANNEL, 3).await;
    let posted = harness
        .fake
        .message(third.message_id.unwrap())
        .unwrap()
        .json;
    assert!(!posted.to_string().contains("Best answer"), "{posted}");
}

/// The first answer message in a thread.
fn shown_message(harness: &Harness, thread: u64) -> u64 {
    harness
        .fake
        .messages_in(thread)
        .iter()
        .find(|m| {
            m.json["embeds"][0]["title"]
                .as_str()
                .is_some_and(|t| t.contains("answered"))
        })
        .map(|m| m.id)
        .expect("an answer in the thread")
}

#[tokio::test]
async fn the_text_is_deleted_after_the_retention_period_and_stars_and_streaks_stay() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let post = private_post(&mut harness).await;
    let thread = post.thread_id.unwrap();
    harness.set_time(at("2026-06-01T13:05:00Z"));
    answer_privately(&mut harness, &post, ADA, "kept for ninety days").await;
    reveal_at_five(&harness, &post).await;
    let message = shown_message(&harness, thread);
    star(&harness, thread, message, BOB, false).await;
    // No more questions: the clock walks 89 days, then past 90.
    harness.qotd_on("pause", CHANNEL).await;
    let streak = harness.streak(ADA).await;

    harness.tick_to(at("2026-08-29T17:00:00Z")).await;
    let kept = harness
        .store()
        .private_answer(post.id, ADA)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.body.as_deref(),
        Some("kept for ninety days"),
        "89 days"
    );

    harness.tick_to(at("2026-08-30T17:00:01Z")).await;
    let gone = harness
        .store()
        .private_answer(post.id, ADA)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((gone.body, gone.author_name), (None, None), "past 90 days");
    assert_eq!(harness.store().stars_received(GUILD, ADA).await.unwrap(), 1);
    assert_eq!(harness.streak(ADA).await, streak);
    assert!(harness.answered_at(post.id, ADA).await.is_some());
    assert!(
        harness.fake.message(message).is_some(),
        "the message in Discord stays"
    );
}
