//! Members' data rights (SPEC §15): `/privacy export` holds every row about the caller
//! in the server and nothing else; `/privacy delete` leaves the database as if the
//! member had never answered there; `/privacy hide` takes them off the leaderboards
//! and nothing else; a server that removed the bot loses its data 30 days later,
//! once, unless the bot is back.

use crate::support::disk_faults::CapturedLog;
use crate::support::*;
use qotd::storage::Store;
use serde_json::{Value, json};

const SECOND: u64 = 555_555_555_555_555_003;
const QUESTIONS: [&str; 3] = [
    "affective-computing-vs-sentiment-analysis",
    "emotion-models",
    "discrete-vs-dimensional-emotions",
];

/// A server of the seeded scene: its daily channel, two daily posts, a quiz, a team.
struct Place {
    guild: u64,
    channel: u64,
    posts: [i64; 2],
    quiz: u64,
    team: i64,
    index: i64,
}

const ONE: Place = Place {
    guild: GUILD,
    channel: CHANNEL,
    posts: [101, 102],
    quiz: 9_101,
    team: 11,
    index: 1,
};
const TWO: Place = Place {
    guild: OTHER_GUILD,
    channel: OTHER_GUILD_CHANNEL,
    posts: [201, 202],
    quiz: 9_201,
    team: 21,
    index: 2,
};

fn ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

/// A bound value of a seeding statement.
enum B {
    I(i64),
    T(String),
    Null,
    R(f64),
    Bool(bool),
}

fn t(text: &str) -> B {
    B::T(text.to_owned())
}

fn id(id: u64) -> B {
    B::I(id as i64)
}

async fn exec(store: &Store, sql: &str, binds: Vec<B>) {
    on_pool!(store, |pool| {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
        for bind in &binds {
            query = match bind {
                B::I(n) => query.bind(*n),
                B::T(text) => query.bind(text.clone()),
                B::Null => query.bind(None::<i64>),
                B::R(x) => query.bind(*x),
                B::Bool(b) => query.bind(*b),
            };
        }
        query
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    })
}

/// The server's own rows: settings, schedule (paused: the bot posts nothing), two
/// finished daily posts, a skip, a reward role, a season's post and champion, a team,
/// a quiz.
async fn seed_server(store: &Store, p: &Place, champion: Option<u64>) {
    let role = 8_100 + p.index;
    exec(
        store,
        "INSERT INTO guild_settings (guild_id, champion_role_id) VALUES ($1, $2)",
        vec![id(p.guild), B::I(role + 1)],
    )
    .await;
    exec(store, "INSERT INTO schedules (channel_id, guild_id, post_time, timezone, reveal_after_minutes, \
         reveal_reactions, paused, removed, active_since, rotation_seed, updated_at, private_answers) \
         VALUES ($1, $2, '09:00', 'America/New_York', 60, 3, TRUE, FALSE, $3, 1, $3, FALSE)",
        vec![id(p.channel), id(p.guild), B::I(ms("2026-05-01T00:00:00Z"))]).await;
    for (n, post) in p.posts.iter().enumerate() {
        let day = format!("2026-06-0{}", n + 1);
        exec(store, "INSERT INTO daily_posts (id, channel_id, guild_id, local_date, seq, question_id, pass, \
             nonce, claimed_at, message_id, thread_id, reacted, reveal_reactions, reveal_due_at, \
             revealed_at, reveal_reason, reveal_shown, private_answers) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, TRUE, 3, $11, $11, 'timeout', TRUE, FALSE)",
            vec![B::I(*post), id(p.channel), id(p.guild), B::T(day.clone()), B::I(n as i64 + 1),
                 t(QUESTIONS[n]), B::T(format!("seed-{post}")), B::I(ms(&format!("{day}T13:00:00Z"))),
                 B::I(7_000 + post), B::I(7_500 + post), B::I(ms(&format!("{day}T14:00:00Z")))]).await;
    }
    let at = B::I(ms("2026-06-01T15:00:00Z"));
    exec(store, "INSERT INTO rotation_skips (channel_id, pass, question_id, skipped_at) VALUES ($1, 1, $2, $3)", vec![id(p.channel), t(QUESTIONS[2]), B::I(ms("2026-06-01T15:00:00Z"))]).await;
    exec(
        store,
        "INSERT INTO role_rewards (guild_id, role_id, streak) VALUES ($1, $2, 2)",
        vec![id(p.guild), B::I(role)],
    )
    .await;
    exec(store, "INSERT INTO season_posts (channel_id, season, guild_id, taken_at, message_id) VALUES ($1, '2026-05', $2, $3, $4)", vec![id(p.channel), id(p.guild), B::I(ms("2026-06-01T04:00:00Z")), B::I(7_900 + p.index)]).await;
    let champion = champion.map_or(B::Null, id);
    exec(store, "INSERT INTO season_champions (guild_id, season, user_id, taken_at, moved_at) VALUES ($1, '2026-05', $2, $3, $3)", vec![id(p.guild), champion, B::I(ms("2026-06-01T04:00:00Z"))]).await;
    exec(store, "INSERT INTO teams (id, guild_id, name, name_key, created_at) VALUES ($1, $2, 'Owls', 'owls', $3)", vec![B::I(p.team), id(p.guild), at]).await;
    exec(store, "INSERT INTO quiz_posts (message_id, guild_id, channel_id, question_id, reveal_reactions, posted_at) VALUES ($1, $2, $3, $4, 3, $5)", vec![id(p.quiz), id(p.guild), id(p.channel), t(QUESTIONS[1]), B::I(ms("2026-06-01T16:00:00Z"))]).await;
}

