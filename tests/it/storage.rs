//! Storage on real SQLite files, or on real PostgreSQL databases when the run is on
//! PostgreSQL (`QOTD_TEST_DATABASE=postgres`): every test here that is not about
//! SQLite's own file runs on both.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use qotd::core::daily_schedule::parse_timezone;
use qotd::core::hint_reveal::{RevealReason, RevealRule};
use qotd::core::rotation::{self, Pick};
use qotd::core::team_name::TeamName;
use qotd::storage::{
    AnswerRecord, ClaimOutcome, DailyPost, NewAnswer, NewDailyPost, ScheduleSettings, StorageError,
    Store, TeamError,
};

use crate::on_pool;
use crate::support::database::TestDb;

const GUILD: u64 = 1_000;
const CHANNEL: u64 = 2_000;

async fn open() -> TestDb {
    TestDb::new().await
}

/// A fresh database with [`CHANNEL`]'s schedule.
async fn open_scheduled() -> TestDb {
    schedule(open().await).await
}

/// A fresh SQLite database with [`CHANNEL`]'s schedule, whatever the run's backend.
async fn sqlite_scheduled() -> TestDb {
    schedule(TestDb::sqlite().await).await
}

async fn schedule(db: TestDb) -> TestDb {
    db.store
        .upsert_schedule(&settings(CHANNEL), at("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    db
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, n).unwrap()
}

fn settings(channel_id: u64) -> ScheduleSettings {
    ScheduleSettings {
        channel_id,
        guild_id: GUILD,
        post_time: "09:00".parse().unwrap(),
        timezone: parse_timezone("America/New_York").unwrap(),
        reveal_after_minutes: 60,
        reveal_reactions: 1,
        category: None,
        bank: None,
        private_answers: false,
    }
}

fn new_post(channel_id: u64, date: NaiveDate, question: &str) -> NewDailyPost {
    NewDailyPost {
        channel_id,
        local_date: date,
        pick: Pick {
            question_id: question.to_owned(),
            pass: 1,
            starts_new_pass: false,
        },
        nonce: format!("{channel_id}-{date}"),
        reveal: RevealRule {
            reactions_needed: 1,
            reveal_after: TimeDelta::minutes(60),
        },
    }
}

/// Claims and confirms a daily post, as a successful send does.
async fn post(store: &Store, channel: u64, date: NaiveDate, question: &str) -> DailyPost {
    let claimed = claim(store, channel, date, question).await;
    store
        .confirm_post_sent(claimed.id, 10_000 + claimed.id as u64)
        .await
        .unwrap();
    store.daily_post(claimed.id).await.unwrap().unwrap()
}

async fn claim(store: &Store, channel: u64, date: NaiveDate, question: &str) -> DailyPost {
    let now = date.and_hms_opt(13, 0, 0).unwrap().and_utc();
    match store
        .claim_daily_post(&new_post(channel, date, question), now)
        .await
        .unwrap()
    {
        ClaimOutcome::Claimed(post) => post,
        other => panic!("expected a claim, got {other:?}"),
    }
}

fn answer_time(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(14, 0, 0).unwrap().and_utc()
}

/// `user` answers post `post_id` at 14:00 UTC on `date`.
async fn answer(store: &Store, post_id: i64, user: u64, date: NaiveDate) -> AnswerRecord {
    store
        .record_answer(post_id, user, answer_time(date))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_second_post_for_the_same_channel_and_local_date_is_impossible() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q-a").await;

    let again = db
        .store
        .claim_daily_post(
            &new_post(CHANNEL, day(1), "q-b"),
            at("2026-06-01T13:05:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(again, ClaimOutcome::AlreadyPosted(first.clone()));

    // The schema itself refuses it, whatever code path tries.
    let raw = on_pool!(db.store, |pool| {
        sqlx::query(
        "INSERT INTO daily_posts (channel_id, guild_id, local_date, seq, question_id, pass, nonce, \
             claimed_at, reveal_reactions, reveal_due_at) VALUES ($1, $2, '2026-06-01', 99, 'x', 1, 'n', 0, 1, 0)",
    )
    .bind(CHANNEL as i64)
    .bind(GUILD as i64)
    .execute(pool)
    .await
    .map(|_| ())
    });
    assert!(raw.is_err(), "UNIQUE (channel_id, local_date) holds");

    let next = post(&db.store, CHANNEL, day(2), "q-b").await;
    assert_eq!((first.seq, next.seq), (1, 2));
}

#[tokio::test]
async fn a_released_claim_skips_the_day_and_breaks_no_streak() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q").await;
    answer(&db.store, first.id, 7, day(1)).await;
    // Day 2: Discord refuses the send for good (say, a missing permission).
    let refused = claim(&db.store, CHANNEL, day(2), "q").await;
    assert!(db.store.release_claim(refused.id).await.unwrap());
    let third = post(&db.store, CHANNEL, day(3), "q").await;
    assert_eq!(third.seq, 2, "the refused day took no number");
    let streak = db.store.member_streak(CHANNEL, 7).await.unwrap();
    assert_eq!(
        streak.current, 1,
        "question 2 is open, question 1 was answered"
    );
    assert!(
        !db.store.release_claim(third.id).await.unwrap(),
        "a sent post is never released"
    );
}

#[tokio::test]
async fn an_unconfirmed_claim_does_not_close_the_previous_question() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q").await;
    claim(&db.store, CHANNEL, day(2), "q").await;
    let record = answer(&db.store, first.id, 7, day(1)).await;
    assert!(matches!(record, AnswerRecord::Counted { .. }), "{record:?}");
}

#[tokio::test]
async fn concurrent_claims_for_one_date_yield_exactly_one_post() {
    let db = open_scheduled().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim_daily_post(
                    &new_post(CHANNEL, day(1), &format!("q-{i}")),
                    at("2026-06-01T13:00:00Z"),
                )
                .await
                .unwrap()
        }));
    }
    let mut claimed = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), ClaimOutcome::Claimed(_)) {
            claimed += 1;
        }
    }
    assert_eq!(claimed, 1);
}

#[tokio::test]
async fn a_claimed_post_is_unfinished_until_sent_reacted_and_threaded() {
    let db = open_scheduled().await;
    let claimed = claim(&db.store, CHANNEL, day(1), "q-a").await;
    assert_eq!(db.store.unfinished_posts().await.unwrap().len(), 1);

    db.store.confirm_post_sent(claimed.id, 555).await.unwrap();
    db.store.record_post_reacted(claimed.id).await.unwrap();
    db.store.record_post_thread(claimed.id, 556).await.unwrap();

    assert!(db.store.unfinished_posts().await.unwrap().is_empty());
    let stored = db.store.daily_post(claimed.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.message_id, stored.thread_id, stored.reacted),
        (Some(555), Some(556), true)
    );
    assert_eq!(stored.reveal_due_at, at("2026-06-01T14:00:00Z"));
}

