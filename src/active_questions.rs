//! The in-memory index of daily questions members can answer right now.
//!
//! The bot sees every message of every server it is in; deciding whether one is an
//! answer must not touch the database. Each channel's latest sent question is indexed
//! by its post message (for 💡 reactions and replies) and by its thread.

use crate::core::answering;
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use crate::locks;

use crate::storage::DailyPost;

/// The parts of a daily post the event handlers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivePost {
    pub post_id: i64,
    pub guild_id: u64,
    pub channel_id: u64,
    pub message_id: u64,
    pub thread_id: Option<u64>,
    /// The hint is revealed: further 💡 change nothing and need no database work.
    pub revealed: bool,
    /// 💡 reactors that reveal the hint: fewer need no reveal check.
    pub reveal_reactions: u32,
}

impl ActivePost {
    /// Where the question stands, for [`answering::answers`].
    pub fn question(&self) -> answering::Question {
        answering::Question {
            channel_id: self.channel_id,
            message_id: self.message_id,
            thread_id: self.thread_id,
        }
    }
}

#[derive(Debug, Default)]
struct Index {
    by_channel: HashMap<u64, ActivePost>,
    by_message: HashMap<u64, ActivePost>,
    by_thread: HashMap<u64, ActivePost>,
    /// `/quiz` messages whose hint is not revealed yet.
    open_quizzes: HashSet<u64>,
    /// (post, member) pairs already answered: a member's next messages in the thread
    /// need no database work.
    answered: HashSet<(i64, u64)>,
    /// Each channel's question before the latest, still indexed by message and thread.
    previous: HashMap<u64, ActivePost>,
}

impl Index {
    /// Forgets where `post` is (its message and thread).
    fn unindex(&mut self, post: &ActivePost) {
        self.by_message.remove(&post.message_id);
        if let Some(thread) = post.thread_id {
            self.by_thread.remove(&thread);
        }
    }
}

#[derive(Debug, Default)]
pub struct ActiveQuestions {
    index: RwLock<Index>,
}

impl ActiveQuestions {
    /// Makes `post` its channel's active question (replacing an older one). Posts not
    /// yet confirmed by Discord are ignored.
    ///
    /// The question it replaces stays indexed until the next one: an answer made
    /// before this post was claimed may still be delivered, and counts
    /// (`streak_rules::in_time` decides by its time).
    pub fn set(&self, post: &DailyPost) {
        let Some(message_id) = post.message_id else {
            return;
        };
        let active = ActivePost {
            post_id: post.id,
            guild_id: post.guild_id,
            channel_id: post.channel_id,
            message_id,
            thread_id: post.thread_id,
            revealed: post.revealed_at.is_some(),
            reveal_reactions: post.reveal_reactions,
        };
        let mut index = locks::write(&self.index);
        if let Some(latest) = index.by_channel.get(&post.channel_id).copied() {
            if latest.post_id > post.id {
                return; // an older post finishing late never displaces a newer one
            }
            if latest.post_id == post.id {
                index.unindex(&latest);
            } else if let Some(older) = index.previous.insert(post.channel_id, latest) {
                index.unindex(&older);
                index.answered.retain(|(post, _)| *post != older.post_id);
            }
        }
        index.by_channel.insert(post.channel_id, active);
        index.by_message.insert(message_id, active);
        if let Some(thread) = post.thread_id {
            index.by_thread.insert(thread, active);
        }
    }

    /// Every channel's active question.
    pub fn all(&self) -> Vec<ActivePost> {
        locks::read(&self.index)
            .by_channel
            .values()
            .copied()
            .collect()
    }

    pub fn by_message(&self, message_id: u64) -> Option<ActivePost> {
        locks::read(&self.index)
            .by_message
            .get(&message_id)
            .copied()
    }

    pub fn by_thread(&self, thread_id: u64) -> Option<ActivePost> {
        locks::read(&self.index).by_thread.get(&thread_id).copied()
    }

    /// Marks a post's hint revealed.
    pub fn mark_revealed(&self, post_id: i64) {
        let mut guard = locks::write(&self.index);
        let index = &mut *guard;
        for map in [
            &mut index.by_channel,
            &mut index.by_message,
            &mut index.by_thread,
        ] {
            for post in map.values_mut().filter(|p| p.post_id == post_id) {
                post.revealed = true;
            }
        }
    }

    /// Records that `user` answered `post_id`; false when they already had.
    pub fn first_answer(&self, post_id: i64, user: u64) -> bool {
        locks::write(&self.index).answered.insert((post_id, user))
    }

    /// Forgets an answer whose recording failed, so the next message retries it.
    pub fn forget_answer(&self, post_id: i64, user: u64) {
        locks::write(&self.index).answered.remove(&(post_id, user));
    }

    pub fn add_quiz(&self, message_id: u64) {
        locks::write(&self.index).open_quizzes.insert(message_id);
    }

    pub fn remove_quiz(&self, message_id: u64) {
        locks::write(&self.index).open_quizzes.remove(&message_id);
    }

    pub fn is_open_quiz(&self, message_id: u64) -> bool {
        locks::read(&self.index).open_quizzes.contains(&message_id)
    }

    pub fn len(&self) -> usize {
        locks::read(&self.index).by_channel.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::DailyPost;

    fn post(id: i64, message_id: u64, thread_id: u64) -> DailyPost {
        DailyPost {
            id,
            channel_id: 10,
            guild_id: 1,
            local_date: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            seq: id,
            question_id: "q".into(),
            pass: 1,
            nonce: String::new(),
            claimed_at: chrono::DateTime::UNIX_EPOCH,
            message_id: Some(message_id),
            thread_id: Some(thread_id),
            reacted: true,
            reveal_reactions: 1,
            reveal_due_at: chrono::DateTime::UNIX_EPOCH,
            revealed_at: None,
            reveal_reason: None,
            reveal_shown: false,
        }
    }

    #[test]
    fn the_question_before_the_latest_stays_answerable_until_the_next_post() {
        let active = ActiveQuestions::default();
        active.set(&post(1, 100, 101));
        assert!(active.first_answer(1, 7));
        active.set(&post(2, 200, 201));
        assert_eq!(active.by_thread(101).map(|p| p.post_id), Some(1));
        assert_eq!(active.by_message(100).map(|p| p.post_id), Some(1));
        assert!(!active.first_answer(1, 7), "still answered");
        active.set(&post(3, 300, 301));
        assert_eq!(active.by_thread(101), None);
        assert_eq!(active.by_message(100), None);
        assert_eq!(active.by_thread(201).map(|p| p.post_id), Some(2));
        assert_eq!(active.len(), 1, "one active question per channel");
        assert!(
            active.first_answer(1, 7),
            "question 1's answers are forgotten"
        );
    }
}
