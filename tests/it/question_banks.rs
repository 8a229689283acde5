//! SPEC §10 end to end: members' suggestions with admin approval, and several question
//! banks, through the fake Discord with the clock controlled.

use std::collections::HashSet;
use std::path::Path;

use crate::support::*;
use fake_discord::fixtures::Invoker;
use serde_json::{Value, json};

/// A small bank: three basics and one advanced question.
const SMALL_BANK: &str = "title: Small prep\n\
categories:\n  basics: Basics\n  advanced: Advanced\n\
questions:\n\
  - {id: b1, category: basics, difficulty: 1, question: 'Basics one?', hint: 'b1'}\n\
  - {id: b2, category: basics, difficulty: 1, question: 'Basics two?', hint: 'b2'}\n\
  - {id: b3, category: basics, difficulty: 1, question: 'Basics three?', hint: 'b3'}\n\
  - {id: a1, category: advanced, difficulty: 4, question: 'Advanced one?', hint: 'a1'}\n";

/// A bank whose ids are `a` and `b`, its questions' text starting with `prefix`.
fn two_question_bank(title: &str, prefix: &str) -> String {
    format!(
        "title: {title}\ncategories:\n  basics: Basics\nquestions:\n\
  - {{id: a, category: basics, difficulty: 1, question: '{prefix} A?', hint: 'ha'}}\n\
  - {{id: b, category: basics, difficulty: 2, question: '{prefix} B?', hint: 'hb'}}\n"
    )
}

/// `/suggest new` by `invoker` with `options`; returns the reply.
async fn suggest(harness: &mut Harness, invoker: &Invoker, options: Value) -> Reply {
    let options = json!([{ "name": "new", "type": 1, "options": options }]);
    let token = harness.slash(invoker, CHANNEL, "suggest", options, json!({}));
    harness.reply(&token).await
}

fn suggestion(question: &str, hint: &str, category: &str) -> Value {
    json!([
        string_option("question", question),
        string_option("hint", hint),
        string_option("category", category)
    ])
}

/// The message an interaction's reply created or last updated.
fn message_of(harness: &Harness, token: &str) -> Value {
    let log = harness
        .fake
        .interaction(token)
        .expect("the interaction is logged");
    let id = log
        .original_message_id
        .or(log.message_id)
        .expect("the reply is a message");
    harness.fake.message(id).unwrap().json
}

/// The custom ids of every button of a reply, row by row.
fn buttons(reply: &Reply) -> Vec<String> {
    reply.data["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| b["custom_id"].as_str().unwrap().to_owned())
        .collect()
}

/// The statuses of the member's suggestions, by id.
async fn statuses(harness: &Harness, user: u64) -> Vec<(i64, &'static str)> {
    let mut all: Vec<_> = harness
        .store()
        .member_suggestions(GUILD, user)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.status.as_str()))
        .collect();
    all.sort();
    all
}

/// [`MEMBER`] files suggestion #1 (`question` in `category`); the admin opens
/// `/qotd suggestions`. Returns the review message, as its buttons see it.
async fn one_suggestion_under_review(
    harness: &mut Harness,
    question: &str,
    category: &str,
) -> Value {
    suggest(
        harness,
        &member(MEMBER),
        suggestion(question, "Hint.", category),
    )
    .await
    .assert_says("Suggestion #1 is filed");
    let token = harness.qotd(&admin(), "suggestions", json!([]));
    harness.reply(&token).await;
    message_of(harness, &token)
}

async fn small_bank_harness(dir: &Path) -> Harness {
    let bank = dir.join("bank.yaml");
    std::fs::write(&bank, SMALL_BANK).unwrap();
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z")).await;
    harness.questions = bank;
    harness.start_bot().await;
    harness
}

#[tokio::test]
async fn suggestions_are_checked_limited_to_three_and_a_broken_one_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = small_bank_harness(dir.path()).await;
    let ada = member(MEMBER);

    let filed = suggest(
        &mut harness,
        &ada,
        suggestion("Why calibrate?", "Confidence.", "basics"),
    )
    .await;
    assert!(filed.ephemeral);
    filed.assert_says("Suggestion #1 is filed");

    let long = "x".repeat(2_000);
    let broken = suggest(&mut harness, &ada, suggestion(&long, "", "cooking")).await;
    assert!(broken.ephemeral);
    broken
        .assert_says("Your suggestion was not filed")
        .assert_says(
            "`question`: a suggested question can have at most 1000 characters (this one has 2000)",
        )
        .assert_says("`hint`: `hint` must not be empty")
        .assert_says("`category`: unknown category `cooking` (declared: basics, advanced)");
    assert_eq!(
        statuses(&harness, MEMBER).await,
        [(1, "pending")],
        "nothing stored"
    );

    for text in ["Second?", "Third?"] {
        suggest(&mut harness, &ada, suggestion(text, "Hint.", "advanced"))
            .await
            .assert_says("is filed");
    }
    let fourth = suggest(&mut harness, &ada, suggestion("Fourth?", "Hint.", "basics")).await;
    fourth.assert_says("You already have 3 suggestions waiting");
    assert_eq!(
        statuses(&harness, MEMBER).await.len(),
        3,
        "the fourth is not stored"
    );
    // Another member has their own three.
    suggest(
        &mut harness,
        &member(MEMBER + 1),
        suggestion("Theirs?", "Hint.", "basics"),
    )
    .await
    .assert_says("Suggestion #4 is filed");
    harness.fake.assert_clean();
}