/// `Store::unfinished_posts`, word for word: SQLite uses a partial index only for a
/// query whose WHERE implies the index's.
const UNFINISHED_POSTS: &str = "SELECT id, channel_id, guild_id, local_date, seq, question_id, pass, nonce, claimed_at, \
     message_id, thread_id, reacted, reveal_reactions, reveal_due_at, revealed_at, \
     reveal_reason, reveal_shown FROM daily_posts \
     WHERE message_id IS NULL OR thread_id IS NULL OR reacted = 0 \
       OR (revealed_at IS NOT NULL AND reveal_shown = 0) ORDER BY id";

#[tokio::test]
async fn the_unfinished_posts_query_reads_the_partial_index_not_the_whole_history() {
    let db = sqlite_scheduled().await;
    for n in 1..=20 {
        let done = post(&db.store, CHANNEL, day(n), &format!("q-{n}")).await;
        db.store.record_post_reacted(done.id).await.unwrap();
        db.store
            .record_post_thread(done.id, 20_000 + n as u64)
            .await
            .unwrap();
    }
    claim(&db.store, CHANNEL, day(21), "q-21").await;

    let qotd::storage::Pool::Sqlite(pool) = db.store.pool() else {
        unreachable!("a SQLite store")
    };
    let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "EXPLAIN QUERY PLAN {UNFINISHED_POSTS}"
    )))
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|step| sqlx::Row::get(step, "detail"))
    .collect();

    assert!(
        plan.iter()
            .any(|step| step.contains("USING INDEX daily_posts_unfinished")),
        "{plan:?}"
    );
    assert_eq!(db.store.unfinished_posts().await.unwrap().len(), 1);
}

/// On PostgreSQL a connection prepares a statement the first time it runs it, a round
/// trip of its own: each pooled connection prepares the statements recording answers
/// when it connects, so the first answers it records do not wait for that. (SQLite's
/// one writer connection prepares them at open, in-process.)
#[tokio::test]
async fn every_postgresql_connection_has_the_answer_statements_prepared() {
    // The read, and the one statement inserting the answers and writing the streaks.
    const RECORDING: [&str; 2] = [
        "SELECT b.i, p.channel_id",
        "WITH inserted AS (INSERT INTO answers",
    ];
    let db = open_scheduled().await;
    let qotd::storage::Pool::Postgres(pool) = db.store.pool() else {
        return;
    };
    // Each statement prepared once on each connection, under sqlx's own name, so that
    // recording finds it in the connection's cache instead of preparing it again.
    let check = async || {
        // Two at once: on a fresh pool the second is a connection opened now.
        let mut connections = [pool.acquire().await.unwrap(), pool.acquire().await.unwrap()];
        for conn in &mut connections {
            let prepared: Vec<String> = sqlx::query_scalar(
                "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'sqlx_s_%'",
            )
            .fetch_all(&mut **conn)
            .await
            .unwrap();
            for start in RECORDING {
                let copies = prepared.iter().filter(|sql| sql.starts_with(start)).count();
                assert_eq!(copies, 1, "{start}… prepared {copies} times: {prepared:?}");
            }
        }
    };
    check().await;
    let post = post(&db.store, CHANNEL, day(1), "q1").await;
    for user in 1..=4 {
        let recorded = answer(&db.store, post.id, user, day(1)).await;
        assert!(matches!(recorded, AnswerRecord::Counted { .. }));
    }
    check().await;
}

/// Preparing them is a head start, not a condition: a connection on which they cannot
/// be prepared (here a column they name is gone) still serves every other query.
#[tokio::test]
async fn a_connection_that_cannot_prepare_the_answer_statements_still_serves_queries() {
    let db = open_scheduled().await;
    let qotd::storage::Pool::Postgres(pool) = db.store.pool() else {
        return;
    };
    sqlx::query("ALTER TABLE answers RENAME COLUMN counted TO counted_elsewhere")
        .execute(pool)
        .await
        .unwrap();
    // More at once than the pool has open: new connections, each failing to prepare.
    let (a, b, c, d) = tokio::join!(
        pool.acquire(),
        pool.acquire(),
        pool.acquire(),
        pool.acquire()
    );
    for conn in [a, b, c, d] {
        let one: i32 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&mut *conn.expect("a connection despite the failed prepare"))
            .await
            .unwrap();
        assert_eq!(one, 1);
    }
    let schedule = db.store.schedule(CHANNEL).await.unwrap();
    assert!(schedule.is_some());
}

