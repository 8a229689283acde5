//! Reminders (SPEC §14): a direct message, at most one a day, to a member who opted
//! in and still has a streak to lose.

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

use super::daily_schedule::{PostTime, midnight, post_instant_on};

/// The hours before a channel's next post a reminder may ask for (`/remind on`).
pub const REMINDER_HOURS: std::ops::RangeInclusive<u32> = 1..=23;
pub const DEFAULT_REMINDER_HOURS: u32 = 3;

/// When a member's reminder for a channel posting next at `post_time` on `date` (its
/// local date, in `zone`) falls: `hours_before` hours earlier on the local clock, so a
/// DST change that night moves it with the post (a local time that does not exist is
/// the first minute after the gap).
pub fn reminder_at(
    date: NaiveDate,
    post_time: PostTime,
    zone: Tz,
    hours_before: u32,
) -> DateTime<Utc> {
    let local = date.and_time(post_time.time()) - TimeDelta::hours(i64::from(hours_before));
    let at = PostTime::new(local.hour(), local.minute()).unwrap_or_else(midnight);
    post_instant_on(local.date(), at, zone)
}

/// What a reminder rule sees of one daily channel of a server for a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderChannel {
    /// The member's current streak in the channel.
    pub streak: u32,
    /// The member answered the channel's open question.
    pub answered: bool,
    /// When the reminder for the channel's next post falls ([`reminder_at`]).
    pub remind_at: DateTime<Utc>,
    /// When the channel's next post is.
    pub next_post: DateTime<Utc>,
}

/// Whether a member who opted in gets their reminder at `now`: one of their channels
/// has an open question they have not answered, with a streak of at least 1 to lose,
/// and its reminder time has come before its next post; and none was sent to them
/// since `last_sent` on the same local day (`today`, in the server's zone).
pub fn reminder_due(
    channels: &[ReminderChannel],
    now: DateTime<Utc>,
    last_sent_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    if last_sent_on == Some(today) {
        return false;
    }
    channels
        .iter()
        .any(|c| c.streak >= 1 && !c.answered && c.remind_at <= now && now < c.next_post)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_reminder_falls_hours_before_the_post_on_the_local_clock_across_dst() {
        let nine: PostTime = "09:00".parse().unwrap();
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        // The night summer time starts (2026-03-08, 02:00 → 03:00 in New York).
        assert_eq!(
            reminder_at(day("2026-03-08"), nine, New_York, 3),
            utc("2026-03-08T10:00:00Z")
        );
        assert_eq!(
            reminder_at(day("2026-03-07"), nine, New_York, 3),
            utc("2026-03-07T11:00:00Z")
        );
        // 8 hours before 09:00 is 01:00, before the change: still winter time.
        assert_eq!(
            reminder_at(day("2026-03-08"), nine, New_York, 8),
            utc("2026-03-08T06:00:00Z")
        );
        // 7 hours before 09:00 is 02:00, which does not exist that night: 03:00 EDT.
        assert_eq!(
            reminder_at(day("2026-03-08"), nine, New_York, 7),
            utc("2026-03-08T07:00:00Z")
        );
        // Before midnight: the evening before.
        assert_eq!(
            reminder_at(day("2026-06-02"), "01:30".parse().unwrap(), New_York, 3),
            utc("2026-06-02T02:30:00Z")
        );
    }

    #[test]
    fn a_reminder_is_due_for_an_unanswered_streak_once_a_local_day() {
        let channel = ReminderChannel {
            streak: 2,
            answered: false,
            remind_at: utc("2026-06-02T10:00:00Z"),
            next_post: utc("2026-06-02T13:00:00Z"),
        };
        let today = "2026-06-02".parse().unwrap();
        let now = utc("2026-06-02T10:00:00Z");
        assert!(reminder_due(&[channel], now, None, today));
        assert!(
            !reminder_due(&[channel], now, Some(today), today),
            "one a day"
        );
        assert!(!reminder_due(
            &[channel],
            utc("2026-06-02T09:59:00Z"),
            None,
            today
        ));
        assert!(
            !reminder_due(&[channel], utc("2026-06-02T13:00:00Z"), None, today),
            "too late"
        );
        let answered = ReminderChannel {
            answered: true,
            ..channel
        };
        let no_streak = ReminderChannel {
            streak: 0,
            ..channel
        };
        assert!(!reminder_due(&[answered, no_streak], now, None, today));
    }
}
