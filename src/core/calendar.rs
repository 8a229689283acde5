//! Which mark each day of a member's streak calendar gets.
//!
//! The calendar covers [`WEEKS`] whole weeks, Monday first, ending with the week that
//! contains the channel's local `today` (days after today are left out). A day with a
//! daily question shows what the member did with it: answered before the hint
//! ([`Day::Unaided`]), after it ([`Day::AfterHint`]), not at all ([`Day::Missed`]), not
//! at all but bridged by a streak freeze ([`Day::Frozen`]), or not yet, while it is
//! still the channel's open question ([`Day::Waiting`]). A day without a question is
//! [`Day::NoQuestion`]. If a date somehow has several questions, the latest one (the
//! highest `seq`) decides its mark.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate};

/// Weeks shown, the current one included.
pub const WEEKS: usize = 26;

/// The mark of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Day {
    /// Answered before the hint was revealed.
    Unaided,
    /// Answered after the hint was revealed.
    AfterHint,
    /// Not answered while it was the latest question.
    Missed,
    /// Not answered, but a streak freeze bridged it.
    Frozen,
    /// No daily question was posted that day.
    NoQuestion,
    /// The channel's open question, not answered yet.
    Waiting,
}

/// One daily question of the channel: its local date, its number in the series, and the member's answer
/// (Some(true) = answered before the hint was revealed, Some(false) = after, None = not answered in time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedDay {
    pub date: NaiveDate,
    pub seq: i64,
    pub answer: Option<bool>,
}

/// A member's marks from `first` (a Monday) through `today`, one per date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// The Monday that starts the window.
    pub first: NaiveDate,
    /// The last day shown (the channel's local date).
    pub today: NaiveDate,
    /// `days[i]` is the mark of `first + i` days, through `today`.
    pub days: Vec<Day>,
}

impl Calendar {
    /// The mark of `date`, if it is in the window.
    pub fn day(&self, date: NaiveDate) -> Option<Day> {
        let index = usize::try_from(date.signed_duration_since(self.first).num_days()).ok()?;
        self.days.get(index).copied()
    }
}

/// The mark of a day with a question.
fn mark(post: &PostedDay, frozen: &BTreeSet<i64>, latest_seq: Option<i64>) -> Day {
    match post.answer {
        Some(true) => Day::Unaided,
        Some(false) => Day::AfterHint,
        None if frozen.contains(&post.seq) => Day::Frozen,
        None if Some(post.seq) == latest_seq => Day::Waiting,
        None => Day::Missed,
    }
}

/// The Monday that starts the window ending with `today`'s week.
pub fn window_start(today: NaiveDate) -> NaiveDate {
    let back = u64::from(today.weekday().num_days_from_monday()) + 7 * (WEEKS as u64 - 1);
    today
        .checked_sub_days(Days::new(back))
        .unwrap_or(NaiveDate::MIN)
}

