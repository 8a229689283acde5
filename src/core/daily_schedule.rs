//! When a channel's daily question is due, in its own timezone.
//!
//! Rules (docs/behaviour.md): the post time follows the zone across
//! daylight-saving changes; a local time that does not exist that day (spring forward)
//! posts at the first valid minute after it; a time that occurs twice (fall back)
//! posts once, at the first occurrence. A post belongs to the local date it was
//! scheduled for.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// A local wall-clock time `HH:MM` (24 h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostTime(NaiveTime);

impl PostTime {
    pub fn new(hour: u32, minute: u32) -> Option<Self> {
        NaiveTime::from_hms_opt(hour, minute, 0).map(Self)
    }

    pub fn time(self) -> NaiveTime {
        self.0
    }
}

/// 00:00.
pub fn midnight() -> PostTime {
    PostTime(NaiveTime::MIN)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a time of day: use 24-hour HH:MM, e.g. 09:00 or 18:30")]
pub struct InvalidPostTime(pub String);

impl FromStr for PostTime {
    type Err = InvalidPostTime;

    /// Accepts `H:MM` and `HH:MM`, 00:00 to 23:59.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidPostTime(text.chars().take(20).collect());
        let (hours, minutes) = text.trim().split_once(':').ok_or_else(invalid)?;
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(hours) || hours.len() > 2 || !all_digits(minutes) || minutes.len() != 2 {
            return Err(invalid());
        }
        let hour = hours.parse().map_err(|_| invalid())?;
        let minute = minutes.parse().map_err(|_| invalid())?;
        PostTime::new(hour, minute).ok_or_else(invalid)
    }
}

impl fmt::Display for PostTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IANA timezone: use a name such as Europe/Berlin or America/New_York")]
pub struct InvalidTimezone(pub String);

/// Parses an IANA zone name, ignoring ASCII case (`europe/berlin` works).
pub fn parse_timezone(text: &str) -> Result<Tz, InvalidTimezone> {
    let text = text.trim();
    text.parse::<Tz>()
        .ok()
        .or_else(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .copied()
                .find(|zone| zone.name().eq_ignore_ascii_case(text))
        })
        .ok_or_else(|| InvalidTimezone(text.chars().take(40).collect()))
}

/// The instant a post scheduled for `date` at `time` in `zone` happens.
pub fn post_instant_on(date: NaiveDate, time: PostTime, zone: Tz) -> DateTime<Utc> {
    let wanted = date.and_time(time.0);
    match zone.from_local_datetime(&wanted) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Spring forward: walk to the first minute that exists. Gaps are at most a
            // day long (Samoa 2011 skipped a whole date), so the walk is bounded.
            let mut candidate = wanted;
            for _ in 0..(24 * 60 + 1) {
                candidate += TimeDelta::minutes(1);
                if let Some(at) = zone.from_local_datetime(&candidate).earliest() {
                    return at.with_timezone(&Utc);
                }
            }
            // Unreachable for real zones; fall back to reading the time as UTC.
            wanted.and_utc()
        }
    }
}