#[tokio::test]
async fn an_approved_suggestion_is_asked_within_the_current_pass_credited_by_name_without_a_ping() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = small_bank_harness(dir.path()).await;
    let basics = vec![string_option("category", "basics")];
    let first = harness.first_post_at_nine(CHANNEL, basics).await;

    let mut ada = member(MEMBER);
    ada.name = "Ada @everyone <@&123456789012345678>".to_owned();
    let text = "@everyone <@&123456789012345678> what does a calibrated model promise?";
    suggest(
        &mut harness,
        &ada,
        suggestion(text, "Probabilities mean what they say.", "basics"),
    )
    .await
    .assert_says("Suggestion #1 is filed");
    suggest(
        &mut harness,
        &ada,
        suggestion("Rejected one?", "Hint.", "advanced"),
    )
    .await
    .assert_says("Suggestion #2 is filed");

    // The admin's review list: both, oldest first, with Approve and Reject each.
    let token = harness.qotd(&admin(), "suggestions", json!([]));
    let review = harness.reply(&token).await;
    assert!(review.ephemeral);
    review.assert_says("2 suggestions are waiting for a decision.");
    assert_eq!(review.embeds.len(), 2);
    assert_eq!(review.embeds[0]["description"], json!(text));
    assert_eq!(
        review.embeds[0]["author"]["name"],
        json!("Suggested by Ada @everyone <@&123456789012345")
    );
    assert_eq!(
        buttons(&review),
        [
            "suggest:approve:1",
            "suggest:reject:1",
            "suggest:approve:2",
            "suggest:reject:2"
        ]
    );
    let message = message_of(&harness, &token);

    // Approve: the list updates in place.
    let token = harness.press_button(&admin(), CHANNEL, "suggest:approve:1", message.clone());
    let approved = harness.reply(&token).await;
    assert_eq!(approved.kind, 7);
    approved
        .assert_says("✅ Approved #1")
        .assert_says("1 suggestion is waiting");
    assert_eq!(
        buttons(&approved),
        ["suggest:approve:2", "suggest:reject:2"]
    );

    // Reject: a modal asks for the reason; an empty one changes nothing.
    let message = message_of(&harness, &token);
    let token = harness.press_button(&admin(), CHANNEL, "suggest:reject:2", message.clone());
    let callback = harness.waiter().callback(&token).await;
    assert_eq!(callback["type"], json!(9), "a modal: {callback}");
    assert_eq!(callback["data"]["custom_id"], json!("suggest:reason:2"));
    let token = harness.submit_modal(
        GUILD,
        &admin(),
        "suggest:reason:2",
        &[("reason", "  ")],
        message.clone(),
    );
    harness.reply(&token).await.assert_says("Give a reason");
    assert_eq!(
        statuses(&harness, MEMBER).await,
        [(1, "approved"), (2, "pending")]
    );
    let reason = "Too close to an existing question.";
    let token = harness.submit_modal(
        GUILD,
        &admin(),
        "suggest:reason:2",
        &[("reason", reason)],
        message,
    );
    let rejected = harness.reply(&token).await;
    assert_eq!(rejected.kind, 7);
    rejected
        .assert_says("❌ Rejected #2")
        .assert_says("No suggestions are waiting");

    // The member sees both outcomes.
    let token = harness.slash(
        &ada,
        CHANNEL,
        "suggest",
        json!([{ "name": "list", "type": 1, "options": [] }]),
        json!({}),
    );
    let list = harness.reply(&token).await;
    assert!(list.ephemeral);
    let shown = list.embeds[0]["description"].as_str().unwrap().to_owned();
    assert!(shown.contains("**#1** · ✅ approved"), "{shown}");
    assert!(shown.contains("**#2** · ❌ rejected"), "{shown}");
    assert!(shown.contains(&format!("Reason: {reason}")), "{shown}");

    // The pass of `basics` had three questions, one asked: the next three days ask the
    // other two and the suggestion, before any question comes back.
    let since = harness.fake.requests().len();
    let mut asked = HashSet::new();
    for day in 2..=4u32 {
        harness
            .tick_to(at(&format!("2026-06-{day:02}T13:00:00Z")))
            .await;
        asked.insert(
            harness
                .wait_daily_post(CHANNEL, i64::from(day))
                .await
                .question_id,
        );
    }
    let expected: HashSet<String> = ["b1", "b2", "b3", "suggestion:1"]
        .into_iter()
        .filter(|id| *id != first.question_id)
        .map(str::to_owned)
        .collect();
    assert_eq!(asked, expected);

    // Its post credits Ada by name, as text, and pings no one.
    let posted = harness
        .daily_messages(CHANNEL)
        .into_iter()
        .find(|m| m.embeds()[0]["description"] == json!(text))
        .expect("the suggestion was posted");
    let embed = &posted.embeds()[0];
    assert_eq!(
        embed["author"]["name"],
        json!("Suggested by Ada @everyone <@&123456789012345")
    );
    assert_eq!(embed["fields"][0]["value"], json!("Basics"));
    let sent = harness.requests_since(since, "POST", &format!("/channels/{CHANNEL}/messages"));
    let create = sent
        .iter()
        .find(|r| {
            r.body
                .as_ref()
                .is_some_and(|b| b["embeds"][0]["description"] == json!(text))
        })
        .expect("the post's request");
    assert_eq!(
        create.body.as_ref().unwrap()["allowed_mentions"],
        json!({ "parse": [], "roles": [], "users": [] })
    );
    harness.assert_no_mass_pings();
    harness.fake.assert_clean();
}

