//! SPEC §8 and §9 end to end: `/practice` with spaced repetition, and the streak
//! calendar picture of `/streak`, through the fake Discord with the clock controlled.

use crate::support::*;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use qotd::core::calendar::Day;
use qotd::core::practice::{self, DeckCard, Rating, Source};
use serde_json::{Value, json};

/// `/practice <sub>` by [`MEMBER`]: the interaction's token and the reply.
async fn practice(harness: &mut Harness, sub: &str) -> (String, Reply) {
    let options = json!([{ "name": sub, "type": 1, "options": [] }]);
    let token = harness.slash(&member(MEMBER), CHANNEL, "practice", options, json!({}));
    let reply = harness.reply(&token).await;
    (token, reply)
}

/// The (ephemeral) message a practice reply created, as the next button press sees it.
fn reply_message(harness: &Harness, token: &str) -> Value {
    let id = harness
        .fake
        .interaction(token)
        .and_then(|log| log.original_message_id)
        .expect("the reply created a message");
    harness.fake.message(id).unwrap().json
}

/// The custom ids of a reply's buttons, in order.
fn buttons(reply: &Reply) -> Vec<String> {
    reply.data["components"][0]["components"]
        .as_array()
        .map(|row| {
            row.iter()
                .map(|b| b["custom_id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// [`MEMBER`] presses the button `custom_id` of `message`; returns the update.
async fn press(harness: &mut Harness, message: &Value, custom_id: &str) -> Reply {
    let token = harness.press_button(&member(MEMBER), CHANNEL, custom_id, message.clone());
    let reply = harness.reply(&token).await;
    assert_eq!(reply.kind, 7, "the button updates its message: {reply:?}");
    reply
}

/// The question a practice reply shows, by its text.
fn shown_question(harness: &Harness, reply: &Reply) -> String {
    let text = reply.embeds[0]["description"].as_str().unwrap_or("");
    harness
        .app()
        .library
        .default_bank()
        .questions()
        .iter()
        .find(|q| q.question == text)
        .map(|q| q.id.as_str().to_owned())
        .unwrap_or_else(|| panic!("not a question of the bank: {}", reply.text()))
}

fn title(reply: &Reply) -> &str {
    reply.embeds[0]["title"].as_str().unwrap_or("")
}

async fn deck(harness: &Harness) -> Vec<DeckCard> {
    harness.store().practice_deck(GUILD, MEMBER).await.unwrap()
}

fn due_of(deck: &[DeckCard], question_id: &str) -> DateTime<Utc> {
    deck.iter()
        .find(|c| c.question_id == question_id)
        .unwrap_or_else(|| panic!("{question_id} is not in the deck: {deck:?}"))
        .due
}

/// Days 1–3 of the default schedule (09:00 New York): [`MEMBER`] answers each at
/// 13:05 UTC, day 2 after another member's 💡 revealed the hint. Returns the posts.
async fn three_answered_days(harness: &mut Harness) -> Vec<qotd::storage::DailyPost> {
    let mut posts = Vec::new();
    for day in 1..=3u32 {
        let post = if day == 1 {
            harness.first_post_at_nine(CHANNEL, vec![]).await
        } else {
            harness
                .tick_to(at(&format!("2026-06-{day:02}T13:00:00Z")))
                .await;
            harness.wait_daily_post(CHANNEL, i64::from(day)).await
        };
        if day == 2 {
            harness
                .lightbulb_handled(post.message_id.unwrap(), MEMBER + 1)
                .await;
            harness.wait_edited(post.message_id.unwrap()).await;
        }
        harness.set_time(at(&format!("2026-06-{day:02}T13:05:00Z")));
        harness.answer_and_wait(&post, MEMBER).await;
        posts.push(post);
    }
    posts
}

/// SPEC §8: the three questions a member answered join the deck (unaided Good, after
/// the hint Hard, reviewed when answered) and `/practice` offers each when it is due,
/// not before; in between it offers new cards.
#[tokio::test]
async fn answered_daily_questions_come_back_in_practice_when_they_are_due() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let posts = three_answered_days(&mut harness).await;
    // Fed on the member's first /practice.
    let (_, first) = practice(&mut harness, "next").await;
    assert!(first.ephemeral);
    let deck = deck(&harness).await;
    assert_eq!(deck.len(), 3, "{deck:?}");
    let mut expected = Vec::new();
    for (day, post) in posts.iter().enumerate() {
        let answered = at(&format!("2026-06-0{}T13:05:00Z", day + 1));
        let rating = Rating::of_daily_answer(day != 1);
        let due = practice::review(None, rating, answered, Source::Daily).due;
        assert_eq!(due_of(&deck, &post.question_id), due, "day {}", day + 1);
        // Back in days, not within the day: a daily answer is a whole review.
        assert!((due - answered).num_days() >= 1, "day {}", day + 1);
        expected.push((due, post.question_id.clone()));
    }
    let wait = |i: usize| expected[i].0 - at(&format!("2026-06-0{}T13:05:00Z", i + 1));
    assert!(
        wait(0) > wait(1),
        "unaided (Good) comes back later than after the hint (Hard)"
    );
    assert_eq!(wait(0), wait(2), "the same rating, the same wait");
    expected.sort();
    // Walk through the due times: each card is offered at its due time (two cards
    // due at once are both reviewed then), never a minute before.
    let last_answer = at("2026-06-03T13:05:00Z");
    let mut reviewed: Vec<String> = Vec::new();
    for (due, question) in expected {
        if reviewed.contains(&question) {
            continue;
        }
        if due - TimeDelta::minutes(1) > last_answer {
            harness.set_time(due - TimeDelta::minutes(1));
            let early = due_reviews_offered(&mut harness).await;
            assert!(
                !early.contains(&question),
                "{question} is not due before {due}"
            );
            reviewed.extend(early);
        }
        harness.set_time(due);
        reviewed.extend(due_reviews_offered(&mut harness).await);
        assert!(
            reviewed.contains(&question),
            "{question} is offered at {due}"
        );
    }
    assert_eq!(reviewed.len(), 3, "{reviewed:?}");
    harness.fake.assert_clean();
    harness.assert_no_mass_pings();
}

/// Reviews every card `/practice` offers as due now (rating each Good), checking each
/// is due; returns their questions in the order offered.
async fn due_reviews_offered(harness: &mut Harness) -> Vec<String> {
    let mut offered = Vec::new();
    loop {
        let (token, reply) = practice(harness, "next").await;
        if title(&reply) != "Practice · review" {
            return offered;
        }
        let question = shown_question(harness, &reply);
        let now = harness.app().clock.now();
        assert!(due_of(&deck(harness).await, &question) <= now);
        assert!(offered.len() < 3, "a card offered twice: {offered:?}");
        let message = reply_message(harness, &token);
        let hint = press(harness, &message, &buttons(&reply)[0]).await;
        let good = buttons(&hint)
            .into_iter()
            .find(|id| id.starts_with("practice:good:"))
            .unwrap();
        let rated = press(harness, &message, &good).await;
        assert!(rated.text().contains("Rated Good"), "{}", rated.text());
        offered.push(question);
    }
}

/// A week of daily questions (09:00 New York), none answered: the first six have
/// their hint out (the 4-hour timeout), the seventh is open. Returns its question.
async fn asked_for_a_week(harness: &mut Harness) -> String {
    harness.first_post_at_nine(CHANNEL, vec![]).await;
    let mut post = None;
    for day in 2..=7u32 {
        harness
            .tick_to(at(&format!("2026-06-{day:02}T13:00:00Z")))
            .await;
        post = Some(harness.wait_daily_post(CHANNEL, i64::from(day)).await);
    }
    let asked = harness.store().practice_questions(GUILD).await.unwrap();
    assert_eq!(asked.len(), 6, "{asked:?}");
    post.unwrap().question_id
}

/// SPEC §8: on new cards Easy schedules further than Good, Good than Hard, and Again
/// within the day; the fifth new card of the day is the last; `/practice stats` counts
/// it all; the next day due cards come first, the one due longest first.
#[tokio::test]
async fn ratings_order_the_next_review_five_new_cards_a_day_and_stats_count_them() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let open = asked_for_a_week(&mut harness).await;
    let now = at("2026-06-07T14:00:00Z");
    harness.set_time(now);
    let ratings = ["again", "hard", "good", "easy", "good"];
    let mut rated = Vec::new();
    let (token, mut reply) = practice(&mut harness, "next").await;
    for rating in ratings {
        assert_eq!(title(&reply), "Practice · new card", "{}", reply.text());
        let question = shown_question(&harness, &reply);
        let message = reply_message(&harness, &token);
        let hint = press(&mut harness, &message, &buttons(&reply)[0]).await;
        assert_eq!(
            hint.embeds[0]["fields"][2]["value"],
            json!(harness.hint_of(&question))
        );
        let button = format!("practice:{rating}:0:{question}");
        assert!(buttons(&hint).contains(&button), "{:?}", buttons(&hint));
        reply = press(&mut harness, &message, &button).await;
        assert_ne!(
            question, open,
            "today's question, hint not out, is not practised"
        );
        rated.push((rating, question));
    }
    let deck = deck(&harness).await;
    let due = |i: usize| due_of(&deck, &rated[i].1);
    assert!(due(3) > due(2), "Easy after Good");
    assert!(due(2) > due(1), "Good after Hard");
    assert!(due(1) > due(0), "Hard after Again");
    assert!(
        due(0) > now && due(0) < now + TimeDelta::hours(1),
        "Again within the day"
    );
    assert!(due(3) >= now + TimeDelta::days(1));
    // Five new cards started: nothing more today, and the reply says when the next
    // review is.
    let earliest = deck.iter().map(|c| c.due).min().unwrap();
    let (_, nothing) = practice(&mut harness, "next").await;
    let text = nothing.text();
    assert!(
        text.contains(&format!(
            "Nothing due. Your next review is <t:{}:R>",
            earliest.timestamp()
        )),
        "{text}"
    );
    assert!(text.contains("5 new cards today; more tomorrow"), "{text}");
    assert!(buttons(&nothing).is_empty());

    // A sixth new card is refused by the database too (a button from before).
    let sixth = harness
        .store()
        .practice_questions(GUILD)
        .await
        .unwrap()
        .into_iter()
        .find(|q| rated.iter().all(|(_, r)| r != q))
        .expect("six questions asked with their hint out");
    let message = reply_message(&harness, &token);
    let refused = press(&mut harness, &message, &format!("practice:good:0:{sixth}")).await;
    assert!(
        refused.text().contains("You started 5 new cards today"),
        "{}",
        refused.text()
    );
    assert_eq!(self::deck(&harness).await.len(), 5, "nothing stored");

    let (_, stats) = practice(&mut harness, "stats").await;
    let fields = stats.embeds[0]["fields"].to_string();
    for expected in [
        r#""name":"Cards","value":"5""#,
        r#""name":"Due now","value":"0""#,
        r#""name":"Due in the next 7 days","value":"4""#,
        r#""name":"Reviewed today","value":"5""#,
        "Hard 20% · Good 40% · Easy 20% · Again 20%",
    ] {
        assert!(fields.contains(expected), "{expected}: {fields}");
    }

    // The next local day (New York): due cards first, the one due longest first.
    harness.set_time(at("2026-06-08T05:00:00Z"));
    let (_, next_day) = practice(&mut harness, "next").await;
    assert_eq!(title(&next_day), "Practice · review");
    assert_eq!(
        shown_question(&harness, &next_day),
        rated[0].1,
        "Again was due first"
    );
    harness.fake.assert_clean();
}

/// SPEC §8: the buttons keep their state in the database: a restart between Show hint
/// and the rating loses nothing, and pressing the same rating twice rates once.
#[tokio::test]
async fn a_restart_between_show_hint_and_the_rating_loses_nothing() {
    let (mut harness, post) = Harness::with_first_post(vec![]).await;
    harness
        .lightbulb_handled(post.message_id.unwrap(), MEMBER + 1)
        .await;
    harness.wait_edited(post.message_id.unwrap()).await;
    harness.set_time(at("2026-06-01T14:00:00Z"));
    let (token, card) = practice(&mut harness, "next").await;
    let question = shown_question(&harness, &card);
    let message = reply_message(&harness, &token);
    let hint = press(&mut harness, &message, &buttons(&card)[0]).await;
    let good = format!("practice:good:0:{question}");
    assert!(buttons(&hint).contains(&good));

    harness.restart_bot().await;
    let rated = press(&mut harness, &message, &good).await;
    assert!(
        rated.text().contains("Rated Good: back in 10 minutes"),
        "{}",
        rated.text()
    );
    let again = press(&mut harness, &message, &good).await;
    assert!(again.text().contains("already rated"), "{}", again.text());

    let deck = deck(&harness).await;
    let card = deck.iter().find(|c| c.question_id == question).unwrap();
    assert_eq!(card.reps, 1, "rated once");
    let reviews = harness
        .store()
        .practice_reviews_since(GUILD, MEMBER, at("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(reviews.len(), 1);
    harness.fake.assert_clean();
}

/// Practice is per member and per server, and never touches daily streaks.
#[tokio::test]
async fn practice_changes_no_streak_and_another_member_has_their_own_deck() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let post = harness.first_post_at_nine(CHANNEL, vec![]).await;
    harness.set_time(at("2026-06-01T13:05:00Z"));
    harness.answer_and_wait(&post, MEMBER).await;
    // Day 2 goes unanswered; once day 3 is posted its hint is out: a new card.
    for day in [2, 3] {
        harness
            .tick_to(at(&format!("2026-06-0{day}T13:00:00Z")))
            .await;
        harness.wait_daily_post(CHANNEL, day).await;
    }
    let before = harness.streak(MEMBER).await;
    let (token, card) = practice(&mut harness, "next").await;
    let message = reply_message(&harness, &token);
    let hint = press(&mut harness, &message, &buttons(&card)[0]).await;
    press(&mut harness, &message, &buttons(&hint)[3]).await;
    assert_eq!(harness.streak(MEMBER).await, before);
    let other = harness
        .store()
        .practice_deck(GUILD, MEMBER + 1)
        .await
        .unwrap();
    assert!(other.is_empty());
    let elsewhere = harness
        .store()
        .practice_deck(OTHER_GUILD, MEMBER)
        .await
        .unwrap();
    assert!(elsewhere.is_empty());
    harness.fake.assert_clean();
}

/// SPEC §9: `/streak` attaches a PNG of the last 26 weeks whose squares have the
/// legend's colours: answered unaided, after the hint, frozen (day 8: the freeze seven
/// answers earned), missed (day 9: none left), no question (before the first post),
/// and today's open question; the text reply stays for screen readers.
#[tokio::test]
async fn streak_attaches_a_calendar_whose_squares_have_the_colours_of_their_days() {
    let (mut harness, mut post) = Harness::with_first_post(vec![]).await;
    for day in 1..=10u32 {
        if day > 1 {
            harness
                .tick_to(at(&format!("2026-06-{day:02}T13:00:00Z")))
                .await;
            post = harness.wait_daily_post(CHANNEL, i64::from(day)).await;
        }
        if day == 3 {
            harness
                .lightbulb_handled(post.message_id.unwrap(), MEMBER + 1)
                .await;
            harness.wait_edited(post.message_id.unwrap()).await;
        }
        if day <= 7 {
            harness.set_time(at(&format!("2026-06-{day:02}T13:05:00Z")));
            harness.answer_and_wait(&post, MEMBER).await;
        }
    }
    let token = harness.slash(&member(MEMBER), CHANNEL, "streak", json!([]), json!({}));
    let reply = harness.reply(&token).await;
    let text = reply.text();
    assert!(text.contains("🔥 **0** current · best 7"), "{text}");
    assert!(
        text.contains("last 26 weeks: 6 answered, 1 after the hint, 1 missed, 1 frozen"),
        "{text}"
    );
    assert_eq!(
        reply.embeds[0]["image"]["url"],
        json!("attachment://streak-calendar.png")
    );
    let message = harness
        .fake
        .message(
            harness
                .fake
                .interaction(&token)
                .unwrap()
                .original_message_id
                .unwrap(),
        )
        .unwrap();
    assert_eq!(message.files.len(), 1);
    let file = &message.files[0];
    assert_eq!(file.filename, "streak-calendar.png");
    assert!(file.data.len() <= 60 * 1024, "{} bytes", file.data.len());
    let png = tiny_skia::Pixmap::decode_png(&file.data).expect("a PNG");
    assert!(png.width() >= 400 && png.height() >= 150);

    let today = NaiveDate::from_ymd_opt(2026, 6, 10).unwrap();
    let calendar = qotd::core::calendar::calendar(today, &[], &Default::default(), None);
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
    for (date, mark) in [
        (day(1), Day::Unaided),
        (day(3), Day::AfterHint),
        (day(8), Day::Frozen),
        (day(9), Day::Missed),
        (
            NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(),
            Day::NoQuestion,
        ),
    ] {
        let (x, y) = qotd::picture::square_centre(&calendar, date).unwrap();
        let pixel = png.pixel(x, y).unwrap();
        assert_eq!(
            [pixel.red(), pixel.green(), pixel.blue()],
            qotd::picture::colour(mark),
            "{date}: {mark:?}"
        );
    }
    harness.fake.assert_clean();
    harness.assert_no_mass_pings();
}

/// The fake Discord reads files the way Discord takes them (multipart: `payload_json`
/// and `files[n]`), from serenity's own encoding, on an interaction's follow-up too.
#[tokio::test]
async fn the_fake_discord_stores_the_files_of_a_multipart_follow_up() {
    use poise::serenity_prelude as serenity;
    use serenity::builder::Builder as _;
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.setup_nine_new_york(CHANNEL, vec![]).await;
    let (token, _) = practice(&mut harness, "stats").await;
    let followup = serenity::CreateInteractionResponseFollowup::new()
        .content("a file")
        .add_file(serenity::CreateAttachment::bytes(
            &b"\x89PNG bytes"[..],
            "one.png",
        ))
        .add_file(serenity::CreateAttachment::bytes(&b"second"[..], "two.txt"));
    let http = harness.serenity_http();
    http.set_application_id(fake_discord::APPLICATION_ID.into());
    let sent = followup
        .execute(&http, (None, &token))
        .await
        .expect("the fake takes a multipart follow-up");
    let stored = harness.fake.message(sent.id.get()).unwrap();
    let files: Vec<(&str, &[u8])> = stored
        .files
        .iter()
        .map(|f| (f.filename.as_str(), f.data.as_slice()))
        .collect();
    assert_eq!(
        files,
        [
            ("one.png", &b"\x89PNG bytes"[..]),
            ("two.txt", &b"second"[..])
        ]
    );
    assert_eq!(sent.attachments.len(), 2);
    assert_eq!(stored.content(), "a file");
    harness.fake.assert_clean();
}

/// SPEC §8: in a server with no daily channel, `/practice` serves the default bank
/// (issue 27, item 9: it said "Nothing to practise yet" for ever).
#[tokio::test]
async fn practice_in_a_server_without_a_daily_channel_offers_the_default_banks_questions() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    assert!(
        harness
            .store()
            .guild_schedules(GUILD)
            .await
            .unwrap()
            .is_empty(),
        "no daily channel"
    );
    let (token, card) = practice(&mut harness, "next").await;
    let first = harness.app().library.default_bank().questions()[0]
        .id
        .clone();
    assert_eq!(
        shown_question(&harness, &card),
        first.as_str(),
        "{}",
        card.text()
    );
    // Rated, it joins the deck; the next card is the bank's next question.
    let message = reply_message(&harness, &token);
    let hint = press(&mut harness, &message, &buttons(&card)[0]).await;
    let next = press(&mut harness, &message, &buttons(&hint)[2]).await;
    let second = harness.app().library.default_bank().questions()[1]
        .id
        .clone();
    assert_eq!(
        shown_question(&harness, &next),
        second.as_str(),
        "{}",
        next.text()
    );
    assert_eq!(deck(&harness).await.len(), 1);
    harness.fake.assert_clean();
}