#[tokio::test]
async fn answers_over_consecutive_questions_build_a_streak_of_one_two_three() {
    let db = open_scheduled().await;
    let mut currents = Vec::new();
    for n in 1..=3 {
        let daily = post(&db.store, CHANNEL, day(n), &format!("q-{n}")).await;
        match answer(&db.store, daily.id, 7, day(n)).await {
            AnswerRecord::Counted { streak, .. } => currents.push(streak.current),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(currents, [1, 2, 3]);
    let streak = db.store.member_streak(CHANNEL, 7).await.unwrap();
    assert_eq!((streak.best, streak.total, streak.unaided), (3, 3, 3));
}

#[tokio::test]
async fn a_missed_question_resets_the_streak_when_the_next_is_posted() {
    let db = open_scheduled().await;
    for n in 1..=2 {
        let daily = post(&db.store, CHANNEL, day(n), "q").await;
        answer(&db.store, daily.id, 7, day(n)).await;
    }
    post(&db.store, CHANNEL, day(3), "q").await; // not answered
    assert_eq!(
        db.store.member_streak(CHANNEL, 7).await.unwrap().current,
        2,
        "still open"
    );
    post(&db.store, CHANNEL, day(4), "q").await;
    let streak = db.store.member_streak(CHANNEL, 7).await.unwrap();
    assert_eq!((streak.current, streak.best), (0, 2));
}

#[tokio::test]
async fn an_answer_after_the_next_question_is_stored_but_does_not_count() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q").await;
    post(&db.store, CHANNEL, day(2), "q").await;
    let record = answer(&db.store, first.id, 7, day(2)).await;
    assert_eq!(record, AnswerRecord::TooLate);
    assert_eq!(db.store.member_streak(CHANNEL, 7).await.unwrap().total, 0);
    assert!(db.store.answered_at(first.id, 7).await.unwrap().is_some());
}

#[tokio::test]
async fn several_messages_count_as_one_answer_and_a_revealed_hint_makes_it_aided() {
    let db = open_scheduled().await;
    let daily = post(&db.store, CHANNEL, day(1), "q").await;
    assert!(
        db.store
            .mark_revealed(
                daily.id,
                RevealReason::Reactions,
                at("2026-06-01T13:30:00Z")
            )
            .await
            .unwrap()
    );
    let first = db
        .store
        .record_answer(daily.id, 7, at("2026-06-01T13:40:00Z"))
        .await
        .unwrap();
    assert!(
        matches!(first, AnswerRecord::Counted { unaided: false, .. }),
        "{first:?}"
    );
    let second = db
        .store
        .record_answer(daily.id, 7, at("2026-06-01T13:45:00Z"))
        .await
        .unwrap();
    assert_eq!(second, AnswerRecord::AlreadyAnswered);
    assert_eq!(db.store.answer_count(daily.id).await.unwrap(), 1);
}

#[tokio::test]
async fn a_hint_is_marked_revealed_exactly_once() {
    let db = open_scheduled().await;
    let daily = post(&db.store, CHANNEL, day(1), "q").await;
    db.store.confirm_post_sent(daily.id, 10).await.unwrap();
    assert!(
        db.store
            .due_reveals(at("2026-06-01T13:59:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    let due = db
        .store
        .due_reveals(at("2026-06-01T14:00:00Z"))
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let now = at("2026-06-01T14:00:00Z");
    assert!(
        db.store
            .mark_revealed(daily.id, RevealReason::Timeout, now)
            .await
            .unwrap()
    );
    assert!(
        !db.store
            .mark_revealed(daily.id, RevealReason::Reactions, now)
            .await
            .unwrap()
    );
    assert!(db.store.due_reveals(now).await.unwrap().is_empty());
}

#[tokio::test]
async fn reveal_reactors_are_counted_once_per_member() {
    let db = open_scheduled().await;
    let daily = post(&db.store, CHANNEL, day(1), "q").await;
    assert_eq!(db.store.add_reveal_reactor(daily.id, 1).await.unwrap(), 1);
    assert_eq!(db.store.add_reveal_reactor(daily.id, 1).await.unwrap(), 1);
    assert_eq!(db.store.add_reveal_reactor(daily.id, 2).await.unwrap(), 2);
    assert_eq!(
        db.store.remove_reveal_reactor(daily.id, 1).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn the_rotation_state_holds_posts_and_skips_of_the_current_pass() {
    let db = open_scheduled().await;
    post(&db.store, CHANNEL, day(1), "q-a").await;
    let skip = Pick {
        question_id: "q-b".into(),
        pass: 1,
        starts_new_pass: false,
    };
    db.store
        .record_skip(CHANNEL, &skip, at("2026-06-01T15:00:00Z"))
        .await
        .unwrap();
    let state = db.store.rotation_state(CHANNEL).await.unwrap();
    assert_eq!(state.pass, 1);
    assert_eq!(state.asked_in_pass.len(), 2);
    assert_eq!(state.last_asked(), Some("q-a"));

    let pick = rotation::next_question(["q-a", "q-b", "q-c"], &state, 1).unwrap();
    assert_eq!(pick.question_id, "q-c");
    let state_after = {
        post(&db.store, CHANNEL, day(2), "q-c").await;
        db.store.rotation_state(CHANNEL).await.unwrap()
    };
    let new_pass = rotation::next_question(["q-a", "q-b", "q-c"], &state_after, 1).unwrap();
    assert!(new_pass.starts_new_pass);
    assert_eq!(new_pass.pass, 2);
}

#[tokio::test]
async fn schedules_are_created_updated_paused_and_removed_with_history_kept() {
    let db = open().await;
    let created = db
        .store
        .upsert_schedule(&settings(CHANNEL), at("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    assert!(created.is_running());
    let mut changed = settings(CHANNEL);
    changed.post_time = "18:30".parse().unwrap();
    let updated = db
        .store
        .upsert_schedule(&changed, at("2026-06-01T01:00:00Z"))
        .await
        .unwrap();
    assert_eq!(updated.post_time.to_string(), "18:30");
    assert_eq!(
        updated.rotation_seed, created.rotation_seed,
        "the rotation survives an update"
    );

    assert!(
        db.store
            .set_paused(CHANNEL, true, at("2026-06-01T02:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        db.store
            .schedule(CHANNEL)
            .await
            .unwrap()
            .unwrap()
            .due_date(at("2026-06-02T23:00:00Z"))
            .is_none()
    );
    assert!(
        db.store
            .set_paused(CHANNEL, false, at("2026-06-03T23:00:00Z"))
            .await
            .unwrap()
    );

    let daily = post(&db.store, CHANNEL, day(4), "q").await;
    assert!(
        db.store
            .remove_schedule(CHANNEL, at("2026-06-05T00:00:00Z"))
            .await
            .unwrap()
    );
    assert!(db.store.guild_schedules(GUILD).await.unwrap().is_empty());
    assert!(
        !db.store
            .remove_schedule(CHANNEL, at("2026-06-05T00:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        db.store.daily_post(daily.id).await.unwrap().is_some(),
        "history kept"
    );
}

#[tokio::test]
async fn a_schedule_knows_which_date_is_due_and_when_it_next_posts() {
    let db = open_scheduled().await;
    let schedule = db.store.schedule(CHANNEL).await.unwrap().unwrap();
    assert_eq!(schedule.due_date(at("2026-06-01T13:00:00Z")), Some(day(1)));
    post(&db.store, CHANNEL, day(1), "q").await;
    let schedule = db.store.schedule(CHANNEL).await.unwrap().unwrap();
    assert_eq!(
        schedule.due_date(at("2026-06-01T13:30:00Z")),
        None,
        "already posted"
    );
    assert_eq!(
        schedule.upcoming_post(at("2026-06-01T13:30:00Z")),
        Some((day(2), at("2026-06-02T13:00:00Z")))
    );
}

#[tokio::test]
async fn leaderboards_rank_by_current_then_best_then_total_and_show_the_callers_rank() {
    let db = open_scheduled().await;
    // Member 1 answers every day, 2 misses day 2, 3 answers only day 3, 4 never.
    let answered: [(u64, &[u32]); 3] = [(1, &[1, 2, 3]), (2, &[1, 3]), (3, &[3])];
    for n in 1..=3 {
        let daily = post(&db.store, CHANNEL, day(n), "q").await;
        for (member, days) in &answered {
            if days.contains(&n) {
                answer(&db.store, daily.id, *member, day(n)).await;
            }
        }
    }
    let page = db
        .store
        .member_leaderboard(GUILD, Some(CHANNEL), 3, 2)
        .await
        .unwrap();
    let top: Vec<(u64, u64, u64)> = page
        .top
        .iter()
        .map(|r| (r.rank, r.standing.id, r.standing.current))
        .collect();
    assert_eq!(top, [(1, 1, 3), (2, 2, 1)]);
    let caller = page.caller.unwrap();
    assert_eq!(
        (caller.rank, caller.standing.id),
        (3, 3),
        "member 3 ranks below 2: equal current and best, fewer answers"
    );
    assert_eq!(page.ranked_count, 3);
    let nobody = db
        .store
        .member_leaderboard(GUILD, None, 4, 10)
        .await
        .unwrap();
    assert_eq!(nobody.caller, None);
}

#[tokio::test]
async fn teams_are_unique_per_server_one_per_member_and_ranked_by_summed_streaks() {
    let db = open_scheduled().await;
    let now = at("2026-06-01T00:00:00Z");
    let owls = TeamName::parse("Night Owls").unwrap();
    let larks = TeamName::parse("Larks").unwrap();
    db.store.create_team(GUILD, &owls, now).await.unwrap();
    db.store.create_team(GUILD, &larks, now).await.unwrap();
    let again = db
        .store
        .create_team(GUILD, &TeamName::parse("night owls").unwrap(), now)
        .await;
    assert!(matches!(again, Err(TeamError::AlreadyExists(_))));
    db.store
        .create_team(GUILD + 1, &owls, now)
        .await
        .expect("another server may reuse the name");

    db.store.join_team(GUILD, 1, &owls, now).await.unwrap();
    db.store.join_team(GUILD, 2, &larks, now).await.unwrap();
    db.store.join_team(GUILD, 3, &larks, now).await.unwrap();
    let switched = db.store.join_team(GUILD, 3, &owls, now).await.unwrap();
    assert_eq!(switched.member_count, 2, "joining leaves the other team");
    let missing = db
        .store
        .join_team(GUILD, 4, &TeamName::parse("Nobody").unwrap(), now)
        .await;
    assert!(matches!(missing, Err(TeamError::NotFound(_))));

    let daily = post(&db.store, CHANNEL, day(1), "q").await;
    for member in [1, 2, 3] {
        answer(&db.store, daily.id, member, day(1)).await;
    }
    let board = db.store.team_leaderboard(GUILD, None).await.unwrap();
    let names: Vec<(&str, u64, u64)> = board
        .iter()
        .map(|t| {
            (
                t.team.name.as_str(),
                t.ranked.rank,
                t.ranked.standing.current,
            )
        })
        .collect();
    assert_eq!(names, [("Night Owls", 1, 2), ("Larks", 2, 1)]);

    assert_eq!(
        db.store.leave_team(GUILD, 3).await.unwrap().unwrap().name,
        "Night Owls"
    );
    db.store.delete_team(GUILD, &owls).await.unwrap();
    assert_eq!(
        db.store.member_team(GUILD, 1).await.unwrap(),
        None,
        "deleting a team frees its members"
    );
}

#[tokio::test]
async fn the_alerts_channel_is_set_per_server() {
    let db = open().await;
    assert_eq!(db.store.alerts_channel(GUILD).await.unwrap(), None);
    db.store.set_alerts_channel(GUILD, Some(99)).await.unwrap();
    assert_eq!(db.store.alerts_channel(GUILD).await.unwrap(), Some(99));
    assert_eq!(db.store.alerts_channel(GUILD + 1).await.unwrap(), None);
}

#[tokio::test]
async fn state_survives_closing_and_reopening_the_file() {
    let db = open_scheduled().await;
    let daily = post(&db.store, CHANNEL, day(1), "q").await;
    answer(&db.store, daily.id, 7, day(1)).await;
    db.store.close().await;

    let reopened = db.reopen().await;
    assert_eq!(reopened.member_streak(CHANNEL, 7).await.unwrap().current, 1);
    assert_eq!(
        reopened
            .latest_daily_post(CHANNEL)
            .await
            .unwrap()
            .unwrap()
            .id,
        daily.id
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_file_is_created_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::sqlite().await;
    let mode = std::fs::metadata(db.dir.path().join("qotd.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn a_database_from_a_newer_schema_is_refused_with_a_clear_message() {
    let db = open().await;
    on_pool!(db.store, |pool| {
        sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (9999, 'from the future', CURRENT_TIMESTAMP, TRUE, $1, 0)",
    )
    .bind(vec![0u8])
    .execute(pool)
    .await
    .map(drop)
    .unwrap()
    });
    db.store.close().await;
    let error = Store::open(&db.url).await.unwrap_err();
    assert!(
        matches!(error, StorageError::NewerSchema { found: 9999, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("newer qotd"));
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys_on() {
    let db = TestDb::sqlite().await;
    let qotd::storage::Pool::Sqlite(pool) = db.store.pool() else {
        unreachable!("a SQLite store")
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!((mode.as_str(), keys), ("wal", 1));
}

/// The server totals the triggers keep, against summing the active channels' streaks.
async fn totals_match_the_channel_sums(store: &Store) {
    let kept: Vec<(i64, i64, i64, i64, i64)> = on_pool!(store, |pool| {
        sqlx::query_as(
            "SELECT guild_id, user_id, current, best, total FROM member_totals WHERE total > 0 \
         ORDER BY guild_id, user_id",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    });
    let summed: Vec<(i64, i64, i64, i64, i64)> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT m.guild_id, m.user_id, CAST(SUM(m.current) AS BIGINT), \
             CAST(SUM(m.best) AS BIGINT), CAST(SUM(m.total) AS BIGINT) FROM member_streaks m \
         JOIN schedules s ON s.channel_id = m.channel_id AND s.removed = FALSE \
         GROUP BY m.guild_id, m.user_id HAVING SUM(m.total) > 0 ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(kept, summed);
    // The kept count of ranked members per server.
    let counted: Vec<(i64, i64)> = on_pool!(store, |pool| {
        sqlx::query_as(
        "SELECT guild_id, COUNT(*) FROM member_totals WHERE total > 0 GROUP BY guild_id ORDER BY 1"
    )
    .fetch_all(pool)
    .await
    .unwrap()
    });
    let kept_counts: Vec<(i64, i64)> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT guild_id, members FROM guild_ranked WHERE members != 0 ORDER BY 1"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(kept_counts, counted);
    let per_standing: Vec<(i64, i64, i64, i64)> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT guild_id, current, best, COUNT(*) FROM member_totals WHERE total > 0 \
         GROUP BY guild_id, current, best ORDER BY 1, 2, 3"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    let kept_standings: Vec<(i64, i64, i64, i64)> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT guild_id, current, best, members FROM guild_standings WHERE members != 0 \
         ORDER BY 1, 2, 3"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(kept_standings, per_standing);
}

#[tokio::test]
async fn server_totals_follow_answers_resets_removals_and_reactivations() {
    let db = open_scheduled().await;
    let start = at("2026-06-01T00:00:00Z");
    db.store
        .upsert_schedule(&settings(CHANNEL + 1), start)
        .await
        .unwrap();
    for n in 1..=4 {
        for channel in [CHANNEL, CHANNEL + 1] {
            let daily = post(&db.store, channel, day(n), "q").await;
            for member in 1..=5u64 {
                if (member + u64::from(n) + channel % 2) % 3 != 0 {
                    answer(&db.store, daily.id, member, day(n)).await;
                }
            }
        }
        totals_match_the_channel_sums(&db.store).await;
    }
    db.store
        .remove_schedule(CHANNEL + 1, at("2026-06-05T00:00:00Z"))
        .await
        .unwrap();
    totals_match_the_channel_sums(&db.store).await;
    let page = db
        .store
        .member_leaderboard(GUILD, None, 1, 10)
        .await
        .unwrap();
    let channel_only = db
        .store
        .member_leaderboard(GUILD, Some(CHANNEL), 1, 10)
        .await
        .unwrap();
    assert_eq!(
        page.top, channel_only.top,
        "only the remaining channel counts"
    );
    db.store
        .upsert_schedule(&settings(CHANNEL + 1), at("2026-06-06T00:00:00Z"))
        .await
        .unwrap();
    totals_match_the_channel_sums(&db.store).await;
    let daily = post(&db.store, CHANNEL, day(7), "q").await;
    answer(&db.store, daily.id, 2, day(7)).await;
    totals_match_the_channel_sums(&db.store).await;
}

/// Every member's rank as the store gives it, in one channel and server-wide, against
/// `ranking::rank` over all standings: callers near the top and near the bottom (the
/// store counts from the nearer end), with ties.
#[tokio::test]
async fn every_members_rank_matches_the_ranking_rule_from_either_end() {
    let db = open_scheduled().await;
    db.store
        .upsert_schedule(&settings(CHANNEL + 1), at("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    let members = 1..=24u64;
    for n in 1..=6 {
        for channel in [CHANNEL, CHANNEL + 1] {
            let daily = post(&db.store, channel, day(n), "q").await;
            for member in members.clone() {
                // A varied pattern: some answer every day, some stop, some start late.
                if (member * 7 + u64::from(n) * (channel % 3 + 1)) % 5 < 3 {
                    answer(&db.store, daily.id, member, day(n)).await;
                }
            }
        }
    }
    for scope in [Some(CHANNEL), None] {
        let everyone = db
            .store
            .member_leaderboard(GUILD, scope, 1, 100)
            .await
            .unwrap();
        let expected =
            qotd::core::ranking::rank(everyone.top.iter().map(|ranked| ranked.standing).collect());
        assert_eq!(everyone.top, expected);
        assert_eq!(everyone.ranked_count, expected.len() as u64);
        assert!(expected.windows(2).any(|w| w[0].rank == w[1].rank), "ties");
        for ranked in &expected {
            let page = db
                .store
                .member_leaderboard(GUILD, scope, ranked.standing.id, 3)
                .await
                .unwrap();
            assert_eq!(page.caller.as_ref(), Some(ranked), "{scope:?}");
        }
    }
    totals_match_the_channel_sums(&db.store).await;
}

/// SPEC §9 through the store: 7 answered questions earn a freeze; the post that
/// closes day 8 unanswered spends it and keeps the streak at 7 (recorded for that
/// question); the next closed miss, with none left, resets to 0. A member answering
/// 21 in a row holds 2, never 3.
#[tokio::test]
async fn a_freeze_is_earned_after_seven_answers_spent_on_a_miss_and_never_a_third_held() {
    let db = open_scheduled().await;
    let (keeper, steady) = (7u64, 8u64);
    let mut posts = Vec::new();
    for n in 1..=21 {
        let daily = post(&db.store, CHANNEL, day(n), "q").await;
        if n <= 7 {
            answer(&db.store, daily.id, keeper, day(n)).await;
        }
        answer(&db.store, daily.id, steady, day(n)).await;
        posts.push(daily);
        if n == 7 {
            let streak = db.store.member_streak(CHANNEL, keeper).await.unwrap();
            assert_eq!((streak.current, streak.freezes), (7, 1));
        }
        if n == 9 {
            // Posting #9 closed #8 unanswered: the freeze is spent, the streak kept.
            let streak = db.store.member_streak(CHANNEL, keeper).await.unwrap();
            assert_eq!(
                (streak.current, streak.freezes, streak.last_freeze_seq),
                (7, 0, Some(8))
            );
            let shown = db.store.member_streaks(GUILD, keeper).await.unwrap();
            assert_eq!(shown[0].last_freeze_date, Some(day(8)));
        }
    }
    // Posting #10 closed #9 unanswered with no freeze left: reset.
    let streak = db.store.member_streak(CHANNEL, keeper).await.unwrap();
    assert_eq!((streak.current, streak.best, streak.freezes), (0, 7, 0));
    let steady = db.store.member_streak(CHANNEL, steady).await.unwrap();
    assert_eq!((steady.current, steady.freezes), (21, 2));
    let spent: Vec<(i64, i64)> = on_pool!(db.store, |pool| sqlx::query_as(
        "SELECT user_id, seq FROM streak_freezes ORDER BY user_id, seq"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(spent, [(7, 8)]);
    totals_match_the_channel_sums(&db.store).await;
}

/// The practice migration puts answers given before it into the decks: undone here
/// (its tables dropped, its row removed) on a database with answers, then run again
/// by opening the store, exactly as on an upgrade.
#[tokio::test]
async fn upgrading_puts_every_earlier_answer_in_its_members_practice_deck() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q-one").await;
    let second = post(&db.store, CHANNEL, day(2), "q-two").await;
    answer(&db.store, first.id, 7, day(1)).await;
    answer(&db.store, second.id, 7, day(2)).await;
    answer(&db.store, second.id, 8, day(2)).await;
    let undo = match db.store.kind() {
        qotd::storage::DatabaseKind::Sqlite => {
            "DROP TRIGGER answers_feed_practice; DROP TABLE practice_inbox; \
             DROP TABLE practice_reviews; DROP TABLE practice_cards; \
             DELETE FROM _sqlx_migrations WHERE description = 'practice';"
        }
        qotd::storage::DatabaseKind::Postgres => {
            "DROP FUNCTION answers_feed_practice() CASCADE; DROP TABLE practice_inbox, \
             practice_reviews, practice_cards; \
             DELETE FROM _sqlx_migrations WHERE description = 'practice';"
        }
    };
    on_pool!(db.store, |pool| sqlx::raw_sql(undo)
        .execute(pool)
        .await
        .map(drop)
        .unwrap());
    db.store.close().await;

    let store = db.reopen().await;
    assert_eq!(store.feed_practice(GUILD, 7).await.unwrap(), 2);
    assert_eq!(store.feed_practice(GUILD, 8).await.unwrap(), 1);
    assert_eq!(store.feed_practice(GUILD, 7).await.unwrap(), 0, "fed once");
    let mut deck: Vec<String> = store
        .practice_deck(GUILD, 7)
        .await
        .unwrap()
        .into_iter()
        .map(|card| card.question_id)
        .collect();
    deck.sort();
    assert_eq!(deck, ["q-one", "q-two"]);
    // And the trigger is back: a new answer waits for the next /practice.
    let third = post(&store, CHANNEL, day(3), "q-three").await;
    answer(&store, third.id, 8, day(3)).await;
    assert_eq!(store.feed_practice(GUILD, 8).await.unwrap(), 1);
}

#[tokio::test]
async fn a_single_file_database_upgrades_to_banks_with_every_streak_and_the_rotation_intact() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q-one").await;
    answer(&db.store, first.id, 7, day(1)).await;
    let second = post(&db.store, CHANNEL, day(2), "q-two").await;
    answer(&db.store, second.id, 7, day(2)).await;
    answer(&db.store, second.id, 8, day(2)).await;
    let streaks_before = (
        db.store.member_streak(CHANNEL, 7).await.unwrap(),
        db.store.member_streak(CHANNEL, 8).await.unwrap(),
    );
    let rotation_before = db.store.rotation_state(CHANNEL).await.unwrap();
    // Back to the schema before banks: no bank column, no suggestions.
    on_pool!(db.store, |pool| sqlx::raw_sql(
        "DROP TABLE suggestions; ALTER TABLE schedules DROP COLUMN bank; \
         DELETE FROM _sqlx_migrations WHERE description = 'banks and suggestions';"
    )
    .execute(pool)
    .await
    .map(drop)
    .unwrap());
    db.store.close().await;

    let store = db.reopen().await;
    let streaks_after = (
        store.member_streak(CHANNEL, 7).await.unwrap(),
        store.member_streak(CHANNEL, 8).await.unwrap(),
    );
    assert_eq!(streaks_after, streaks_before);
    assert_eq!(streaks_after.0.current, 2);
    let schedule = store.schedule(CHANNEL).await.unwrap().unwrap();
    assert_eq!(
        schedule.bank, None,
        "existing channels stay on the default bank"
    );
    assert_eq!(
        store.rotation_state(CHANNEL).await.unwrap(),
        rotation_before
    );
    // The history's plain ids are the default bank's, in a single file or as
    // `questions.yaml` of a directory.
    let bank = qotd::core::question_bank::QuestionBank::parse(
        "questions.yaml",
        "categories:\n  c: C\nquestions:\n  - {id: q-one, category: c, difficulty: 1, question: 'One?', hint: h}\n",
    )
    .unwrap();
    let single = qotd::core::library::Library::single("prep", bank.clone());
    assert!(single.question(&first.question_id).is_some());
    let directory = qotd::core::library::Library::from_directory(vec![
        ("questions".into(), bank.clone()),
        ("extra".into(), bank),
    ])
    .unwrap();
    assert_eq!(
        directory.question(&first.question_id).unwrap().1.question,
        "One?"
    );
    // And the next answer still extends the streak.
    let third = post(&store, CHANNEL, day(3), "q-three").await;
    answer(&store, third.id, 7, day(3)).await;
    assert_eq!(store.member_streak(CHANNEL, 7).await.unwrap().current, 3);
}

/// The two answer batches of [`a_batch_records_exactly_what_the_answers_one_by_one_would`]:
/// the first on day 1's post, the second after day 2's is posted.
fn two_batches(first: i64, second: i64) -> [Vec<NewAnswer>; 2] {
    let on = |post_id, user_id, date| NewAnswer {
        post_id,
        user_id,
        at: answer_time(date),
    };
    [
        vec![
            on(first, 1, day(1)),
            on(first, 2, day(1)),
            on(first, 1, day(1)),   // again: one answer
            on(999_999, 5, day(1)), // no such post
            on(first, 3, day(1)),
        ],
        vec![
            on(second, 1, day(2)),
            on(first, 2, day(2)),  // answered already
            on(first, 4, day(2)),  // after the next question: stored, not counted
            on(second, 4, day(2)), // the same member twice in one batch
            on(second, 3, day(2)),
        ],
    ]
}

#[tokio::test]
async fn a_batch_records_exactly_what_the_answers_one_by_one_would() {
    let batched = open_scheduled().await;
    let one_by_one = open_scheduled().await;
    let mut results = Vec::new();
    for (db, in_batches) in [(&batched, true), (&one_by_one, false)] {
        let store = &db.store;
        let first = post(store, CHANNEL, day(1), "q1").await.id;
        let mut records = Vec::new();
        for (n, batch) in two_batches(first, first + 1).into_iter().enumerate() {
            if n == 1 {
                assert_eq!(post(store, CHANNEL, day(2), "q2").await.id, first + 1);
            }
            if in_batches {
                records.extend(store.record_answers(&batch).await.unwrap());
            } else {
                for answer in batch {
                    let record = store
                        .record_answer(answer.post_id, answer.user_id, answer.at)
                        .await
                        .unwrap();
                    records.push(record);
                }
            }
        }
        let mut streaks = Vec::new();
        for user in 1..=5 {
            streaks.push(store.member_streak(CHANNEL, user).await.unwrap());
        }
        let counts = (
            store.answer_count(first).await.unwrap(),
            store.answer_count(first + 1).await.unwrap(),
        );
        // What triggers keep from many rows of one statement: the server totals and
        // standings, and every answer in its member's practice inbox.
        totals_match_the_channel_sums(store).await;
        let inbox: i64 = on_pool!(store, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM practice_inbox"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(inbox as u64, counts.0 + counts.1);
        results.push((records, streaks, counts));
    }
    let (records, streaks, counts) = &results[0];
    assert_eq!(results[0], results[1], "batched, then one by one");
    assert_eq!(counts, &(4, 3));
    assert!(matches!(records[2], AnswerRecord::AlreadyAnswered));
    assert!(matches!(records[3], AnswerRecord::UnknownPost));
    assert!(matches!(records[6], AnswerRecord::AlreadyAnswered));
    assert!(matches!(records[7], AnswerRecord::TooLate));
    assert!(matches!(records[8], AnswerRecord::Counted { .. }));
    // Members 1 and 3 answered both questions; 4 only the second in time.
    let current: Vec<u32> = streaks.iter().map(|s| s.current).collect();
    assert_eq!(current, vec![2, 1, 2, 1, 0]);
}

/// What a batch moves at once in the kept counts (on PostgreSQL written by the answers'
/// statement, not row triggers): members leaving the standings others enter (a
/// standing written once with its net change), a member whose server totals move in
/// two rounds of one batch, two servers, answers to a removed channel's question (in
/// the inbox, not the server totals), and a write of another kind afterwards (an
/// admin's repair), kept by its triggers.
#[tokio::test]
async fn a_batch_keeps_the_server_counts_and_inbox_while_members_trade_standings() {
    let db = open_scheduled().await;
    let store = &db.store;
    let other_server = ScheduleSettings {
        guild_id: GUILD + 1,
        ..settings(CHANNEL + 3)
    };
    for schedule in [settings(CHANNEL + 1), settings(CHANNEL + 2), other_server] {
        store
            .upsert_schedule(&schedule, at("2026-06-01T00:00:00Z"))
            .await
            .unwrap();
    }
    let on = |post_id, user_id, date| NewAnswer {
        post_id,
        user_id,
        at: answer_time(date),
    };
    let elsewhere = post(store, CHANNEL + 1, day(1), "e").await.id;
    store
        .remove_schedule(CHANNEL + 1, at("2026-06-01T12:00:00Z"))
        .await
        .unwrap();
    // Day 2 moves 1-2 up a standing, 5-6 into the one they leave; day 3 the same
    // again, with 3 back and 7-8 new. Each day 1-2 also answer in a second channel of
    // the server (a second round for them), 1 and 9 in another server, and one member
    // the removed channel's question.
    let days = [
        vec![1, 2, 3, 4],
        vec![1, 2, 5, 6],
        vec![1, 2, 3, 5, 6, 7, 8],
    ];
    for (n, members) in (1..).zip(days) {
        let daily = post(store, CHANNEL, day(n), "q").await.id;
        let mut batch: Vec<_> = members.iter().map(|&m| on(daily, m, day(n))).collect();
        for (channel, members) in [(CHANNEL + 2, [1, 2]), (CHANNEL + 3, [1, 9])] {
            let daily = post(store, channel, day(n), "q").await.id;
            batch.extend(members.map(|m| on(daily, m, day(n))));
        }
        batch.push(on(elsewhere, u64::from(n), day(n)));
        let records = store.record_answers(&batch).await.unwrap();
        let counted = records
            .iter()
            .filter(|r| matches!(r, AnswerRecord::Counted { .. }))
            .count();
        assert!(counted >= members.len(), "day {n}: {records:?}");
        totals_match_the_channel_sums(store).await;
    }
    assert_eq!(store.member_streak(CHANNEL, 1).await.unwrap().current, 3);
    assert_eq!(store.member_streak(CHANNEL, 5).await.unwrap().current, 2);
    // Every answer waits in its member's inbox, with its post's server and question.
    let inbox_and_answers = [
        "SELECT post_id, user_id, guild_id, question_id, answered_at, \
             CASE WHEN unaided THEN 1 ELSE 0 END FROM practice_inbox ORDER BY 1, 2",
        "SELECT a.post_id, a.user_id, p.guild_id, p.question_id, a.answered_at, \
             CASE WHEN a.unaided THEN 1 ELSE 0 END \
         FROM answers a JOIN daily_posts p ON p.id = a.post_id ORDER BY 1, 2",
    ];
    let mut rows = Vec::new();
    for sql in inbox_and_answers {
        let found: Vec<(i64, i64, i64, String, i64, i32)> =
            on_pool!(store, |pool| sqlx::query_as(sql)
                .fetch_all(pool)
                .await
                .unwrap());
        rows.push(found);
    }
    assert_eq!(rows[0].len(), 4 + 4 + 7 + 3 * (2 + 2 + 1));
    assert_eq!(rows[0], rows[1]);
    store
        .set_streak(CHANNEL, 4, 5, 99, at("2026-06-03T20:00:00Z"))
        .await
        .unwrap();
    totals_match_the_channel_sums(store).await;
}

#[tokio::test]
async fn sqlite_answers_reach_the_database_file_through_the_background_checkpoint() {
    let db = sqlite_scheduled().await;
    let store = &db.store;
    let file = db.dir.path().join("qotd.db");
    let size = |path: &std::path::Path| std::fs::metadata(path).map_or(0, |m| m.len());
    let first = post(store, CHANNEL, day(1), "q1").await.id;
    let before = size(&file);
    // Thousands of answers: far past the 1,000 WAL pages at which SQLite's writer
    // would copy the WAL back by itself. The writer does not; the checkpointer does.
    for batch in 0..20u64 {
        let answers: Vec<NewAnswer> = (0..500u64)
            .map(|n| NewAnswer {
                post_id: first,
                user_id: 1_000_000 + batch * 1_000 + n,
                at: answer_time(day(1)),
            })
            .collect();
        store.record_answers(&answers).await.unwrap();
    }
    let mut waited = 0;
    while size(&file) <= before {
        assert!(
            waited < 200,
            "the database file never grew: no checkpoint ran"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(store.answer_count(first).await.unwrap(), 10_000);
}

/// `/healthz`'s write check waits for no other process's write: on PostgreSQL it
/// takes no advisory lock (SQLite has one writer and no such lock).
#[tokio::test]
async fn the_health_check_does_not_wait_for_a_write_in_progress() {
    if !crate::support::database::on_postgres() {
        return;
    }
    let db = open_scheduled().await;
    let qotd::storage::Pool::Postgres(pool) = db.store.pool() else {
        unreachable!("on PostgreSQL")
    };
    // Another process in the middle of a write transaction.
    let mut writer = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(1903129700)")
        .execute(&mut *writer)
        .await
        .unwrap();
    let checked = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        db.store.check_writable(),
    )
    .await;
    writer.rollback().await.unwrap();
    checked
        .expect("the check did not wait for the other writer")
        .unwrap();
}

/// `/qotd stats` counts every answer a post took while it was open: a refused day or
/// a claim not yet confirmed leaves the previous post open (issue 27, item 5).
#[tokio::test]
async fn question_stats_count_the_answers_an_open_post_takes_after_a_refused_day() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q-a").await;
    answer(&db.store, first.id, 7, day(1)).await;
    // Day 2: Discord refuses the send; the claim is given back.
    let refused = claim(&db.store, CHANNEL, day(2), "q-b").await;
    assert!(db.store.release_claim(refused.id).await.unwrap());
    // Question 1 is still the open one: two more answers, one on day 2.
    answer(&db.store, first.id, 8, day(1)).await;
    answer(&db.store, first.id, 9, day(2)).await;
    // Day 3's claim is not confirmed yet: question 1 still takes answers.
    claim(&db.store, CHANNEL, day(3), "q-c").await;
    answer(&db.store, first.id, 10, day(2)).await;
    let records = db.store.post_records(CHANNEL).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        (records[0].question_id.as_str(), records[0].answers),
        ("q-a", 4)
    );
    assert_eq!(records[0].unaided, 4, "no hint was revealed");
}

/// SPEC §5: an answer counts when it was made before the channel's next question was
/// claimed, whenever it is recorded: here another process (or an admin's `/qotd post`)
/// claimed and posted question 3 before this answer to question 2 was committed
/// (issue 27, item 2). One made after the claim does not count.
#[tokio::test]
async fn an_answer_made_before_the_next_claim_keeps_the_streak_when_recorded_after_the_post() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q-a").await;
    answer(&db.store, first.id, 7, day(1)).await;
    answer(&db.store, first.id, 8, day(1)).await;
    let second = post(&db.store, CHANNEL, day(2), "q-b").await;
    answer(&db.store, second.id, 8, day(2)).await;
    // Question 3 is claimed at 13:00 UTC on day 3 and posted; member 8 answered it.
    let third = post(&db.store, CHANNEL, day(3), "q-c").await;
    assert_eq!(db.store.member_streak(CHANNEL, 7).await.unwrap().current, 0);
    answer(&db.store, third.id, 8, day(3)).await;
    // Then the answers both members made to question 2 at 12:59:59, a second before
    // the claim, are recorded.
    let made = day(3).and_hms_opt(12, 59, 59).unwrap().and_utc();
    let record = db.store.record_answer(second.id, 7, made).await.unwrap();
    assert!(matches!(record, AnswerRecord::Counted { .. }), "{record:?}");
    let streak = db.store.member_streak(CHANNEL, 7).await.unwrap();
    assert_eq!((streak.current, streak.best, streak.total), (2, 2, 2));
    assert_eq!(streak.last_answered_seq, Some(2));
    // Member 8 answered question 2 in time already: several answers count as one.
    let taken = db.store.record_answer(second.id, 8, made).await.unwrap();
    assert!(matches!(taken, AnswerRecord::AlreadyAnswered), "{taken:?}");
    // A third member's answer made at the claim's own moment is too late.
    let claimed = third.claimed_at;
    let late = db.store.record_answer(second.id, 9, claimed).await.unwrap();
    assert_eq!(late, AnswerRecord::TooLate);
    // Question 4 is posted: member 7's streak (2, question 3 unanswered) breaks as
    // it would have had the answer been recorded in time.
    post(&db.store, CHANNEL, day(4), "q-d").await;
    assert_eq!(db.store.member_streak(CHANNEL, 7).await.unwrap().current, 0);
    let records = db.store.post_records(CHANNEL).await.unwrap();
    assert_eq!(records[1].answers, 2, "question 2: members 8 and 7, not 9");
}

/// The same when the member also answered the next question first: the late answer
/// goes before it (issue 27, item 2).
#[tokio::test]
async fn a_late_recorded_answer_joins_the_members_answers_before_and_after_it() {
    let db = open_scheduled().await;
    let first = post(&db.store, CHANNEL, day(1), "q-a").await;
    answer(&db.store, first.id, 7, day(1)).await;
    let second = post(&db.store, CHANNEL, day(2), "q-b").await;
    let third = post(&db.store, CHANNEL, day(3), "q-c").await;
    answer(&db.store, third.id, 7, day(3)).await;
    assert_eq!(db.store.member_streak(CHANNEL, 7).await.unwrap().current, 1);
    let made = day(3).and_hms_opt(12, 0, 0).unwrap().and_utc();
    db.store.record_answer(second.id, 7, made).await.unwrap();
    let streak = db.store.member_streak(CHANNEL, 7).await.unwrap();
    assert_eq!((streak.current, streak.best, streak.total), (3, 3, 3));
    let page = db
        .store
        .member_leaderboard(GUILD, None, 7, 10)
        .await
        .unwrap();
    assert_eq!(page.top[0].standing.current, 3, "the server totals follow");
}

/// On PostgreSQL a write locks what it touches, not the whole database: a claim in one
/// channel waits for another process's write to that channel, and not for a write to
/// another channel (issue 28: processes post in parallel).
#[tokio::test]
async fn a_write_waits_for_a_write_to_its_channel_and_not_for_one_to_another_channel() {
    if !crate::support::database::on_postgres() {
        return;
    }
    let db = open_scheduled().await;
    const SECOND: u64 = CHANNEL + 1;
    db.store
        .upsert_schedule(&settings(SECOND), at("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    let qotd::storage::Pool::Postgres(pool) = db.store.pool() else {
        unreachable!("on PostgreSQL")
    };
    // Another process in the middle of a write to CHANNEL.
    let mut writer = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CHANNEL as i64)
        .execute(&mut *writer)
        .await
        .unwrap();
    let wait = std::time::Duration::from_secs(3);
    let other = tokio::time::timeout(
        wait,
        db.store
            .claim_daily_post(&new_post(SECOND, day(1), "q"), at("2026-06-01T13:00:00Z")),
    )
    .await;
    assert!(
        matches!(other, Ok(Ok(ClaimOutcome::Claimed(_)))),
        "another channel is not held up: {other:?}"
    );
    let same = tokio::time::timeout(
        wait,
        db.store
            .claim_daily_post(&new_post(CHANNEL, day(1), "q"), at("2026-06-01T13:00:00Z")),
    )
    .await;
    assert!(same.is_err(), "the same channel waits: {same:?}");
    writer.rollback().await.unwrap();
    claim(&db.store, CHANNEL, day(1), "q").await;
}
