//! Crash safety: the real `qotd` binary is killed with SIGKILL at 20 points of a
//! 200-channel fan-out and restarted on the same database each time. At the end every
//! channel has exactly one daily post, and every answer committed before a kill is kept.
//! The same fan-out is also stopped with SIGTERM at several points: each stop exits 0
//! having committed every answer it had received, and nothing is posted twice.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::binary::{Qotd, Running};
use crate::support::*;
use fake_discord::FakeDiscord;
use qotd::storage::Store;
use serde_json::json;
use tempfile::TempDir;

const CHANNELS: u64 = 200;
const FIRST_CHANNEL: u64 = 700_000_000_000_000_000;

/// [`CHANNELS`] channels due a minute ago, in one guild of a fake Discord, and the
/// database (in `dir`) every run of `qotd` shares.
struct FanOut {
    fake: FakeDiscord,
    channels: Vec<u64>,
    dir: TempDir,
    store: Store,
}

impl FanOut {
    /// The fan-out, with `latency` added to every REST call.
    async fn due(latency: Duration) -> Self {
        init_tracing();
        let channels: Vec<u64> = (0..CHANNELS).map(|n| FIRST_CHANNEL + n).collect();
        let names: Vec<String> = (0..CHANNELS).map(|n| format!("c{n}")).collect();
        let specs: Vec<(u64, &str)> = channels
            .iter()
            .zip(&names)
            .map(|(id, name)| (*id, name.as_str()))
            .collect();
        let fake = FakeDiscord::builder()
            .guild(GUILD, "Crashy", &specs)
            .start()
            .await;
        fake.set_latency(latency);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_path(&dir.path().join("qotd.db")).await.unwrap();
        schedule_due_a_minute_ago(&store, channels.iter().map(|c| (*c, GUILD))).await;
        Self {
            fake,
            channels,
            dir,
            store,
        }
    }

    /// Starts `qotd` and waits for its gateway session.
    async fn start_qotd(&self) -> Running {
        let ready_before = self.fake.gateway_counts().ready;
        let qotd = Qotd::run_against(&self.fake, self.dir.path())
            .env("RUST_LOG", "error")
            .spawn();
        Waiter::on(&self.fake)
            .until("the bot's gateway session", async || {
                self.fake.gateway_counts().ready > ready_before
            })
            .await;
        qotd
    }

    /// Posts whose message, 💡 and thread are done: (post id, thread id).
    async fn finished_posts(&self) -> Vec<(i64, u64)> {
        on_pool!(self.store, |pool| sqlx::query_as::<_, (i64, i64)>(
            "SELECT id, thread_id FROM daily_posts WHERE thread_id IS NOT NULL AND reacted = TRUE",
        )
        .fetch_all(pool)
        .await
        .unwrap())
        .into_iter()
        .map(|(id, thread)| (id, thread as u64))
        .collect()
    }

    async fn all_posts_finished(&self) -> bool {
        self.finished_posts().await.len() == CHANNELS as usize
    }

    /// New members (ids after `*last_member`) answer up to `n` finished posts; returns
    /// the (post id, member) answers sent.
    async fn answer_finished_posts(&self, n: usize, last_member: &mut u64) -> Vec<(i64, u64)> {
        let mut sent = Vec::new();
        for (post_id, thread) in self.finished_posts().await.into_iter().take(n) {
            *last_member += 1;
            self.fake
                .member_posts(GUILD, thread, *last_member, &[], "an answer");
            sent.push((post_id, *last_member));
        }
        sent
    }

    async fn is_committed(&self, (post_id, user): (i64, u64)) -> bool {
        let answered = self.store.answered_at(post_id, user).await.unwrap();
        answered.is_some()
    }

    /// Waits until the fake has seen `count` requests, or every post is finished.
    async fn wait_for_requests_or_the_end(&self, count: usize, round: usize) {
        Waiter::on(&self.fake)
            .within(Duration::from_secs(20))
            .until(
                &format!("round {round}: {count} requests or the end of the fan-out"),
                async || self.fake.request_count() >= count || self.all_posts_finished().await,
            )
            .await;
    }

