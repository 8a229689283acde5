//! Does this answer keep the streak? (docs/behaviour.md)
//!
//! Daily questions of a channel are numbered 1, 2, 3, … in the order they are posted
//! (`seq`). A member's streak is the run of consecutive numbers they answered, up to the
//! latest. Numbers count posts, not calendar days, so a skipped or paused day breaks
//! nothing. An answer counts only while its question is the channel's latest (before the
//! next question is posted); a question left unanswered resets the streak to 0 once the
//! next one is posted.
//!
//! Freezes (SPEC §9): every [`FREEZE_EVERY`] consecutive answered questions earn one,
//! at most [`MAX_FREEZES`] held. When a post closes a question the member did not
//! answer, a held freeze is spent instead of resetting the streak: the streak keeps
//! its value (a freeze never raises it) and the missed question counts as kept, so
//! answering the next one continues the run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Answered questions in a row that earn one freeze.
pub const FREEZE_EVERY: u32 = 7;

/// The most freezes a member holds in a channel.
pub const MAX_FREEZES: u32 = 2;

/// A member's standing in one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberStreak {
    pub current: u32,
    pub best: u32,
    pub total: u32,
    pub unaided: u32,
    /// The series number of the last question they answered in time.
    pub last_answered_seq: Option<i64>,
    /// Freezes held (at most [`MAX_FREEZES`]).
    pub freezes: u32,
    /// The last question the streak covers: answered, or bridged by a freeze.
    pub last_kept_seq: Option<i64>,
    /// The question the last spent freeze bridged.
    pub last_freeze_seq: Option<i64>,
}

impl MemberStreak {
    /// The last question the streak covers (answered or frozen).
    pub fn kept_seq(&self) -> Option<i64> {
        self.last_kept_seq.max(self.last_answered_seq)
    }
}

/// An answer to the daily question numbered `question_seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub question_seq: i64,
    /// The number of the channel's latest posted daily question when the answer is
    /// recorded.
    pub latest_seq: i64,
    /// Arrived before the hint was revealed.
    pub unaided: bool,
    /// Made before the channel's next question was claimed ([`in_time`]).
    pub in_time: bool,
}

/// Whether an answer made at `answered_at` (the message's own time) counts for the
/// streak (SPEC §5): it was made before the channel's next daily question was claimed
/// (`next_claimed_at`, `None` while no next question is posted), whenever it is
/// recorded. Commit order decides nothing: an answer another process records after
/// an admin's `/qotd post`, or one held through a database fault, still counts.
pub fn in_time(answered_at: DateTime<Utc>, next_claimed_at: Option<DateTime<Utc>>) -> bool {
    next_claimed_at.is_none_or(|claimed| answered_at < claimed)
}

/// A member's streak as stored, with what it was just before the channel's latest
/// post was applied to it: enough to apply an answer made before that post but
/// recorded after it as if it had been recorded in time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredStreak {
    pub streak: MemberStreak,
    /// Kept when that post changed the streak, or the member answered since.
    pub before_latest: Option<BeforePost>,
}

impl From<MemberStreak> for StoredStreak {
    fn from(streak: MemberStreak) -> Self {
        Self {
            streak,
            before_latest: None,
        }
    }
}

/// A streak just before post `seq` was applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeforePost {
    pub seq: i64,
    pub streak: MemberStreak,
}

impl StoredStreak {
    /// The streak before the latest post, `latest_seq`, was applied: the kept one, or
    /// the streak itself when that post changed nothing and no answer came since.
    fn before(&self, latest_seq: i64) -> MemberStreak {
        match self.before_latest {
            Some(before) if before.seq == latest_seq => before.streak,
            _ => self.streak,
        }
    }
}

/// What an answer did to the streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerEffect {
    /// Counted: the streak after it, and the question whose spent freeze it gives
    /// back (the answer now covers that question).
    Counted {
        stored: StoredStreak,
        freeze_given_back: Option<i64>,
    },
    /// The member already answered this question: several messages count as one.
    AlreadyAnswered,
    /// Made after the next question was claimed: too late to count. (Also an answer
    /// made in time but recorded after two more questions were posted: the streak
    /// keeps one post of history, not more.)
    TooLate,
}