/// The local date of `instant` in `zone`.
pub fn local_date(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// The title of the daily post numbered `seq`: shown on the post, and how a restarted
/// bot recognises a post it sent before a crash.
pub fn daily_title(seq: i64) -> String {
    format!("Question of the day #{seq}")
}

/// The first post (its local date and instant) strictly after `after`.
pub fn next_post_after(
    after: DateTime<Utc>,
    time: PostTime,
    zone: Tz,
) -> (NaiveDate, DateTime<Utc>) {
    let today = local_date(after, zone);
    let mut date = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    loop {
        let at = post_instant_on(date, time, zone);
        if at > after {
            return (date, at);
        }
        date = date
            .succ_opt()
            .expect("dates stay far from chrono's limits");
    }
}

/// Which local date, if any, has a post due at `now`.
///
/// Today's post is due once its instant has passed — late if the bot was down, but
/// only while it is still that local date; an earlier day is skipped, never posted.
/// `active_since` is when the schedule was set up or last resumed: a post time that
/// passed before it is not owed (setting up at 10:00 for 09:00 starts tomorrow).
/// Whether the date already has a post is the caller's (storage's) business.
pub fn due_date(
    now: DateTime<Utc>,
    time: PostTime,
    zone: Tz,
    active_since: DateTime<Utc>,
) -> Option<NaiveDate> {
    let today = local_date(now, zone);
    let at = post_instant_on(today, time, zone);
    (at <= now && at >= active_since).then_some(today)
}

/// A schedule's next post as of `now`: today's while it is still owed (its instant
/// may already have passed: it is due now), else the first later date without a post.
pub fn upcoming_post(
    now: DateTime<Utc>,
    time: PostTime,
    zone: Tz,
    active_since: DateTime<Utc>,
    last_posted_date: Option<NaiveDate>,
) -> (NaiveDate, DateTime<Utc>) {
    let not_posted = |date: NaiveDate| last_posted_date.is_none_or(|last| last < date);
    if let Some(today) = due_date(now, time, zone, active_since).filter(|&d| not_posted(d)) {
        return (today, post_instant_on(today, time, zone));
    }
    let mut after = now;
    loop {
        let (date, at) = next_post_after(after, time, zone);
        if not_posted(date) {
            return (date, at);
        }
        after = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America::New_York, Europe::Berlin};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn time(text: &str) -> PostTime {
        text.parse().unwrap()
    }

    #[test]
    fn post_times_parse_strictly() {
        assert_eq!(time("09:00").to_string(), "09:00");
        assert_eq!(time("9:05").to_string(), "09:05");
        assert_eq!(time("23:59").to_string(), "23:59");
        for bad in [
            "25:99",
            "24:00",
            "12:60",
            "9",
            "09:0",
            "ab:cd",
            "",
            "-1:00",
            "09:00:00",
            "１２:00",
        ] {
            assert!(bad.parse::<PostTime>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn timezones_parse_by_iana_name_in_any_case() {
        assert_eq!(parse_timezone("Europe/Berlin").unwrap(), Berlin);
        assert_eq!(parse_timezone("america/new_york").unwrap(), New_York);
        assert!(parse_timezone("Mars/Olympus").is_err());
        assert!(parse_timezone("CEST").is_err());
    }

    #[test]
    fn a_normal_day_posts_at_the_local_time() {
        let at = post_instant_on(date("2026-06-01"), time("09:00"), New_York);
        assert_eq!(at, utc("2026-06-01T13:00:00Z"));
    }

    #[test]
    fn new_york_spring_forward_gap_posts_at_the_first_valid_minute_after() {
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
        let at = post_instant_on(date("2026-03-08"), time("02:30"), New_York);
        assert_eq!(at, utc("2026-03-08T07:00:00Z"), "03:00 EDT");
        let nine = post_instant_on(date("2026-03-08"), time("09:00"), New_York);
        assert_eq!(
            nine,
            utc("2026-03-08T13:00:00Z"),
            "09:00 EDT, one hour earlier in UTC"
        );
        let day_before = post_instant_on(date("2026-03-07"), time("09:00"), New_York);
        assert_eq!(day_before, utc("2026-03-07T14:00:00Z"), "09:00 EST");
    }

    #[test]
    fn new_york_fall_back_overlap_posts_once_at_the_first_occurrence() {
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
        let at = post_instant_on(date("2026-11-01"), time("01:30"), New_York);
        assert_eq!(at, utc("2026-11-01T05:30:00Z"), "01:30 EDT, the first");
        let (next_date, next) = next_post_after(at, time("01:30"), New_York);
        assert_eq!(
            next_date,
            date("2026-11-02"),
            "the second 01:30 is not another post"
        );
        assert_eq!(next, utc("2026-11-02T06:30:00Z"));
    }

    #[test]
    fn berlin_spring_forward_gap_posts_at_the_first_valid_minute_after() {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST.
        let at = post_instant_on(date("2026-03-29"), time("02:15"), Berlin);
        assert_eq!(at, utc("2026-03-29T01:00:00Z"), "03:00 CEST");
        assert_eq!(local_date(at, Berlin), date("2026-03-29"));
    }

    #[test]
    fn berlin_fall_back_overlap_posts_once_at_the_first_occurrence() {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        let at = post_instant_on(date("2026-10-25"), time("02:30"), Berlin);
        assert_eq!(at, utc("2026-10-25T00:30:00Z"), "02:30 CEST, the first");
        let after_first = at + TimeDelta::minutes(1);
        assert_eq!(
            next_post_after(after_first, time("02:30"), Berlin).0,
            date("2026-10-26")
        );
    }

    #[test]
    fn next_post_after_walks_day_by_day_across_a_dst_change() {
        let mut now = utc("2026-03-06T15:00:00Z");
        let mut posts = Vec::new();
        for _ in 0..4 {
            let (day, at) = next_post_after(now, time("09:00"), New_York);
            posts.push((day.to_string(), at.to_rfc3339()));
            now = at;
        }
        assert_eq!(
            posts,
            [
                ("2026-03-07".into(), "2026-03-07T14:00:00+00:00".into()),
                ("2026-03-08".into(), "2026-03-08T13:00:00+00:00".into()),
                ("2026-03-09".into(), "2026-03-09T13:00:00+00:00".into()),
                ("2026-03-10".into(), "2026-03-10T13:00:00+00:00".into()),
            ] as [(String, String); 4]
        );
    }

    #[test]
    fn a_post_is_due_late_the_same_local_day_but_not_the_next() {
        let set_up = utc("2026-06-01T00:00:00Z");
        let nine = time("09:00");
        assert_eq!(
            due_date(utc("2026-06-01T12:59:00Z"), nine, New_York, set_up),
            None
        );
        assert_eq!(
            due_date(utc("2026-06-01T13:00:00Z"), nine, New_York, set_up),
            Some(date("2026-06-01"))
        );
        // Down all afternoon; back at 23:30 local: still owed, posts late.
        assert_eq!(
            due_date(utc("2026-06-02T03:30:00Z"), nine, New_York, set_up),
            Some(date("2026-06-01"))
        );
        // Back at 08:00 local the next day: yesterday is skipped, today not yet due.
        assert_eq!(
            due_date(utc("2026-06-02T12:00:00Z"), nine, New_York, set_up),
            None
        );
    }

    #[test]
    fn a_schedule_set_up_after_todays_time_starts_tomorrow() {
        let set_up = utc("2026-06-01T14:00:00Z"); // 10:00 local
        let nine = time("09:00");
        assert_eq!(
            due_date(utc("2026-06-01T15:00:00Z"), nine, New_York, set_up),
            None
        );
        assert_eq!(
            due_date(utc("2026-06-02T13:00:00Z"), nine, New_York, set_up),
            Some(date("2026-06-02"))
        );
    }

    #[test]
    fn the_upcoming_post_skips_a_date_that_already_has_its_post() {
        let set_up = utc("2026-06-01T00:00:00Z");
        let nine = time("09:00");
        let now = utc("2026-06-01T14:00:00Z"); // 10:00 local
        assert_eq!(
            upcoming_post(now, nine, New_York, set_up, None),
            (date("2026-06-01"), utc("2026-06-01T13:00:00Z")),
            "today's post is owed, due now"
        );
        assert_eq!(
            upcoming_post(
                now,
                time("11:00"),
                New_York,
                set_up,
                Some(date("2026-06-01"))
            ),
            (date("2026-06-02"), utc("2026-06-02T15:00:00Z")),
            "moved to 11:00 after today's post: next is tomorrow"
        );
    }
}