#[tokio::test]
async fn only_this_servers_admins_see_and_decide_its_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = small_bank_harness(dir.path()).await;
    let message = one_suggestion_under_review(&mut harness, "Mine?", "basics").await;

    // A member without Manage Server: refused, by the command and by the buttons.
    let token = harness.qotd(&member(MEMBER + 1), "suggestions", json!([]));
    harness.reply(&token).await.assert_says("Manage Server");
    for button in ["suggest:approve:1", "suggest:reject:1"] {
        let token = harness.press_button(&member(MEMBER + 1), CHANNEL, button, message.clone());
        let refused = harness.reply(&token).await;
        assert!(refused.ephemeral, "{button}");
        refused.assert_says("Only members with the **Manage Server** permission can decide");
    }
    let token = harness.submit_modal(
        GUILD,
        &member(MEMBER + 1),
        "suggest:reason:1",
        &[("reason", "No.")],
        message.clone(),
    );
    harness.reply(&token).await.assert_says("Manage Server");

    // Another server's admin sees none of them and cannot decide them.
    let other = json!([{ "name": "suggestions", "type": 1, "options": [] }]);
    let token = send_slash(
        &harness.fake,
        OTHER_GUILD,
        &admin(),
        OTHER_GUILD_CHANNEL,
        "qotd",
        other,
        json!({}),
    );
    let theirs = harness.reply(&token).await;
    theirs.assert_says("No suggestions are waiting");
    assert!(theirs.embeds.is_empty());
    let token = harness.press_button_in(
        OTHER_GUILD,
        &admin(),
        OTHER_GUILD_CHANNEL,
        "suggest:approve:1",
        message.clone(),
    );
    harness
        .reply(&token)
        .await
        .assert_says("This server has no suggestion #1");
    let token = harness.submit_modal(
        OTHER_GUILD,
        &admin(),
        "suggest:reason:1",
        &[("reason", "Mine now.")],
        message,
    );
    harness
        .reply(&token)
        .await
        .assert_says("This server has no suggestion #1");

    assert_eq!(statuses(&harness, MEMBER).await, [(1, "pending")]);
    harness.fake.assert_clean();
}