/// Applies an answer to a member's stored streak.
///
/// An answer to the latest question counts as it comes. An answer to the question
/// before it, made in time, is applied as if recorded before the latest post: to the
/// streak as it was then, then that post, then the member's answer to the latest
/// question if they gave it.
pub fn apply_answer(stored: StoredStreak, answer: Answer) -> AnswerEffect {
    let (question, latest) = (answer.question_seq, answer.latest_seq);
    if !answer.in_time {
        return AnswerEffect::TooLate;
    }
    if question == latest {
        let before = stored.before(latest);
        return match answer_latest(stored.streak, question, answer.unaided) {
            Some(streak) => AnswerEffect::Counted {
                stored: StoredStreak {
                    streak,
                    before_latest: Some(BeforePost {
                        seq: latest,
                        streak: before,
                    }),
                },
                freeze_given_back: None,
            },
            None => AnswerEffect::AlreadyAnswered,
        };
    }
    if question != latest - 1 {
        return AnswerEffect::TooLate;
    }
    let before = stored.before(latest);
    let Some(answered) = answer_latest(before, question, answer.unaided) else {
        return AnswerEffect::AlreadyAnswered;
    };
    let mut streak = on_question_posted(answered, latest);
    if stored.streak.last_answered_seq == Some(latest) {
        // Their answer to the latest question, again after this one.
        let unaided = stored.streak.unaided > before.unaided;
        streak = answer_latest(streak, latest, unaided).unwrap_or(streak);
    }
    AnswerEffect::Counted {
        stored: StoredStreak {
            streak,
            before_latest: Some(BeforePost {
                seq: latest,
                streak: answered,
            }),
        },
        freeze_given_back: Some(question),
    }
}

/// An answer to `question`, the latest question: the streak after it, or `None` when
/// the member already answered it.
fn answer_latest(streak: MemberStreak, question: i64, unaided: bool) -> Option<MemberStreak> {
    if streak
        .last_answered_seq
        .is_some_and(|last| last >= question)
    {
        return None;
    }
    let continues = streak.kept_seq() == Some(question - 1);
    let current = if continues { streak.current + 1 } else { 1 };
    let earned = u32::from(current % FREEZE_EVERY == 0);
    Some(MemberStreak {
        current,
        best: streak.best.max(current),
        total: streak.total + 1,
        unaided: streak.unaided + u32::from(unaided),
        last_answered_seq: Some(question),
        freezes: (streak.freezes + earned).min(MAX_FREEZES),
        last_kept_seq: Some(question),
        last_freeze_seq: streak.last_freeze_seq,
    })
}

/// The streak once question `new_seq` is posted: broken if the previous one went
/// unanswered. Storage applies it to every streak of the channel in the transaction
/// that records the post as sent (`Store::confirm_post_sent`).
/// A held freeze bridges the one question the new post closes unanswered; without
/// one the streak resets to 0.
pub fn on_question_posted(streak: MemberStreak, new_seq: i64) -> MemberStreak {
    let closed = new_seq - 1;
    if still_alive(streak.kept_seq(), new_seq) {
        streak
    } else if streak.current > 0 && streak.freezes > 0 && streak.kept_seq() == Some(closed - 1) {
        MemberStreak {
            freezes: streak.freezes - 1,
            last_kept_seq: Some(closed),
            last_freeze_seq: Some(closed),
            ..streak
        }
    } else {
        MemberStreak {
            current: 0,
            ..streak
        }
    }
}

/// A stored streak once question `new_seq` is posted ([`on_question_posted`]),
/// keeping what it was before when the post changes it: what storage writes.
pub fn after_post(stored: StoredStreak, new_seq: i64) -> StoredStreak {
    let streak = on_question_posted(stored.streak, new_seq);
    match streak == stored.streak {
        true => stored,
        false => StoredStreak {
            streak,
            before_latest: Some(BeforePost {
                seq: new_seq,
                streak: stored.streak,
            }),
        },
    }
}

