//! Answers are written in batches by one task.
//!
//! A busy server can deliver hundreds of answers a second. Committing each in its own
//! transaction makes the database the bottleneck; the event handler instead queues the
//! answer (after the in-memory "already answered?" check) and this task commits
//! whatever has queued up in one transaction, right away when the queue was empty.
//!
//! When the database cannot be written (a full disk, a read-only file), the answers
//! are held in memory and retried with backoff until it can: one error line when the
//! fault starts, one when it clears, and no answer lost while the process lives. On
//! shutdown the queue is drained and committed before the process exits.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};
use tracing::{debug, error, info};

use crate::active_questions::ActiveQuestions;
use crate::locks;
use crate::metrics::Metrics;
use crate::stats::Stats;
use crate::storage::{AnswerRecord, NewAnswer, StorageError, Store};

/// The most answers committed in one transaction.
const MAX_BATCH: usize = 512;
/// The first retry after a failed commit; doubled up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(10);

pub struct AnswerQueue {
    sender: mpsc::UnboundedSender<NewAnswer>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<NewAnswer>>>,
    signals: Arc<Signals>,
}

/// What the queue and its writer task share.
#[derive(Debug)]
struct Signals {
    /// Answers accepted but not yet committed (queued or held after a failure).
    pending: watch::Sender<usize>,
    /// Asks the writer to retry held answers now instead of after its backoff.
    retry_now: Notify,
    /// Answers were counted: streaks changed (role rewards look again).
    counted: Notify,
}

impl Default for AnswerQueue {
    fn default() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Self {
            sender,
            receiver: Mutex::new(Some(receiver)),
            signals: Arc::new(Signals {
                pending: watch::Sender::new(0),
                retry_now: Notify::new(),
                counted: Notify::new(),
            }),
        }
    }
}

/// What the writer needs to commit answers.
struct Writer {
    store: Store,
    active: Arc<ActiveQuestions>,
    stats: Arc<Stats>,
    metrics: Arc<Metrics>,
    signals: Arc<Signals>,
}

impl AnswerQueue {
    pub fn push(&self, answer: NewAnswer) {
        self.signals.pending.send_modify(|n| *n += 1);
        // The receiver lives as long as the process serves events.
        let _ = self.sender.send(answer);
    }

    /// Tells [`AnswerQueue::counted`]'s waiter that answers were counted elsewhere
    /// (the reveal of private answers records them itself).
    pub fn announce_counted(&self) {
        self.signals.counted.notify_one();
    }

    /// Resolves once answers were counted since the last call (streaks changed).
    pub async fn counted(&self) {
        self.signals.counted.notified().await;
    }

    /// How many answers are accepted but not yet committed.
    pub fn pending(&self) -> usize {
        *self.signals.pending.borrow()
    }

    /// Waits up to `limit` for every accepted answer to be committed, asking the writer
    /// to retry held answers at once. False when some are still uncommitted.
    ///
    /// The scheduler calls this before posting a question: posting the next question
    /// resets the streaks of members who did not answer the previous one, so answers
    /// held through a database fault must land first.
    pub async fn settle(&self, limit: Duration) -> bool {
        let mut pending = self.signals.pending.subscribe();
        if *pending.borrow_and_update() == 0 {
            return true;
        }
        self.signals.retry_now.notify_one();
        tokio::time::timeout(limit, pending.wait_for(|n| *n == 0))
            .await
            .is_ok_and(|settled| settled.is_ok())
    }