#[tokio::test]
async fn two_banks_in_a_directory_give_each_channel_only_its_banks_questions() {
    let dir = tempfile::tempdir().unwrap();
    let banks = dir.path().join("banks");
    std::fs::create_dir(&banks).unwrap();
    std::fs::write(
        banks.join("questions.yaml"),
        two_question_bank("General", "General"),
    )
    .unwrap();
    std::fs::write(
        banks.join("system-design.yaml"),
        two_question_bank("System design", "SD"),
    )
    .unwrap();
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z")).await;
    harness.questions = banks;
    harness.start_bot().await;

    // The bank option is autocompleted, and an unknown bank is refused.
    let focused = json!({ "name": "bank", "type": 3, "value": "sys", "focused": true });
    let setup = json!([{ "name": "setup", "type": 1, "options": [focused] }]);
    let token = harness.autocomplete(&admin(), "qotd", setup);
    let callback = harness.waiter().callback(&token).await;
    assert_eq!(
        callback["data"]["choices"],
        json!([{ "name": "system-design", "value": "system-design" }])
    );
    let options = json!([
        channel_option("channel", OTHER_CHANNEL),
        string_option("time", "09:00"),
        string_option("timezone", "America/New_York"),
        string_option("bank", "cooking")
    ]);
    let token = harness.qotd(&admin(), "setup", options);
    let cooking = harness.reply(&token).await;
    assert!(
        harness
            .store()
            .schedule(OTHER_CHANNEL)
            .await
            .unwrap()
            .is_none()
    );
    cooking.assert_says(
        "There is no question bank `cooking`. Choose one of: questions, system-design.",
    );

    // Choosing the default bank by name stores "the default bank".
    harness
        .setup_nine_new_york(CHANNEL, vec![string_option("bank", "questions")])
        .await;
    let schedule = harness.store().schedule(CHANNEL).await.unwrap().unwrap();
    assert_eq!(schedule.bank, None);
    harness
        .setup_nine_new_york(OTHER_CHANNEL, vec![string_option("bank", "system-design")])
        .await
        .assert_says("bank `system-design`");

    let mut asked: [Vec<String>; 2] = Default::default();
    for day in 1..=4u32 {
        harness
            .tick_to(at(&format!("2026-06-{day:02}T13:00:00Z")))
            .await;
        for (i, channel) in [CHANNEL, OTHER_CHANNEL].into_iter().enumerate() {
            let post = harness.wait_daily_post(channel, i64::from(day)).await;
            asked[i].push(post.question_id);
        }
    }
    let sorted = |ids: &[String]| {
        let mut ids = ids.to_vec();
        ids.sort();
        ids
    };
    assert_eq!(
        sorted(&asked[0]),
        ["a", "a", "b", "b"],
        "two passes of the default bank"
    );
    assert_eq!(
        sorted(&asked[1]),
        [
            "system-design/a",
            "system-design/a",
            "system-design/b",
            "system-design/b"
        ]
    );
    let texts = |channel| -> Vec<String> {
        harness
            .daily_messages(channel)
            .iter()
            .map(|m| m.embeds()[0]["description"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        texts(CHANNEL).iter().all(|t| t.starts_with("General")),
        "{:?}",
        texts(CHANNEL)
    );
    assert!(
        texts(OTHER_CHANNEL).iter().all(|t| t.starts_with("SD")),
        "{:?}",
        texts(OTHER_CHANNEL)
    );

    // /quiz takes the channel's bank, or the one asked for.
    let token = harness.slash(&member(MEMBER), OTHER_CHANNEL, "quiz", json!([]), json!({}));
    let quiz = harness.reply(&token).await;
    assert!(
        quiz.embeds[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("SD"),
        "{quiz:?}"
    );
    let options = json!([string_option("bank", "system-design")]);
    let token = harness.slash(&member(MEMBER), CHANNEL, "quiz", options, json!({}));
    let quiz = harness.reply(&token).await;
    assert!(
        quiz.embeds[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("SD"),
        "{quiz:?}"
    );

    // /qotd status names the chosen bank.
    let token = harness.qotd(&admin(), "status", json!([]));
    let status = harness.reply(&token).await;
    let shown = status.embeds[0]["description"].as_str().unwrap();
    assert!(shown.contains("bank `system-design`"), "{shown}");
    harness.fake.assert_clean();
}

#[tokio::test]
async fn a_suggestion_whose_category_left_the_bank_cannot_be_approved() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = small_bank_harness(dir.path()).await;
    suggest(
        &mut harness,
        &member(MEMBER),
        suggestion("Hard one?", "Hint.", "advanced"),
    )
    .await
    .assert_says("Suggestion #1 is filed");
    // The operator drops the `advanced` category from the bank and restarts.
    harness.stop_bot().await;
    let without_advanced = SMALL_BANK.replace("  advanced: Advanced\n", "").replace(
        "- {id: a1, category: advanced, difficulty: 4, question: 'Advanced one?', hint: 'a1'}\n",
        "",
    );
    std::fs::write(&harness.questions, without_advanced).unwrap();
    harness.start_bot().await;

    let token = harness.qotd(&admin(), "suggestions", json!([]));
    harness.reply(&token).await;
    let message = message_of(&harness, &token);
    let token = harness.press_button(&admin(), CHANNEL, "suggest:approve:1", message);
    let refused = harness.reply(&token).await;
    assert!(refused.ephemeral);
    refused
        .assert_says("Suggestion #1 no longer fits the bank")
        .assert_says("unknown category `advanced` (declared: basics)");
    assert_eq!(statuses(&harness, MEMBER).await, [(1, "pending")]);
    harness.fake.assert_clean();
}
