//! The in-memory index of daily questions members can answer right now.
//!
//! The bot sees every message of every server it is in; deciding whether one is an
//! answer must not touch the database. Each channel's latest sent question is indexed
//! by its post message (for 💡 reactions and replies) and by its thread.

use crate::core::answering;
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use chrono::{DateTime, TimeDelta, Utc};

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
    /// Private answers: messages answer only from this moment, the reveal timeout.
    pub private_until: Option<DateTime<Utc>>,
}

impl ActivePost {
    /// Where the question stands, for [`answering::answers`]. Its thread is known
    /// before the bot has opened it: a thread started from a message has the
    /// message's id (Discord's rule).
    pub fn question(&self) -> answering::Question {
        answering::Question {
            channel_id: self.channel_id,
            message_id: self.message_id,
            thread_id: Some(self.thread()),
            private_until: self.private_until,
        }
    }

    /// The id of the post's thread, opened or to be opened.
    fn thread(&self) -> u64 {
        self.thread_id.unwrap_or(self.message_id)
    }
}

#[derive(Debug, Default)]
struct Index {
    by_channel: HashMap<u64, ActivePost>,
    by_message: HashMap<u64, ActivePost>,
    by_thread: HashMap<u64, ActivePost>,
    /// `/quiz` messages whose hint is not revealed yet, with when each was indexed
    /// (see [`ActiveQuestions::add_quiz`]).
    open_quizzes: HashMap<u64, DateTime<Utc>>,
    /// (post, member) pairs already answered: a member's next messages in the thread
    /// need no database work.
    answered: HashSet<(i64, u64)>,
    /// Each channel's question before the latest, still indexed by message and thread.
    previous: HashMap<u64, ActivePost>,
    /// Channels whose post is being sent, with the replies that came before the bot
    /// knew the post's id (Discord may deliver them before its answer to the send).
    sending: HashMap<u64, Vec<answering::Message>>,
}

/// How long an open `/quiz` is indexed for 💡: those posted within it are loaded at
/// start (a 💡 on one still reveals its hint after a restart), and one indexed longer
/// ago is forgotten at the next `/quiz` (its button still reveals the hint).
pub const OPEN_QUIZ_WINDOW: TimeDelta = TimeDelta::days(7);

/// The most replies held for one channel while its post is being sent.
const MAX_HELD: usize = 1_000;

/// What [`ActiveQuestions::offer`] made of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// It answers this question.
    Answers(ActivePost),
    /// A reply in a channel whose post is being sent: kept until the post is known.
    Held,
    /// Nothing to do with an open question.
    Unrelated,
}

impl Index {
    /// Forgets where `post` is (its message and thread).
    fn unindex(&mut self, post: &ActivePost) {
        self.by_message.remove(&post.message_id);
        self.by_thread.remove(&post.thread());
    }

    /// The open question `message` answers, if any.
    fn answered_by(&self, message: &answering::Message) -> Option<ActivePost> {
        let candidate = self
            .by_thread
            .get(&message.channel_id)
            .or_else(|| message.reply_to.and_then(|id| self.by_message.get(&id)))?;
        answering::answers(message, &candidate.question()).then_some(*candidate)
    }
}

#[derive(Debug, Default)]
pub struct ActiveQuestions {
    index: RwLock<Index>,
}