/// A member's message showing their private answer on the second post.
fn answer_message(p: &Place, k: u64) -> u64 {
    7_700 + 10 * p.index as u64 + k
}

/// An approved suggestion by `user` (0 and "a member" once its author deleted
/// their data).
async fn seed_approved(store: &Store, p: &Place, k: u64, user: u64, author: &str) {
    exec(store, "INSERT INTO suggestions (id, guild_id, user_id, author_name, category, difficulty, question, \
         hint, status, decided_by, created_at, decided_at) \
         VALUES ($1, $2, $3, $4, 'beginner', 2, 'What is valence?', 'Pleasantness.', 'approved', $5, $6, $7)",
        vec![B::I(1_000 * p.index + 10 * k as i64 + 2), id(p.guild), id(user), t(author), id(ADMIN),
             B::I(ms("2026-06-03T10:00:00Z")), B::I(ms("2026-06-04T10:00:00Z"))]).await;
}

/// Every kind of row about member `user` (number `k`) in `p`.
async fn seed_member(store: &Store, p: &Place, user: u64, k: u64, hidden: bool) {
    let (g, c, u) = (id(p.guild), id(p.channel), id(user));
    let ki = k as i64;
    for (n, post) in p.posts.iter().enumerate() {
        exec(store, "INSERT INTO answers (post_id, user_id, answered_at, unaided, counted) VALUES ($1, $2, $3, $4, TRUE)",
            vec![B::I(*post), id(user), B::I(ms(&format!("2026-06-0{}T13:0{k}:00Z", n + 1))), B::Bool(n == 0)]).await;
    }
    exec(
        store,
        "INSERT INTO member_streaks (channel_id, user_id, guild_id, current, best, total, unaided, \
         last_answered_seq, freezes) VALUES ($1, $2, $3, $4, 2, 2, 1, 2, 0)",
        vec![id(p.channel), id(user), id(p.guild), B::I(3 - ki)],
    )
    .await;
    exec(
        store,
        "INSERT INTO streak_freezes (channel_id, user_id, seq) VALUES ($1, $2, 1)",
        vec![id(p.channel), id(user)],
    )
    .await;
    exec(store, "INSERT INTO streak_adjustments (id, channel_id, user_id, admin_id, at, old_current, new_current, \
         old_best, new_best) VALUES ($1, $2, $3, $4, $5, 1, 2, 1, 2)", vec![B::I(100 * p.index + ki), c, id(user), id(ADMIN), B::I(ms("2026-06-02T20:00:00Z"))]).await;
    exec(store, "INSERT INTO practice_cards (guild_id, user_id, question_id, due, stability, difficulty, elapsed_days, \
         scheduled_days, reps, lapses, state, last_review, introduced_at, introduced_by) \
         VALUES ($1, $2, $3, $4, $5, 5.0, 1, 4, 1, 0, 2, $6, $6, 'daily')",
        vec![id(p.guild), id(user), t(QUESTIONS[0]), B::I(ms("2026-06-05T14:00:00Z")), B::R(2.5), B::I(ms("2026-06-01T14:00:00Z"))]).await;
    exec(store, "INSERT INTO practice_reviews (id, guild_id, user_id, question_id, rating, reviewed_at, source, post_id) \
         VALUES ($1, $2, $3, $4, 3, $5, 'daily', $6)", vec![B::I(100 * p.index + ki), id(p.guild), id(user), t(QUESTIONS[0]), B::I(ms("2026-06-01T14:00:00Z")), B::I(p.posts[0])]).await;
    exec(store, "INSERT INTO suggestions (id, guild_id, user_id, author_name, category, difficulty, question, hint, \
         status, created_at) VALUES ($1, $2, $3, 'Ada', 'beginner', 3, 'What is arousal?', 'Energy.', 'pending', $4)",
        vec![B::I(1_000 * p.index + 10 * ki + 1), id(p.guild), id(user), B::I(ms("2026-06-03T09:00:00Z"))]).await;
    seed_approved(store, p, k, user, "Ada").await;
    exec(store, "INSERT INTO private_answers (post_id, user_id, guild_id, author_name, body, submitted_at, updated_at, \
         message_id) VALUES ($1, $2, $3, 'Ada', 'Valence and arousal.', $4, $4, $5)",
        vec![B::I(p.posts[1]), id(user), id(p.guild), B::I(ms("2026-06-02T13:30:00Z")), id(answer_message(p, k))]).await;
    exec(
        store,
        "INSERT INTO answer_messages (message_id, post_id, user_id) VALUES ($1, $2, $3)",
        vec![id(answer_message(p, k)), B::I(p.posts[1]), u],
    )
    .await;
    exec(
        store,
        "INSERT INTO reveal_reactors (post_id, user_id) VALUES ($1, $2)",
        vec![B::I(p.posts[0]), id(user)],
    )
    .await;
    exec(
        store,
        "INSERT INTO quiz_reactors (message_id, user_id) VALUES ($1, $2)",
        vec![id(p.quiz), id(user)],
    )
    .await;
    exec(store, "INSERT INTO reminders (guild_id, user_id, hours_before, last_sent_on) VALUES ($1, $2, 3, '2026-06-02')", vec![id(p.guild), id(user)]).await;
    exec(store, "INSERT INTO rewards_given (guild_id, user_id, role_id, taken_at, given_at) VALUES ($1, $2, $3, $4, $4)", vec![id(p.guild), id(user), B::I(8_100 + p.index), B::I(ms("2026-06-02T13:10:00Z"))]).await;
    exec(
        store,
        "INSERT INTO team_members (guild_id, user_id, team_id, joined_at) VALUES ($1, $2, $3, $4)",
        vec![g, id(user), B::I(p.team), B::I(ms("2026-06-01T15:00:00Z"))],
    )
    .await;
    if hidden {
        exec(
            store,
            "INSERT INTO hidden_members (guild_id, user_id, hidden_at) VALUES ($1, $2, $3)",
            vec![id(p.guild), id(user), B::I(ms("2026-06-03T08:00:00Z"))],
        )
        .await;
    }
}

