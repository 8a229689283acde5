//! Which message answers a daily question (SPEC §5): the one rule for the messages the
//! bot sees live and for those it reads back after a restart. An answer is stamped
//! with the message's own time (when Discord created it), not with when the bot
//! happened to see it.

use chrono::{DateTime, Utc};

/// A message, as far as answering goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub channel_id: u64,
    pub author_id: u64,
    /// A member's own message or reply: not a bot's, a webhook's or a system message.
    pub from_member: bool,
    /// The message it replies to, if any.
    pub reply_to: Option<u64>,
    /// When Discord created it.
    pub at: DateTime<Utc>,
}

/// Where a daily question stands in Discord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    pub channel_id: u64,
    pub message_id: u64,
    pub thread_id: Option<u64>,
    /// Private answers (SPEC §13): until this moment (the reveal timeout) answers are
    /// given with the post's button, and messages answer nothing.
    pub private_until: Option<DateTime<Utc>>,
}

/// Whether `message` answers `question`: a member's message in the question's thread,
/// or a member's reply to its post in its channel; for private answers, only once they
/// are revealed.
pub fn answers(message: &Message, question: &Question) -> bool {
    let in_thread = question.thread_id == Some(message.channel_id);
    let replies =
        message.channel_id == question.channel_id && message.reply_to == Some(question.message_id);
    let open = question
        .private_until
        .is_none_or(|until| message.at >= until);
    message.from_member && (in_thread || replies) && open
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUESTION: Question = Question {
        channel_id: 10,
        message_id: 100,
        thread_id: Some(11),
        private_until: None,
    };

    fn message(channel_id: u64, reply_to: Option<u64>, from_member: bool) -> Message {
        Message {
            channel_id,
            author_id: 7,
            from_member,
            reply_to,
            at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_member_answers_in_the_thread_or_by_replying_to_the_post() {
        assert!(answers(&message(11, None, true), &QUESTION));
        assert!(answers(&message(10, Some(100), true), &QUESTION));
    }

    #[test]
    fn other_talk_bots_and_replies_elsewhere_do_not_answer() {
        assert!(
            !answers(&message(10, None, true), &QUESTION),
            "the channel, not a reply"
        );
        assert!(
            !answers(&message(10, Some(99), true), &QUESTION),
            "a reply to another message"
        );
        assert!(
            !answers(&message(12, Some(100), true), &QUESTION),
            "a reply from another channel"
        );
        assert!(
            !answers(&message(11, None, false), &QUESTION),
            "a bot in the thread"
        );
        let no_thread = Question {
            thread_id: None,
            ..QUESTION
        };
        assert!(!answers(&message(11, None, true), &no_thread));
    }

    #[test]
    fn with_private_answers_messages_answer_only_from_the_reveal() {
        let reveal = DateTime::UNIX_EPOCH + chrono::TimeDelta::hours(4);
        let private = Question {
            private_until: Some(reveal),
            ..QUESTION
        };
        let at = |at| Message {
            at,
            ..message(11, None, true)
        };
        assert!(!answers(
            &at(reveal - chrono::TimeDelta::seconds(1)),
            &private
        ));
        assert!(answers(&at(reveal), &private));
        let reply = Message {
            at: DateTime::UNIX_EPOCH,
            ..message(10, Some(100), true)
        };
        assert!(!answers(&reply, &private), "a reply before the reveal");
    }
}