    /// Starts the writer. Call once per process.
    pub fn start(
        &self,
        store: Store,
        active: Arc<ActiveQuestions>,
        stats: Arc<Stats>,
        metrics: Arc<Metrics>,
    ) -> AnswerWriter {
        let receiver = locks::lock(&self.receiver)
            .take()
            .expect("the answer writer starts once per process");
        let writer = Writer {
            store,
            active,
            stats,
            metrics,
            signals: self.signals.clone(),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(write_answers(writer, receiver, stopped));
        AnswerWriter { stop, handle }
    }
}

async fn write_answers(
    writer: Writer,
    mut receiver: mpsc::UnboundedReceiver<NewAnswer>,
    mut stopped: oneshot::Receiver<()>,
) {
    // Answers whose commit failed, oldest first.
    let mut held: Vec<NewAnswer> = Vec::new();
    let mut retry_after = FIRST_RETRY;
    let mut stopping = false;
    loop {
        if held.is_empty() {
            let first = tokio::select! {
                answer = receiver.recv() => answer,
                _ = &mut stopped, if !stopping => {
                    stopping = true;
                    receiver.close();
                    receiver.recv().await
                }
            };
            let Some(first) = first else { break };
            held.push(first);
        } else if !stopping {
            // Held answers: wait out the backoff, or a new answer, or a nudge.
            tokio::select! {
                answer = receiver.recv() => held.extend(answer),
                () = tokio::time::sleep(retry_after) => {}
                () = writer.signals.retry_now.notified() => {}
                _ = &mut stopped => {
                    stopping = true;
                    receiver.close();
                }
            }
        }
        while let Ok(answer) = receiver.try_recv() {
            held.push(answer);
        }

        let committed = commit_all(&writer, &mut held).await;
        writer.metrics.set_answers_held(held.len());
        match committed {
            Ok(()) => {
                if retry_after > FIRST_RETRY {
                    info!("the database accepts writes again; held answers are committed");
                }
                retry_after = FIRST_RETRY;
            }
            Err(failure) if stopping => {
                error!(
                    lost = held.len(),
                    error = %failure,
                    "stopping with answers the database would not take; they are lost: {}",
                    describe(&held)
                );
                settle_count(&writer, held.len());
                held.clear();
                break;
            }
            Err(failure) => {
                writer.stats.bump(&writer.stats.answer_commit_failures);
                writer.metrics.write_error(writer.store.kind().name());
                if retry_after == FIRST_RETRY {
                    error!(held = held.len(), error = %failure, "cannot record answers; holding them in memory and retrying until the database accepts writes");
                } else {
                    debug!(held = held.len(), error = %failure, "still cannot record answers");
                }
                retry_after = (retry_after * 2).min(MAX_RETRY);
            }
        }
    }
}

/// Commits `held` in batches, removing what was committed; stops at the first fault of
/// the file or disk, leaving the rest held.
///
/// An error that is not such a fault belongs to some answer in the batch, not to the
/// database: the batch is then committed one answer at a time and an answer that
/// still fails is dropped with a log line, so one bad answer cannot hold up the rest.
async fn commit_all(writer: &Writer, held: &mut Vec<NewAnswer>) -> Result<(), StorageError> {
    while !held.is_empty() {
        let batch_len = held.len().min(MAX_BATCH);
        match writer.store.record_answers(&held[..batch_len]).await {
            Ok(records) => log_records(writer, &held[..batch_len], records),
            Err(error) if error.fault().is_some() => return Err(error),
            Err(error) => {
                debug!(%error, "a batch of answers failed; committing them one by one");
                for _ in 0..batch_len {
                    let answer = held[0];
                    match writer.store.record_answers(&[answer]).await {
                        Ok(records) => log_records(writer, &[answer], records),
                        Err(error) if error.fault().is_some() => return Err(error),
                        Err(error) => {
                            error!(
                                post_id = answer.post_id,
                                user_id = answer.user_id,
                                %error,
                                "cannot record an answer; dropping it (the member's next message tries again)"
                            );
                            writer.active.forget_answer(answer.post_id, answer.user_id);
                        }
                    }
                    held.remove(0);
                    settle_count(writer, 1);
                }
                continue;
            }
        }
        held.drain(..batch_len);
        settle_count(writer, batch_len);
    }
    Ok(())
}

/// Logs what the commit did and counts the answers it recorded.
fn log_records(writer: &Writer, answers: &[NewAnswer], records: Vec<AnswerRecord>) {
    let counted = records
        .iter()
        .filter(|r| matches!(r, AnswerRecord::Counted { .. }))
        .count();
    writer.metrics.answers_committed(counted as u64);
    if counted > 0 {
        writer.signals.counted.notify_one();
    }
    for (answer, record) in answers.iter().zip(records) {
        match record {
            AnswerRecord::Counted { streak, unaided } => debug!(
                post_id = answer.post_id,
                user_id = answer.user_id,
                streak = streak.current,
                unaided,
                "answer recorded"
            ),
            other => debug!(post_id = answer.post_id, ?other, "answer not counted"),
        }
    }
}

fn settle_count(writer: &Writer, count: usize) {
    writer
        .signals
        .pending
        .send_modify(|n| *n = n.saturating_sub(count));
    writer
        .stats
        .add(&writer.stats.answers_committed, count as u64);
}

/// The held answers, for the operator's log line (the first hundred).
fn describe(answers: &[NewAnswer]) -> String {
    const SHOWN: usize = 100;
    let mut text = answers
        .iter()
        .take(SHOWN)
        .map(|a| format!("post {} user {} at {}", a.post_id, a.user_id, a.at))
        .collect::<Vec<_>>()
        .join("; ");
    if answers.len() > SHOWN {
        text.push_str(&format!("; and {} more", answers.len() - SHOWN));
    }
    text
}

/// The running writer.
pub struct AnswerWriter {
    stop: oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<()>,
}

impl AnswerWriter {
    /// Commits everything queued, then stops.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.handle.await;
    }
}