impl ActiveQuestions {
    /// Makes `post` its channel's active question (replacing an older one). Posts not
    /// yet confirmed by Discord are ignored. Returns the replies held while it was
    /// being sent that answer it ([`ActiveQuestions::sending`]).
    ///
    /// The question it replaces stays indexed until the next one: an answer made
    /// before this post was claimed may still be delivered, and counts
    /// (`streak_rules::in_time` decides by its time).
    #[must_use = "the held replies are answers to record"]
    pub fn set(&self, post: &DailyPost) -> Vec<answering::Message> {
        let Some(message_id) = post.message_id else {
            return Vec::new();
        };
        let active = ActivePost {
            post_id: post.id,
            guild_id: post.guild_id,
            channel_id: post.channel_id,
            message_id,
            thread_id: post.thread_id,
            revealed: post.revealed_at.is_some(),
            reveal_reactions: post.reveal_reactions,
            private_until: post.private_answers.then_some(post.reveal_due_at),
        };
        let mut index = locks::write(&self.index);
        if let Some(latest) = index.by_channel.get(&post.channel_id).copied() {
            if latest.post_id > post.id {
                return Vec::new(); // an older post finishing late never displaces a newer one
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
        index.by_thread.insert(active.thread(), active);
        let held = index.sending.remove(&post.channel_id).unwrap_or_default();
        held.into_iter()
            .filter(|message| answering::answers(message, &active.question()))
            .collect()
    }

    /// Marks `channel_id`'s post as being sent: until [`ActiveQuestions::set`] knows
    /// it, replies in the channel to a message the index does not know are held.
    pub fn sending(&self, channel_id: u64) {
        locks::write(&self.index)
            .sending
            .entry(channel_id)
            .or_default();
    }

    /// What `message` is to the open questions: an answer to one, a reply held while
    /// its channel's post is being sent, or nothing. One lock for the decision, so a
    /// reply is never lost between the two.
    pub fn offer(&self, message: &answering::Message) -> Offer {
        {
            let index = locks::read(&self.index);
            if let Some(post) = index.answered_by(message) {
                return Offer::Answers(post);
            }
            if message.reply_to.is_none() || !index.sending.contains_key(&message.channel_id) {
                return Offer::Unrelated;
            }
        }
        let mut index = locks::write(&self.index);
        if let Some(post) = index.answered_by(message) {
            return Offer::Answers(post); // the post became known meanwhile
        }
        match index.sending.get_mut(&message.channel_id) {
            Some(held) if message.from_member => {
                if held.len() >= MAX_HELD {
                    held.remove(0);
                }
                held.push(*message);
                Offer::Held
            }
            _ => Offer::Unrelated,
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

    /// Forgets every answer of a member (their data was deleted): their next message
    /// in a question's thread answers it again.
    pub fn forget_member(&self, user: u64) {
        locks::write(&self.index)
            .answered
            .retain(|&(_, answered_by)| answered_by != user);
    }

    /// Indexes quiz `message_id` for 💡 at `now` (when it is posted, or loaded at
    /// start), and forgets the quizzes indexed more than [`OPEN_QUIZ_WINDOW`] before
    /// `now`. A quiz loaded at start was posted within the window, so none stays
    /// indexed longer than twice the window after it was posted.
    pub fn add_quiz(&self, message_id: u64, now: DateTime<Utc>) {
        let mut index = locks::write(&self.index);
        index
            .open_quizzes
            .retain(|_, indexed| now - *indexed <= OPEN_QUIZ_WINDOW);
        index.open_quizzes.insert(message_id, now);
    }

    pub fn remove_quiz(&self, message_id: u64) {
        locks::write(&self.index).open_quizzes.remove(&message_id);
    }

    pub fn is_open_quiz(&self, message_id: u64) -> bool {
        locks::read(&self.index)
            .open_quizzes
            .contains_key(&message_id)
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
            private_answers: false,
            answers_shown_at: None,
        }
    }

    #[test]
    fn the_question_before_the_latest_stays_answerable_until_the_next_post() {
        let active = ActiveQuestions::default();
        let _ = active.set(&post(1, 100, 101));
        assert!(active.first_answer(1, 7));
        let _ = active.set(&post(2, 200, 201));
        assert_eq!(active.by_thread(101).map(|p| p.post_id), Some(1));
        assert_eq!(active.by_message(100).map(|p| p.post_id), Some(1));
        assert!(!active.first_answer(1, 7), "still answered");
        let _ = active.set(&post(3, 300, 301));
        assert_eq!(active.by_thread(101), None);
        assert_eq!(active.by_message(100), None);
        assert_eq!(active.by_thread(201).map(|p| p.post_id), Some(2));
        assert_eq!(active.len(), 1, "one active question per channel");
        assert!(
            active.first_answer(1, 7),
            "question 1's answers are forgotten"
        );
    }

    #[test]
    fn a_quiz_older_than_the_window_is_forgotten_when_another_is_posted() {
        let active = ActiveQuestions::default();
        let now = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        let (old, recent, new) = (500, 600, 700);
        active.add_quiz(old, now - OPEN_QUIZ_WINDOW - TimeDelta::seconds(1));
        active.add_quiz(recent, now - OPEN_QUIZ_WINDOW);
        assert!(active.is_open_quiz(old) && active.is_open_quiz(recent));
        active.add_quiz(new, now);
        assert!(!active.is_open_quiz(old), "posted more than a week ago");
        assert!(
            active.is_open_quiz(recent),
            "posted a week ago to the second"
        );
        assert!(active.is_open_quiz(new));
        assert_eq!(locks::read(&active.index).open_quizzes.len(), 2);
    }

    fn reply(to: u64, author: u64) -> answering::Message {
        answering::Message {
            channel_id: 10,
            author_id: author,
            from_member: true,
            reply_to: Some(to),
            at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn replies_that_come_while_the_post_is_being_sent_are_answers_once_it_is_known() {
        let active = ActiveQuestions::default();
        let _ = active.set(&post(1, 100, 101));
        active.sending(10);
        assert_eq!(active.offer(&reply(200, 7)), Offer::Held);
        assert_eq!(
            active.offer(&reply(999, 8)),
            Offer::Held,
            "not known yet either"
        );
        let bot = answering::Message {
            from_member: false,
            ..reply(200, 9)
        };
        assert_eq!(active.offer(&bot), Offer::Unrelated);
        assert!(matches!(active.offer(&reply(100, 7)), Offer::Answers(p) if p.post_id == 1));
        let held = active.set(&post(2, 200, 201));
        assert_eq!(
            held,
            vec![reply(200, 7)],
            "the reply to post 2, not the other"
        );
        assert_eq!(
            active.offer(&reply(555, 7)),
            Offer::Unrelated,
            "sent: nothing held"
        );
    }

    #[test]
    fn a_message_in_the_thread_answers_before_the_bot_has_recorded_the_thread() {
        let active = ActiveQuestions::default();
        let mut sent = post(1, 100, 0);
        sent.thread_id = None;
        let _ = active.set(&sent);
        let in_thread = answering::Message {
            channel_id: 100,
            reply_to: None,
            ..reply(0, 7)
        };
        assert!(matches!(active.offer(&in_thread), Offer::Answers(p) if p.post_id == 1));
    }
}