/// `voter` starred the private answer of member number `author`.
async fn seed_star(store: &Store, p: &Place, voter: u64, author: u64) {
    exec(
        store,
        "INSERT INTO answer_stars (message_id, voter_id) VALUES ($1, $2)",
        vec![id(answer_message(p, author)), id(voter)],
    )
    .await;
}

/// The scene: two members with every kind of row in two servers, each starring the
/// other's private answer; MEMBER was May's champion and left ONE's leaderboards.
/// Without `member_in_one`: as if MEMBER had never taken part in ONE (what a
/// deletion must leave: their approved suggestion stays, without them; May keeps no
/// champion).
async fn seed_scene(harness: &mut Harness, member_in_one: bool) {
    harness.stop_bot().await;
    let store = Store::open(&harness.database_url()).await.unwrap();
    for p in [&ONE, &TWO] {
        let mine = member_in_one || p.index == 2;
        seed_server(&store, p, mine.then_some(MEMBER)).await;
        seed_member(&store, p, SECOND, 2, false).await;
        if mine {
            seed_member(&store, p, MEMBER, 1, p.index == 1).await;
            seed_star(&store, p, MEMBER, 2).await;
            seed_star(&store, p, SECOND, 1).await;
        } else {
            seed_approved(&store, p, 1, 0, "a member").await;
        }
    }
    store.close().await;
    harness.start_bot().await;
}

