//! Seasons (SPEC §14): a server's calendar month, in the timezone of its first daily
//! channel, ranks members by the answers they gave in it.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use super::daily_schedule::{midnight, post_instant_on};

/// A calendar month of a server: from its first local midnight to the next month's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Season {
    pub year: i32,
    pub month: u32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Season {
    /// The season holding `now` in `zone`.
    pub fn at(now: DateTime<Utc>, zone: Tz) -> Season {
        let local = now.with_timezone(&zone).date_naive();
        Season::of(local.year(), local.month(), zone)
    }

    /// The season before this one.
    pub fn previous(self, zone: Tz) -> Season {
        match self.month {
            1 => Season::of(self.year - 1, 12, zone),
            month => Season::of(self.year, month - 1, zone),
        }
    }

    fn of(year: i32, month: u32, zone: Tz) -> Season {
        let first = |year, month| {
            let date = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN);
            post_instant_on(date, midnight(), zone)
        };
        let (next_year, next_month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        Season {
            year,
            month,
            start: first(year, month),
            end: first(next_year, next_month),
        }
    }

    /// The season's key in the database and in messages: `YYYY-MM`.
    pub fn key(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// The month's name and year, for people: `November 2026`.
    pub fn title(&self) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let name = MONTHS.get(self.month as usize - 1).copied().unwrap_or("?");
        format!("{name} {}", self.year)
    }

    /// Whether `at` falls in the season.
    pub fn holds(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// The zone a server's seasons (and its members' reminder days) follow: its first
/// daily channel's (the oldest channel, by Discord id, of `channels`: (id, zone)).
pub fn server_zone(channels: impl IntoIterator<Item = (u64, Tz)>) -> Option<Tz> {
    channels
        .into_iter()
        .min_by_key(|(id, _)| *id)
        .map(|(_, zone)| zone)
}

/// The title of a season's final standings post: shown on it, and how a restarted
/// bot recognises one it sent before a crash.
pub fn standings_title(season: &Season) -> String {
    format!("🏆 Final standings: {}", season.title())
}

/// How long after a season ends its final standings may still be posted (a bot down
/// across the month's end posts them when it is back, within this).
pub const STANDINGS_GRACE: chrono::TimeDelta = chrono::TimeDelta::days(3);

/// How many members the final standings show.
pub const STANDINGS_SHOWN: usize = 10;

/// The season whose final standings are due at `now` in `zone`: the one that ended
/// last, while `now` is within [`STANDINGS_GRACE`] of its end.
pub fn standings_due(now: DateTime<Utc>, zone: Tz) -> Option<Season> {
    let ended = Season::at(now, zone).previous(zone);
    (now < ended.end + STANDINGS_GRACE).then_some(ended)
}

/// When the season holding `now` ends: when its standings are next due.
pub fn next_standings_at(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    Season::at(now, zone).end
}

/// A member's month: how many daily questions they answered in it, how many before
/// the hint, and when they reached that count (their last answer in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeasonEntry {
    pub user_id: u64,
    pub answers: u32,
    pub unaided: u32,
    pub reached_at: DateTime<Utc>,
}

/// Ranks a season: the most answers first; between equals the most unaided, then who
/// reached the count first.
pub fn rank_season(entries: &mut [SeasonEntry]) {
    entries.sort_by_key(|e| {
        (
            std::cmp::Reverse(e.answers),
            std::cmp::Reverse(e.unaided),
            e.reached_at,
            e.user_id,
        )
    });
}

/// The season's champion: the first of the ranking, if anyone answered.
pub fn champion(ranked: &[SeasonEntry]) -> Option<u64> {
    ranked.first().filter(|e| e.answers > 0).map(|e| e.user_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_season_is_the_local_calendar_month_and_the_one_before_it_wraps_the_year() {
        let season = Season::at(utc("2026-02-01T04:59:59Z"), New_York);
        assert_eq!(
            (season.year, season.month),
            (2026, 1),
            "still January in New York"
        );
        assert_eq!(season.start, utc("2026-01-01T05:00:00Z"));
        assert_eq!(season.end, utc("2026-02-01T05:00:00Z"));
        assert!(season.holds(utc("2026-02-01T04:59:59Z")));
        assert!(!season.holds(season.end));
        let december = season.previous(New_York);
        assert_eq!((december.year, december.month), (2025, 12));
        assert_eq!(december.end, season.start);
        // March holds the change to summer time: 31 days less an hour.
        let march = Season::at(utc("2026-03-15T12:00:00Z"), New_York);
        assert_eq!(
            march.end - march.start,
            chrono::TimeDelta::hours(31 * 24 - 1)
        );
    }

    #[test]
    fn a_server_follows_its_oldest_daily_channels_zone() {
        use chrono_tz::Europe::Berlin;
        assert_eq!(server_zone([(9, Berlin), (3, New_York)]), Some(New_York));
        assert_eq!(server_zone([]), None);
    }

    #[test]
    fn final_standings_are_due_for_three_days_after_the_month_ends() {
        let ended = standings_due(utc("2026-02-01T05:00:00Z"), New_York).unwrap();
        assert_eq!(
            (ended.key(), ended.title()),
            ("2026-01".into(), "January 2026".into())
        );
        assert_eq!(
            standings_due(utc("2026-02-04T04:59:59Z"), New_York).map(|s| s.key()),
            Some("2026-01".into())
        );
        assert_eq!(standings_due(utc("2026-02-04T05:00:00Z"), New_York), None);
        assert_eq!(
            next_standings_at(utc("2026-02-04T05:00:00Z"), New_York),
            utc("2026-03-01T05:00:00Z")
        );
    }

    #[test]
    fn the_most_answers_rank_first_then_unaided_then_who_got_there_first() {
        let entry = |user_id, answers, unaided, reached: &str| SeasonEntry {
            user_id,
            answers,
            unaided,
            reached_at: utc(reached),
        };
        let mut entries = [
            entry(1, 5, 2, "2026-06-20T10:00:00Z"),
            entry(2, 5, 3, "2026-06-25T10:00:00Z"),
            entry(3, 5, 3, "2026-06-21T10:00:00Z"),
            entry(4, 7, 0, "2026-06-29T10:00:00Z"),
        ];
        rank_season(&mut entries);
        let order: Vec<u64> = entries.iter().map(|e| e.user_id).collect();
        assert_eq!(order, [4, 3, 2, 1]);
        assert_eq!(champion(&entries), Some(4));
        assert_eq!(champion(&[]), None);
    }
}