/// The calendar of the [`WEEKS`] weeks ending with `today` (the channel's local date).
/// `posts` may come in any order and reach outside the window; `frozen` are the
/// questions a freeze bridged; `latest_seq` is the channel's latest question, still
/// open: unanswered, it is Waiting, not Missed.
pub fn calendar(
    today: NaiveDate,
    posts: &[PostedDay],
    frozen: &BTreeSet<i64>,
    latest_seq: Option<i64>,
) -> Calendar {
    let first = window_start(today);
    let mut by_date: BTreeMap<NaiveDate, &PostedDay> = BTreeMap::new();
    for post in posts.iter().filter(|p| p.date >= first && p.date <= today) {
        let entry = by_date.entry(post.date).or_insert(post);
        if post.seq > entry.seq {
            *entry = post;
        }
    }
    let days = first
        .iter_days()
        .take_while(|date| *date <= today)
        .map(|date| {
            by_date
                .get(&date)
                .map_or(Day::NoQuestion, |post| mark(post, frozen, latest_seq))
        })
        .collect();
    Calendar { first, today, days }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
    }

    fn post(day: &str, seq: i64, answer: Option<bool>) -> PostedDay {
        PostedDay {
            date: date(day),
            seq,
            answer,
        }
    }

    fn none() -> BTreeSet<i64> {
        BTreeSet::new()
    }

    // 2026-12-02 is a Wednesday.
    const WEDNESDAY: &str = "2026-12-02";

    #[test]
    fn the_window_starts_on_the_monday_twenty_five_weeks_before_this_weeks_monday() {
        let cal = calendar(date(WEDNESDAY), &[], &none(), None);
        assert_eq!(cal.first.weekday(), Weekday::Mon);
        assert_eq!(cal.first, date("2026-11-30") - Days::new(25 * 7));
        assert_eq!(cal.first, date("2026-06-08"));
        assert_eq!(cal.today, date(WEDNESDAY));
    }

    #[test]
    fn the_window_has_one_day_per_date_from_its_monday_through_today() {
        let cal = calendar(date(WEDNESDAY), &[], &none(), None);
        assert_eq!(cal.days.len(), 25 * 7 + 3);
        assert!(cal.days.iter().all(|d| *d == Day::NoQuestion));
        assert_eq!(cal.day(date(WEDNESDAY)), Some(Day::NoQuestion));
        assert_eq!(cal.day(date("2026-12-03")), None);
        assert_eq!(cal.day(date("2026-06-07")), None);
    }

    #[test]
    fn when_today_is_a_monday_the_last_week_has_one_day() {
        let cal = calendar(date("2026-11-30"), &[], &none(), None);
        assert_eq!(cal.first, date("2026-06-08"));
        assert_eq!(cal.days.len(), 25 * 7 + 1);
    }

    #[test]
    fn when_today_is_a_sunday_the_window_is_twenty_six_full_weeks() {
        let cal = calendar(date("2026-12-06"), &[], &none(), None);
        assert_eq!(cal.first, date("2026-06-08"));
        assert_eq!(cal.days.len(), WEEKS * 7);
        assert_eq!(cal.first.weekday(), Weekday::Mon);
    }

    #[test]
    fn an_answer_before_the_hint_is_unaided_and_after_it_is_after_hint() {
        let posts = [
            post("2026-11-30", 10, Some(true)),
            post("2026-12-01", 11, Some(false)),
        ];
        let cal = calendar(date(WEDNESDAY), &posts, &none(), None);
        assert_eq!(cal.day(date("2026-11-30")), Some(Day::Unaided));
        assert_eq!(cal.day(date("2026-12-01")), Some(Day::AfterHint));
    }

    #[test]
    fn an_unanswered_closed_question_is_missed() {
        let posts = [post("2026-12-01", 11, None), post(WEDNESDAY, 12, None)];
        let cal = calendar(date(WEDNESDAY), &posts, &none(), Some(12));
        assert_eq!(cal.day(date("2026-12-01")), Some(Day::Missed));
    }

    #[test]
    fn a_question_bridged_by_a_freeze_is_frozen_not_missed() {
        let posts = [post("2026-12-01", 11, None)];
        let frozen = BTreeSet::from([11]);
        let cal = calendar(date(WEDNESDAY), &posts, &frozen, Some(12));
        assert_eq!(cal.day(date("2026-12-01")), Some(Day::Frozen));
    }

    #[test]
    fn the_open_question_unanswered_is_waiting_not_missed() {
        let posts = [post(WEDNESDAY, 12, None)];
        let cal = calendar(date(WEDNESDAY), &posts, &none(), Some(12));
        assert_eq!(cal.day(date(WEDNESDAY)), Some(Day::Waiting));
    }

    #[test]
    fn the_open_question_once_answered_shows_the_answer() {
        let posts = [post(WEDNESDAY, 12, Some(false))];
        let cal = calendar(date(WEDNESDAY), &posts, &none(), Some(12));
        assert_eq!(cal.day(date(WEDNESDAY)), Some(Day::AfterHint));
    }

    #[test]
    fn a_day_without_a_question_is_no_question() {
        let posts = [post("2026-11-30", 10, Some(true))];
        let cal = calendar(date(WEDNESDAY), &posts, &none(), Some(10));
        assert_eq!(cal.day(date("2026-12-01")), Some(Day::NoQuestion));
        assert_eq!(cal.day(date(WEDNESDAY)), Some(Day::NoQuestion));
    }

    #[test]
    fn posts_outside_the_window_are_ignored() {
        let posts = [
            post("2026-06-07", 1, Some(true)),
            post("2026-06-08", 2, Some(true)),
            post("2026-12-03", 3, None),
        ];
        let cal = calendar(date(WEDNESDAY), &posts, &none(), Some(3));
        assert_eq!(cal.days.len(), 25 * 7 + 3);
        assert_eq!(cal.days[0], Day::Unaided);
        assert_eq!(
            cal.days.iter().filter(|d| **d != Day::NoQuestion).count(),
            1
        );
    }

    #[test]
    fn posts_in_any_order_land_on_their_dates() {
        let posts = [
            post(WEDNESDAY, 12, Some(true)),
            post("2026-06-09", 1, Some(false)),
            post("2026-11-30", 10, None),
        ];
        let cal = calendar(date(WEDNESDAY), &posts, &none(), Some(12));
        assert_eq!(cal.days[1], Day::AfterHint);
        assert_eq!(cal.day(date("2026-11-30")), Some(Day::Missed));
        assert_eq!(cal.days.last(), Some(&Day::Unaided));
    }

    #[test]
    fn two_questions_on_one_date_show_the_later_one() {
        let posts = [
            post("2026-12-01", 12, None),
            post("2026-12-01", 11, Some(true)),
        ];
        let cal = calendar(date(WEDNESDAY), &posts, &none(), Some(12));
        assert_eq!(cal.day(date("2026-12-01")), Some(Day::Waiting));
    }
}