/// What MEMBER's export from ONE must hold, table by table.
fn expected_tables() -> Value {
    let message = answer_message(&ONE, 1).to_string();
    json!({
        "answer_stars": [{ "message_id": answer_message(&ONE, 2).to_string() }],
        "answer_messages": [{ "message_id": message, "post_id": 102 }],
        "private_answers": [{
            "post_id": 102, "author_name": "Ada", "body": "Valence and arousal.",
            "submitted_at": "2026-06-02T13:30:00.000Z", "updated_at": "2026-06-02T13:30:00.000Z",
            "message_id": message
        }],
        "answers": [
            { "post_id": 101, "channel_id": CHANNEL.to_string(), "local_date": "2026-06-01",
              "question_id": QUESTIONS[0], "answered_at": "2026-06-01T13:01:00.000Z",
              "unaided": true, "counted": true },
            { "post_id": 102, "channel_id": CHANNEL.to_string(), "local_date": "2026-06-02",
              "question_id": QUESTIONS[1], "answered_at": "2026-06-02T13:01:00.000Z",
              "unaided": false, "counted": true }
        ],
        "member_streaks": [{
            "channel_id": CHANNEL.to_string(), "current": 2, "best": 2, "total": 2, "unaided": 1,
            "last_answered_seq": 2, "freezes": 0, "last_kept_seq": null, "last_freeze_seq": null,
            "before_latest_post": null
        }],
        "streak_freezes": [{ "channel_id": CHANNEL.to_string(), "seq": 1 }],
        "streak_adjustments": [{
            "channel_id": CHANNEL.to_string(), "at": "2026-06-02T20:00:00.000Z",
            "old_current": 1, "new_current": 2, "old_best": 1, "new_best": 2
        }],
        "practice_reviews": [{
            "question_id": QUESTIONS[0], "rating": 3, "reviewed_at": "2026-06-01T14:00:00.000Z",
            "source": "daily", "post_id": 101
        }],
        "practice_cards": [{
            "question_id": QUESTIONS[0], "due": "2026-06-05T14:00:00.000Z", "stability": 2.5,
            "difficulty": 5.0, "elapsed_days": 1, "scheduled_days": 4, "reps": 1, "lapses": 0,
            "state": 2, "last_review": "2026-06-01T14:00:00.000Z",
            "introduced_at": "2026-06-01T14:00:00.000Z", "introduced_by": "daily"
        }],
        "suggestions": [
            { "id": 1011, "author_name": "Ada", "bank": null, "category": "beginner",
              "difficulty": 3, "question": "What is arousal?", "hint": "Energy.",
              "status": "pending", "reason": null, "created_at": "2026-06-03T09:00:00.000Z",
              "decided_at": null },
            { "id": 1012, "author_name": "Ada", "bank": null, "category": "beginner",
              "difficulty": 2, "question": "What is valence?", "hint": "Pleasantness.",
              "status": "approved", "reason": null, "created_at": "2026-06-03T10:00:00.000Z",
              "decided_at": "2026-06-04T10:00:00.000Z" }
        ],
        "reveal_reactors": [{ "post_id": 101 }],
        "quiz_reactors": [{ "message_id": ONE.quiz.to_string() }],
        "reminders": [{ "hours_before": 3, "last_sent_on": "2026-06-02" }],
        "rewards_given": [{
            "role_id": "8101", "taken_at": "2026-06-02T13:10:00.000Z",
            "given_at": "2026-06-02T13:10:00.000Z"
        }],
        "season_champions": [{
            "season": "2026-05", "taken_at": "2026-06-01T04:00:00.000Z",
            "moved_at": "2026-06-01T04:00:00.000Z"
        }],
        "team_members": [{ "team_id": 11, "team_name": "Owls", "joined_at": "2026-06-01T15:00:00.000Z" }],
        "hidden_members": [{ "hidden_at": "2026-06-03T08:00:00.000Z" }]
    })
}