/// A streak an admin repaired to `current` (`/qotd streak-set`) while the channel's
/// latest posted question is `latest_seq`: best rises with it if lower, and a running
/// streak is kept alive up to the question before the latest, so answering the latest
/// question continues it.
pub fn repaired(streak: MemberStreak, current: u32, latest_seq: i64) -> MemberStreak {
    let last_kept_seq = if current > 0 {
        streak.kept_seq().max(Some(latest_seq - 1))
    } else {
        streak.last_kept_seq
    };
    MemberStreak {
        current,
        best: streak.best.max(current),
        last_kept_seq,
        ..streak
    }
}

/// Whether a streak whose last answer was `last_answered_seq` survives while the
/// channel's latest question is `latest_seq`.
pub fn still_alive(last_answered_seq: Option<i64>, latest_seq: i64) -> bool {
    last_answered_seq.is_some_and(|last| last >= latest_seq - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(seq: i64, unaided: bool) -> Answer {
        Answer {
            question_seq: seq,
            latest_seq: seq,
            unaided,
            in_time: true,
        }
    }

    fn counted(effect: AnswerEffect) -> MemberStreak {
        counted_stored(effect).streak
    }

    fn counted_stored(effect: AnswerEffect) -> StoredStreak {
        match effect {
            AnswerEffect::Counted { stored, .. } => stored,
            other => panic!("expected the answer to count, got {other:?}"),
        }
    }

    /// Walks questions 1..=n; `answered[i]` says whether question i+1 was answered.
    fn walk(answered: &[bool]) -> MemberStreak {
        let mut streak = MemberStreak::default();
        for (index, &did_answer) in answered.iter().enumerate() {
            let seq = index as i64 + 1;
            streak = on_question_posted(streak, seq);
            if did_answer {
                streak = counted(apply_answer(streak.into(), answer(seq, false)));
            }
        }
        streak
    }

    #[test]
    fn answering_three_questions_in_a_row_gives_a_streak_of_three() {
        let streak = walk(&[true, true, true]);
        assert_eq!((streak.current, streak.best, streak.total), (3, 3, 3));
    }

    #[test]
    fn a_streak_continues_while_the_latest_question_is_still_open() {
        let streak = walk(&[true, true, false]);
        assert_eq!(streak.current, 2, "question 3 is still open");
    }

    #[test]
    fn streak_resets_after_a_missed_question_once_the_next_is_posted() {
        let streak = walk(&[true, true, false, false]);
        assert_eq!((streak.current, streak.best, streak.total), (0, 2, 2));
        let restarted = walk(&[true, true, false, true]);
        assert_eq!((restarted.current, restarted.best), (1, 2));
    }

    #[test]
    fn a_posted_question_resets_only_streaks_that_missed_the_one_before() {
        let kept = MemberStreak {
            current: 4,
            best: 4,
            total: 4,
            unaided: 1,
            last_answered_seq: Some(6),
            ..MemberStreak::default()
        };
        assert_eq!(
            on_question_posted(kept, 7),
            kept,
            "answered #6, #7 just posted"
        );
        let broken = on_question_posted(kept, 8);
        assert_eq!(
            broken,
            MemberStreak { current: 0, ..kept },
            "#7 went unanswered"
        );
        assert_eq!(
            on_question_posted(MemberStreak::default(), 1),
            MemberStreak::default()
        );
    }

    #[test]
    fn an_answer_after_the_next_question_is_posted_does_not_count() {
        let streak = walk(&[true]);
        let late = Answer {
            question_seq: 1,
            latest_seq: 2,
            unaided: true,
            in_time: false,
        };
        assert_eq!(apply_answer(streak.into(), late), AnswerEffect::TooLate);
    }

    #[test]
    fn several_messages_count_as_one_answer() {
        let streak = walk(&[true]);
        assert_eq!(
            apply_answer(streak.into(), answer(1, false)),
            AnswerEffect::AlreadyAnswered
        );
    }

    #[test]
    fn unaided_answers_are_counted_separately() {
        let mut streak = counted(apply_answer(
            MemberStreak::default().into(),
            answer(1, true),
        ));
        streak = counted(apply_answer(streak.into(), answer(2, false)));
        assert_eq!((streak.total, streak.unaided), (2, 1));
    }

    #[test]
    fn best_streak_is_kept_after_a_break() {
        let streak = walk(&[true, true, true, false, false, true]);
        assert_eq!((streak.current, streak.best, streak.total), (1, 3, 4));
    }

    #[test]
    fn seven_answers_earn_a_freeze_that_keeps_the_streak_over_one_missed_question() {
        let seven = walk(&[true; 7]);
        assert_eq!((seven.current, seven.freezes), (7, 1));
        // #8 unanswered: posting #9 spends the freeze and keeps 7.
        let frozen = walk(&[[true; 7].as_slice(), &[false, false]].concat());
        assert_eq!(
            (frozen.current, frozen.freezes, frozen.last_freeze_seq),
            (7, 0, Some(8))
        );
        // Answering #9 continues the run: 8, not 1.
        let continued = walk(&[[true; 7].as_slice(), &[false, true]].concat());
        assert_eq!((continued.current, continued.best), (8, 8));
        // #9 unanswered too, no freeze left: posting #10 resets.
        let reset = walk(&[[true; 7].as_slice(), &[false, false, false]].concat());
        assert_eq!((reset.current, reset.best, reset.freezes), (0, 7, 0));
    }

    #[test]
    fn no_more_than_two_freezes_are_held() {
        let streak = walk(&[true; 21]);
        assert_eq!((streak.current, streak.freezes), (21, MAX_FREEZES));
        // Two missed questions in a row are bridged by the two freezes.
        let bridged = walk(&[[true; 14].as_slice(), &[false, false, false]].concat());
        assert_eq!((bridged.current, bridged.freezes), (14, 0));
    }

    #[test]
    fn a_repaired_streak_raises_best_and_continues_with_the_next_answer() {
        // Missed #3; the admin repairs to 5 while #4 is open.
        let broken = walk(&[true, true, false, false]);
        let fixed = repaired(broken, 5, 4);
        assert_eq!((fixed.current, fixed.best), (5, 5));
        let next = counted(apply_answer(fixed.into(), answer(4, false)));
        assert_eq!(next.current, 6);
        // Lowering keeps best; zero ends the run.
        let lowered = repaired(walk(&[true, true, true]), 1, 3);
        assert_eq!((lowered.current, lowered.best), (1, 3));
        assert_eq!(repaired(walk(&[true]), 0, 1).current, 0);
    }

    proptest::proptest! {
        /// Any walk of answered and missed questions: a freeze never raises a streak
        /// (posting a question never increases `current`), no member holds more than
        /// two, and a member who never held one resets exactly as without freezes.
        #[test]
        fn freezes_never_raise_a_streak_never_exceed_two_and_change_nothing_without_one(
            answered in proptest::collection::vec(proptest::bool::ANY, 0..60)
        ) {
            let mut streak = MemberStreak::default();
            let mut plain_current = 0u32;
            let mut plain_last: Option<i64> = None;
            let mut ever_held = false;
            for (index, &did_answer) in answered.iter().enumerate() {
                let seq = index as i64 + 1;
                let before = streak;
                streak = on_question_posted(streak, seq);
                proptest::prop_assert!(streak.current <= before.current);
                if !still_alive(plain_last, seq) {
                    plain_current = 0;
                }
                if did_answer {
                    streak = counted(apply_answer(streak.into(), answer(seq, false)));
                    plain_current = if plain_last == Some(seq - 1) { plain_current + 1 } else { 1 };
                    plain_last = Some(seq);
                }
                proptest::prop_assert!(streak.freezes <= MAX_FREEZES);
                ever_held |= streak.freezes > 0;
                if !ever_held {
                    proptest::prop_assert_eq!(streak.current, plain_current);
                }
            }
        }
    }

    /// One member's history: question `seq` posted, then their answer to it if
    /// `answers[seq-1]` is `Some(unaided)`; the answer to question `late` (if any) is
    /// recorded only after question `late + 1` was posted (and, when `after_next`,
    /// after their answer to it too).
    fn history(answers: &[Option<bool>], late: Option<(usize, bool)>) -> MemberStreak {
        let mut stored = StoredStreak::default();
        let mut held: Option<Answer> = None;
        for (index, given) in answers.iter().enumerate() {
            let seq = index as i64 + 1;
            stored = after_post(stored, seq);
            let record = |stored: StoredStreak, answer: Answer| match apply_answer(stored, answer) {
                AnswerEffect::Counted { stored, .. } => stored,
                other => panic!("{answer:?}: {other:?}"),
            };
            let late_after_next = |held: Option<Answer>, stored| match held {
                Some(answer) => record(
                    stored,
                    Answer {
                        latest_seq: seq,
                        ..answer
                    },
                ),
                None => stored,
            };
            if !late.is_some_and(|(_, after_next)| after_next) {
                stored = late_after_next(held.take(), stored);
            }
            if let Some(unaided) = *given {
                let answer = Answer {
                    unaided,
                    ..super::tests::answer(seq, unaided)
                };
                match late {
                    Some((late, _)) if late == index => held = Some(answer),
                    _ => stored = record(stored, answer),
                }
            }
            if late.is_some_and(|(late, after_next)| after_next && late + 1 == index) {
                stored = late_after_next(held.take(), stored);
            }
        }
        stored.streak
    }

    #[test]
    fn an_answer_made_before_the_next_post_counts_when_it_is_recorded_after_it() {
        // Answered 1 and 2; the answer to 2 is recorded after question 3 was posted.
        let on_time = history(&[Some(true), Some(true), None], None);
        let late = history(&[Some(true), Some(true), None], Some((1, false)));
        assert_eq!(late, on_time);
        assert_eq!((late.current, late.total, late.unaided), (2, 2, 2));
    }

    #[test]
    fn a_late_recorded_answer_comes_before_the_members_answer_to_the_next_question() {
        let answers = [Some(false), Some(true), Some(false)];
        let on_time = history(&answers, None);
        assert_eq!(history(&answers, Some((1, true))), on_time);
        assert_eq!(on_time.current, 3);
    }

    #[test]
    fn a_late_recorded_answer_gives_back_the_freeze_the_next_post_spent() {
        let mut answers = vec![Some(false); 7];
        answers.extend([Some(true), None]);
        let on_time = history(&answers, None);
        assert_eq!((on_time.current, on_time.freezes), (8, 1));
        let late = history(&answers, Some((7, false)));
        assert_eq!(late, on_time);
        let stored = StoredStreak::from(on_time);
        let effect = apply_answer(
            after_post(after_post(stored, 10), 11),
            Answer {
                question_seq: 9,
                latest_seq: 11,
                unaided: false,
                in_time: true,
            },
        );
        assert_eq!(
            effect,
            AnswerEffect::TooLate,
            "two posts later: too far back"
        );
    }

    #[test]
    fn an_answer_counts_when_made_before_the_next_question_was_claimed() {
        let claimed = DateTime::parse_from_rfc3339("2026-06-02T13:00:00Z")
            .unwrap()
            .to_utc();
        let second = chrono::TimeDelta::seconds(1);
        assert!(in_time(claimed - second, Some(claimed)));
        assert!(!in_time(claimed, Some(claimed)));
        assert!(in_time(claimed + second, None), "no next question posted");
    }

    proptest::proptest! {
        /// Whenever an in-time answer is recorded (before the next post, after it,
        /// after the member's next answer), the streak is the same.
        #[test]
        fn when_an_in_time_answer_is_recorded_changes_nothing(
            answers in proptest::collection::vec(proptest::option::of(proptest::bool::ANY), 2..30),
            late in 0usize..29,
            after_next in proptest::bool::ANY,
        ) {
            let late = late % (answers.len() - 1);
            proptest::prop_assume!(answers[late].is_some());
            let on_time = history(&answers, None);
            proptest::prop_assert_eq!(history(&answers, Some((late, after_next))), on_time);
        }
    }
}
