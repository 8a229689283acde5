//! One task at a time works on a daily post in this process: finishes it (send, 💡,
//! thread) or shows its hint.
//!
//! Each step is recorded as it completes, and the scheduler finishes whatever a crash
//! or a failure left undone. Without turns, its pass can read a post another task is
//! working on at that moment (`/qotd post` finishing its post, the reveal's winner
//! showing the hint) and do the same step again: a second thread refused by Discord,
//! a hint announced twice. A task takes the post's turn, re-reads the post, and acts
//! only on what is still undone.
//!
//! Processes serve disjoint servers (shards), so a turn in memory is enough; the one
//! overlap, a shard handed from one process to another mid-reveal, can at worst show
//! a hint twice, never lose one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

use crate::locks;

type Turn = Arc<tokio::sync::Mutex<()>>;

/// A post's turn and how many tasks hold or await it.
struct Entry {
    turn: Turn,
    claims: usize,
}

/// The posts some task of this process is working on: each is forgotten when the
/// last task that held or awaited its turn lets go, including one that gave up
/// waiting (its future dropped).
#[derive(Default)]
pub struct PostTurns {
    turns: Mutex<HashMap<i64, Entry>>,
}

/// A task's claim on a post's turn, from asking for it until it is released or no
/// longer awaited: the last claim dropped forgets the post.
struct Claim<'a> {
    turns: &'a PostTurns,
    post_id: i64,
}

/// A post's turn: held until dropped, when the next waiting task gets it.
pub struct PostTurn<'a> {
    // Fields drop in order: the turn is released before the claim may forget the
    // post, so a task arriving in between never gets a second turn while it is held.
    _guard: OwnedMutexGuard<()>,
    _claim: Claim<'a>,
}

impl PostTurns {
    /// Waits for `post_id`'s turn.
    pub async fn take(&self, post_id: i64) -> PostTurn<'_> {
        let (claim, turn) = self.claim(post_id);
        PostTurn {
            _guard: turn.lock_owned().await,
            _claim: claim,
        }
    }

    fn claim(&self, post_id: i64) -> (Claim<'_>, Turn) {
        let mut turns = locks::lock(&self.turns);
        let entry = turns.entry(post_id).or_insert_with(|| Entry {
            turn: Turn::default(),
            claims: 0,
        });
        entry.claims += 1;
        let claim = Claim {
            turns: self,
            post_id,
        };
        (claim, entry.turn.clone())
    }

    /// How many posts have a turn held or awaited (finished ones are forgotten).
    #[cfg(test)]
    fn len(&self) -> usize {
        locks::lock(&self.turns).len()
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut turns = locks::lock(&self.turns.turns);
        if let Some(entry) = turns.get_mut(&self.post_id) {
            entry.claims -= 1;
            if entry.claims == 0 {
                turns.remove(&self.post_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn a_second_task_waits_for_the_first_and_the_post_is_forgotten_after() {
        let turns = Arc::new(PostTurns::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let most_inside = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (turns, inside, most_inside) =
                    (turns.clone(), inside.clone(), most_inside.clone());
                tokio::spawn(async move {
                    let _turn = turns.take(7).await;
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most_inside.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(most_inside.load(Ordering::SeqCst), 1);
        assert_eq!(turns.len(), 0);
    }

    #[tokio::test]
    async fn a_waiter_cancelled_while_the_turn_is_held_leaves_no_entry() {
        let turns = PostTurns::default();
        let first = turns.take(7).await;
        let waiter = tokio::time::timeout(Duration::from_millis(5), turns.take(7)).await;
        assert!(waiter.is_err(), "the turn is held");
        drop(first);
        assert_eq!(turns.len(), 0);
    }

    #[tokio::test]
    async fn a_waiter_cancelled_after_the_turn_was_released_leaves_no_entry() {
        let turns = PostTurns::default();
        let first = turns.take(7).await;
        let mut waiter = Box::pin(turns.take(7));
        let waited = tokio::time::timeout(Duration::from_millis(5), &mut waiter).await;
        assert!(waited.is_err(), "the turn is held");
        drop(first); // the turn passes to the waiter, which gives up before taking it
        drop(waiter);
        assert_eq!(turns.len(), 0);
        let again = tokio::time::timeout(Duration::from_secs(5), turns.take(7)).await;
        assert!(again.is_ok(), "the post's turn is free");
    }

    #[tokio::test]
    async fn different_posts_do_not_wait_for_each_other() {
        let turns = PostTurns::default();
        let _first = turns.take(1).await;
        let second = tokio::time::timeout(Duration::from_secs(5), turns.take(2)).await;
        assert!(second.is_ok());
        assert_eq!(turns.len(), 2);
    }
}
