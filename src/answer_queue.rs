//! Answers are written in batches by one task.
//!
//! A busy server can deliver hundreds of answers a second. Committing each in its own
//! transaction makes the database the bottleneck; the event handler instead queues the
//! answer (after the in-memory "already answered?" check) and this task commits
//! whatever has queued up in one transaction, right away when the queue was empty.
//! On shutdown the queue is drained and committed before the process exits.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use crate::discord::{App, Stats};
use crate::storage::{AnswerRecord, NewAnswer};

/// The most answers committed in one transaction.
const MAX_BATCH: usize = 512;

pub struct AnswerQueue {
    sender: mpsc::UnboundedSender<NewAnswer>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<NewAnswer>>>,
}

impl Default for AnswerQueue {
    fn default() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Self {
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    }
}

impl AnswerQueue {
    pub fn push(&self, answer: NewAnswer) {
        // The receiver lives as long as the process serves events.
        let _ = self.sender.send(answer);
    }

    /// Starts the writer. Call once per process.
    pub fn start(&self, app: Arc<App>) -> AnswerWriter {
        let mut receiver = self
            .receiver
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("the answer writer starts once per process");
        let (stop, mut stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            loop {
                let first = tokio::select! {
                    answer = receiver.recv() => answer,
                    _ = &mut stopped => {
                        receiver.close();
                        receiver.recv().await
                    }
                };
                let Some(first) = first else { break };
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(answer) => batch.push(answer),
                        Err(_) => break,
                    }
                }
                commit(&app, &batch).await;
            }
        });
        AnswerWriter { stop, handle }
    }
}

async fn commit(app: &App, batch: &[NewAnswer]) {
    match app.store.record_answers(batch).await {
        Ok(records) => {
            for (answer, record) in batch.iter().zip(records) {
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
        Err(error) => {
            warn!(answers = batch.len(), %error, "failed to record answers; the members' next messages will retry");
            for answer in batch {
                app.active.forget_answer(answer.post_id, answer.user_id);
            }
        }
    }
    for _ in batch {
        Stats::bump(&app.stats.answers_committed);
    }
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