/// `/privacy <sub>` by `user`; returns the interaction token.
fn run_privacy(harness: &mut Harness, user: u64, sub: &str) -> String {
    let options = json!([{ "name": sub, "type": 1, "options": [] }]);
    harness.slash(&member(user), CHANNEL, "privacy", options, json!({}))
}

/// The message an interaction's reply created.
fn reply_message(harness: &Harness, token: &str) -> fake_discord::StoredMessage {
    let log = harness.fake.interaction(token).unwrap();
    harness
        .fake
        .message(log.original_message_id.unwrap())
        .unwrap()
}

/// A snapshot of every table, with the kept counts' empty rows (a standing no member
/// holds any more) left out: they count nothing.
async fn comparable(store: &Store) -> String {
    snapshot(store)
        .await
        .lines()
        .map(|line| match line.split_once(": ") {
            Some((table @ "guild_standings", rows)) => {
                let rows: Vec<&str> = rows
                    .split(';')
                    .filter(|row| !(row.ends_with("|0") || row.ends_with(",0)")))
                    .collect();
                format!("{table}: {}", rows.join(";"))
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What SECOND and an admin see: every leaderboard, the season, the statistics.
async fn what_members_see(harness: &mut Harness) -> Vec<String> {
    let mut seen = Vec::new();
    for options in [
        json!([]),
        json!([channel_option("channel", CHANNEL)]),
        json!([{ "name": "scope", "type": 4, "value": 1 }]),
        json!([{ "name": "scope", "type": 4, "value": 2 }]),
    ] {
        let token = harness.slash(&member(SECOND), CHANNEL, "leaderboard", options, json!({}));
        seen.push(harness.reply(&token).await.text());
    }
    let token = harness.qotd(&admin(), "stats", json!([]));
    seen.push(harness.reply(&token).await.text());
    let token = harness.slash(&member(SECOND), CHANNEL, "streak", json!([]), json!({}));
    seen.push(harness.reply(&token).await.text());
    seen
}

#[tokio::test]
async fn export_holds_every_row_about_the_caller_and_delete_leaves_what_never_answering_would() {
    let (log, _log_guard) = CapturedLog::install();
    let now = at("2026-06-10T12:00:00Z");
    let mut harness = Harness::started(now).await;
    seed_scene(&mut harness, true).await;
    let mut never = Harness::started(now).await;
    seed_scene(&mut never, false).await;

    // Export: a JSON file, only for the caller, with exactly their rows in ONE.
    let token = run_privacy(&mut harness, MEMBER, "export");
    let reply = harness.reply(&token).await;
    assert!(reply.ephemeral);
    reply.assert_says("2 answers to daily questions");
    let file = reply_message(&harness, &token).files.remove(0);
    assert_eq!(file.filename, format!("qotd-data-{GUILD}.json"));
    let export: Value = serde_json::from_slice(&file.data).unwrap();
    assert_eq!(export["format"], "qotd-member-export");
    assert_eq!(export["version"], 1);
    assert_eq!(export["server_id"], GUILD.to_string());
    assert_eq!(export["member_id"], MEMBER.to_string());
    assert_eq!(export["exported_at"], "2026-06-10T12:00:00.000Z");
    assert_eq!(export["tables"], expected_tables());

    // Delete: the confirmation says what goes; someone else's press deletes nothing.
    let token = run_privacy(&mut harness, MEMBER, "delete");
    let reply = harness.reply(&token).await;
    assert!(reply.ephemeral);
    reply
        .assert_says("• 2 answers to daily questions")
        .assert_says("• 1 team membership");
    let confirmation = reply_message(&harness, &token).json;
    let button = format!("privacy:delete:{MEMBER}");
    let before = snapshot(harness.store()).await;
    let token = harness.press_button(&member(SECOND), CHANNEL, &button, confirmation.clone());
    harness
        .reply(&token)
        .await
        .assert_says("someone else's data");
    assert_eq!(snapshot(harness.store()).await, before);

    let token = harness.press_button(&member(MEMBER), CHANNEL, &button, confirmation);
    harness
        .reply(&token)
        .await
        .assert_says("Deleted everything");
    let lines = log.lines_with("deleted a member's data");
    assert_eq!(lines.len(), 1, "{}", log.text());
    assert!(
        lines[0].contains("2 answers") && lines[0].contains("1 member_streaks"),
        "{}",
        lines[0]
    );

    // Every table as if MEMBER had never answered in ONE; what everyone sees, too.
    assert_eq!(
        comparable(harness.store()).await,
        comparable(never.store()).await
    );
    assert_eq!(
        what_members_see(&mut harness).await,
        what_members_see(&mut never).await
    );
    let token = run_privacy(&mut harness, MEMBER, "export");
    harness.reply(&token).await.assert_says("nothing");

    // June's final standings, posted at its end, are the same too.
    let end = at("2026-07-01T04:00:00Z");
    let mut posted = Vec::new();
    for bot in [&harness, &never] {
        bot.tick_engagement(end).await;
        posted.push(final_standings(bot));
    }
    assert_eq!(posted[0].len(), 1, "{posted:?}");
    assert!(lists(&posted[0][0], SECOND) && !lists(&posted[0][0], MEMBER));
    assert_eq!(posted[0], posted[1]);
    harness.assert_no_mass_pings();
}

/// The month-end standings posted in ONE's channel.
fn final_standings(harness: &Harness) -> Vec<String> {
    let messages = harness.fake.messages_in(CHANNEL);
    let embeds = messages.iter().map(|m| &m.json["embeds"][0]);
    embeds
        .filter(|e| {
            e["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("🏆 Final"))
        })
        .map(|e| e.to_string())
        .collect()
}

/// A new table is deleted with its server, and with a member when it holds one.
#[test]
fn every_table_goes_with_its_server_and_every_table_naming_a_member_with_them() {
    let mut server = qotd::storage::server_tables();
    server.push("server_removals");
    server.sort_unstable();
    let mut all: Vec<&str> = qotd::storage::copied_tables()
        .into_iter()
        .map(|(table, _)| table)
        .collect();
    all.sort_unstable();
    assert_eq!(server, all);
    // An admin's id on what they decided stays with the decision (docs/privacy.md).
    let decisions = [
        ("streak_adjustments", "admin_id"),
        ("suggestions", "decided_by"),
    ];
    let members = qotd::storage::member_tables();
    for (table, columns) in qotd::storage::copied_tables() {
        for column in columns {
            if ["user_id", "voter_id"].contains(&column) {
                assert!(members.contains(&table), "{table} names a member");
            } else if ["admin_id", "decided_by"].contains(&column) {
                assert!(decisions.contains(&(table, column)), "{table}.{column}");
            }
        }
    }
}

/// Whether a reply lists `user` (a leaderboard line mentions them).
fn lists(text: &str, user: u64) -> bool {
    text.contains(&format!("<@{user}>"))
}

/// The server, channel and season leaderboards as `user` sees them.
async fn leaderboards(harness: &mut Harness, user: u64) -> Vec<String> {
    let mut boards = Vec::new();
    for options in [
        json!([]),
        json!([channel_option("channel", CHANNEL)]),
        json!([{ "name": "scope", "type": 4, "value": 2 }]),
    ] {
        let token = harness.slash(&member(user), CHANNEL, "leaderboard", options, json!({}));
        boards.push(harness.reply(&token).await.text());
    }
    boards
}

/// Every table but `hidden_members`.
async fn without_hidden(store: &Store) -> String {
    let snapshot = snapshot(store).await;
    let lines = snapshot
        .lines()
        .filter(|l| !l.starts_with("hidden_members:"));
    lines.collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn hide_takes_a_member_off_the_leaderboards_and_nothing_else() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let first = harness.first_post_at_nine(CHANNEL, vec![]).await;
    harness.set_time(at("2026-06-01T13:05:00Z"));
    harness.answer_and_wait(&first, MEMBER).await;
    harness.answer_and_wait(&first, SECOND).await;
    let shown = leaderboards(&mut harness, SECOND).await;
    assert!(
        shown.iter().all(|b| lists(b, MEMBER) && lists(b, SECOND)),
        "{shown:?}"
    );

    let before = without_hidden(harness.store()).await;
    let token = run_privacy(&mut harness, MEMBER, "hide");
    harness
        .reply(&token)
        .await
        .assert_says("You left this server's leaderboards");
    assert_eq!(
        without_hidden(harness.store()).await,
        before,
        "nothing else changed"
    );
    for viewer in [SECOND, MEMBER] {
        let boards = leaderboards(&mut harness, viewer).await;
        assert!(
            boards.iter().all(|b| !lists(b, MEMBER) && lists(b, SECOND)),
            "{boards:?}"
        );
        assert!(
            boards.iter().all(|b| b.contains("— 1 members")),
            "{boards:?}"
        );
    }
    let own = leaderboards(&mut harness, MEMBER).await;
    assert!(
        own.iter()
            .all(|b| b.contains("You are off this server's leaderboards")),
        "{own:?}"
    );
    let token = run_privacy(&mut harness, MEMBER, "hide");
    harness.reply(&token).await.assert_says("already off");

    // The streak goes on, off the leaderboards.
    harness.tick_to(at("2026-06-02T13:00:00Z")).await;
    let second = harness.wait_daily_post(CHANNEL, 2).await;
    harness.set_time(at("2026-06-02T13:05:00Z"));
    harness.answer_and_wait(&second, MEMBER).await;
    let streak = harness
        .store()
        .member_streak(CHANNEL, MEMBER)
        .await
        .unwrap();
    assert_eq!((streak.current, streak.total), (2, 2));
    let own = harness.member_command(MEMBER, "streak").await.text();
    assert!(own.contains("**2**"), "{own}");
    assert!(
        leaderboards(&mut harness, SECOND)
            .await
            .iter()
            .all(|b| !lists(b, MEMBER))
    );

    // Back on: first again, with the streak kept.
    let token = run_privacy(&mut harness, MEMBER, "show");
    harness.reply(&token).await.assert_says("You are back");
    let boards = leaderboards(&mut harness, SECOND).await;
    for board in &boards {
        let (me, other) = (
            board.find(&format!("<@{MEMBER}>")),
            board.find(&format!("<@{SECOND}>")),
        );
        assert!(me.is_some() && me < other, "{board}");
    }
    harness.assert_no_mass_pings();
}

/// Rows of the other server, seeded while the bot is stopped (so the snapshot can
/// show they never change).
async fn seed_other_server(harness: &mut Harness) {
    harness.stop_bot().await;
    let store = Store::open(&harness.database_url()).await.unwrap();
    seed_server(&store, &TWO, Some(MEMBER)).await;
    seed_member(&store, &TWO, MEMBER, 1, false).await;
    seed_member(&store, &TWO, SECOND, 2, true).await;
    seed_star(&store, &TWO, SECOND, 1).await;
    // Its channel no longer a daily one: month ends and reminders leave it as it is.
    exec(
        &store,
        "UPDATE schedules SET removed = TRUE WHERE channel_id = $1",
        vec![id(TWO.channel)],
    )
    .await;
    store.close().await;
    harness.start_bot().await;
}

fn removed(harness: &Harness) {
    harness
        .fake
        .dispatch("GUILD_DELETE", json!({ "id": GUILD.to_string() }));
}

fn back(harness: &Harness) {
    let channels = vec![fake_discord::fixtures::channel(
        CHANNEL, GUILD, "daily", 0, None,
    )];
    harness.fake.dispatch(
        "GUILD_CREATE",
        fake_discord::fixtures::guild(GUILD, "Interview Prep", fake_discord::OWNER_ID, &channels),
    );
}

async fn removals(store: &Store) -> Vec<u64> {
    let removals = store.server_removals().await.unwrap();
    removals.into_iter().map(|(guild, _)| guild).collect()
}

#[tokio::test]
async fn a_removed_servers_data_goes_thirty_days_later_once_unless_the_bot_is_back() {
    let (log, _log_guard) = CapturedLog::install();
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    seed_other_server(&mut harness).await;
    let others = snapshot(harness.store()).await;
    let first = harness.first_post_at_nine(CHANNEL, vec![]).await;
    harness.set_time(at("2026-06-01T13:05:00Z"));
    harness.answer_and_wait(&first, MEMBER).await;
    let token = harness.slash(
        &member(MEMBER),
        CHANNEL,
        "remind",
        json!([{ "name": "on", "type": 1, "options": [] }]),
        json!({}),
    );
    harness.reply(&token).await;

    // Removed on June 1; back on day 20, and removed again before the next hourly
    // pass: the 30 days start again from the second removal.
    removed(&harness);
    harness
        .wait_until("the removal recorded", async || {
            removals(harness.store()).await == [GUILD]
        })
        .await;
    harness.tick_to(at("2026-06-21T15:00:00Z")).await;
    back(&harness);
    harness.wait_daily_post(CHANNEL, 2).await;
    assert!(
        removals(harness.store()).await.is_empty(),
        "back: the removal is forgotten"
    );
    let again = at("2026-06-21T15:30:00Z");
    harness.set_time(again);
    removed(&harness);
    harness
        .wait_until("the second removal recorded", async || {
            harness.store().server_removals().await.unwrap() == [(GUILD, again)]
        })
        .await;

    // 29 days after the second removal (49 after the first): every row is there.
    let kept = snapshot(harness.store()).await;
    harness.tick_to(at("2026-07-20T15:30:00Z")).await;
    assert_eq!(snapshot(harness.store()).await, kept);
    assert_eq!(log.lines_with("deleted the data of a server").len(), 0);

    // Day 31, with a second process on the same shard: deleted once, every other
    // server's rows as they were.
    let other = harness.new_app().await;
    other.guilds.ready(0, 1, [OTHER_GUILD]);
    let day_31 = at("2026-07-22T15:30:00Z");
    tokio::join!(
        harness.tick_to(day_31),
        qotd::daily::retention::run(&other.handles, day_31)
    );
    harness
        .wait_until("the server's data deleted", async || {
            !log.lines_with("deleted the data of a server").is_empty()
        })
        .await;
    assert_eq!(snapshot(harness.store()).await, others);
    let lines = log.lines_with("deleted the data of a server");
    assert_eq!(lines.len(), 1, "{}", log.text());
    assert!(
        lines[0].contains(&GUILD.to_string()) && lines[0].contains("1 schedules"),
        "{}",
        lines[0]
    );
    other.store.close().await;
}

/// A reward or a champion decided from what was read just before a member's data was
/// deleted names nobody: the deletion stays whole.
#[tokio::test]
async fn a_reward_or_champion_read_before_a_deletion_is_not_written_after_it() {
    use qotd::core::lease::Taken;
    let now = at("2026-06-20T12:00:00Z");
    let mut harness = Harness::started(now).await;
    seed_scene(&mut harness, true).await;
    // The bot's own passes stopped: only these calls write.
    harness.stop_bot().await;
    let store = &Store::open(&harness.database_url()).await.unwrap();
    // Read before: MEMBER's streak earns a new role, and MEMBER won June.
    let best = store.best_streaks(GUILD, 2).await.unwrap();
    assert!(best.iter().any(|&(user, _)| user == MEMBER), "{best:?}");
    store.delete_member(GUILD, MEMBER).await.unwrap();
    let after = snapshot(store).await;

    let reward = store.take_reward(GUILD, MEMBER, 8_200, now, now).await;
    assert_eq!(reward.unwrap(), Taken::No);
    assert_eq!(snapshot(store).await, after);
    let taken = store.take_champion_move(GUILD, "2026-06", Some(MEMBER), now, now);
    assert_eq!(taken.await.unwrap(), Taken::First);
    assert_eq!(store.season_champion(GUILD, "2026-06").await.unwrap(), None);
    store.close().await;
}