    /// A last, uninterrupted run until every channel's post is finished; then checks
    /// that every channel has exactly one.
    async fn finish_and_check_one_post_each(&self) {
        let qotd = self.start_qotd().await;
        Waiter::on(&self.fake)
            .within(Duration::from_secs(60))
            .until("the fan-out to finish", async || {
                self.all_posts_finished().await
            })
            .await;
        qotd.kill().await;
        assert_one_daily_post_each(&self.fake, self.channels.iter().copied());
        self.fake.assert_clean();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_kills_during_a_200_channel_fan_out_leave_exactly_one_post_per_channel_and_every_answer()
 {
    let fan_out = FanOut::due(Duration::from_millis(3)).await;

    let mut committed_answers: HashSet<(i64, u64)> = HashSet::new();
    let mut member = 10_000u64;
    for round in 0..20usize {
        let since = fan_out.fake.request_count();
        let qotd = fan_out.start_qotd().await;

        // Answers to posts already finished, committed before this round's kill.
        for answer in fan_out.answer_finished_posts(3, &mut member).await {
            Waiter::on(&fan_out.fake)
                .until(&format!("round {round}: answer committed"), async || {
                    fan_out.is_committed(answer).await
                })
                .await;
            committed_answers.insert(answer);
        }

        // Kill at a different point of the fan-out each round, later and later so that
        // posts finish and answers come in between the kills.
        let kill_after = since + 4 + (round * 7) % 45 + round * 12;
        fan_out
            .wait_for_requests_or_the_end(kill_after, round)
            .await;
        let exited = qotd.kill().await;
        assert!(!exited.status.success(), "round {round}: killed");
    }

    fan_out.finish_and_check_one_post_each().await;
    for answer in &committed_answers {
        assert!(
            fan_out.is_committed(*answer).await,
            "answer {answer:?} survived"
        );
    }
    assert!(
        committed_answers.len() >= 30,
        "{} answers were committed before kills",
        committed_answers.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_the_fan_out_exits_cleanly_commits_received_answers_and_duplicates_nothing()
{
    let fan_out = FanOut::due(Duration::from_millis(40)).await;

    let mut sent_answers: Vec<(i64, u64)> = Vec::new();
    let mut member = 20_000u64;
    let mut stopped_mid_fan_out = 0;
    const STOPS: usize = 5;
    for round in 0..STOPS {
        let since = fan_out.fake.request_count();
        let qotd = fan_out.start_qotd().await;
        let stop_after = since + 10 + round * 40;
        fan_out
            .wait_for_requests_or_the_end(stop_after, round)
            .await;
        // Answers arrive while the fan-out is busy, then a command: the bot reads
        // gateway events in order, so once it replied to the command it has read the
        // answers (not necessarily committed them) before the signal.
        sent_answers.extend(fan_out.answer_finished_posts(5, &mut member).await);
        let command = send_slash(
            &fan_out.fake,
            GUILD,
            &crate::support::member(member),
            fan_out.channels[0],
            "streak",
            json!([]),
            json!({}),
        );
        Waiter::on(&fan_out.fake).callback(&command).await;

        if !fan_out.all_posts_finished().await {
            stopped_mid_fan_out += 1;
        }
        let exited = qotd.terminate().await;
        assert_eq!(exited.code(), Some(0), "round {round}: a clean exit");
        for answer in &sent_answers {
            assert!(
                fan_out.is_committed(*answer).await,
                "round {round}: answer {answer:?} committed before the exit"
            );
        }
    }

    fan_out.finish_and_check_one_post_each().await;
    assert!(
        stopped_mid_fan_out >= 3,
        "{stopped_mid_fan_out} of {STOPS} stops came during the fan-out"
    );
    assert!(sent_answers.len() >= 10, "{} answers", sent_answers.len());
}
