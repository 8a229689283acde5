//! How often `/quiz` may post in one channel, so it cannot flood a channel.

use chrono::{DateTime, TimeDelta, Utc};

/// One quiz per channel per this long.
pub const COOLDOWN: TimeDelta = TimeDelta::seconds(30);

/// A quiz asked at `now` in a channel whose cooldown ends at `until` (if any): `Ok`
/// with the new end of the cooldown, or `Err` with the moment the next may come.
pub fn try_start(
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DateTime<Utc>> {
    match until {
        Some(until) if until > now => Err(until),
        _ => Ok(now + COOLDOWN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn the_first_quiz_of_a_channel_starts_a_thirty_second_cooldown() {
        assert_eq!(try_start(None, at(0)), Ok(at(30)));
    }

    #[test]
    fn a_quiz_during_the_cooldown_waits_until_it_ends() {
        assert_eq!(try_start(Some(at(30)), at(29)), Err(at(30)));
    }

    #[test]
    fn a_quiz_once_the_cooldown_ended_is_allowed_and_starts_a_new_one() {
        assert_eq!(try_start(Some(at(30)), at(30)), Ok(at(60)));
        assert_eq!(try_start(Some(at(30)), at(90)), Ok(at(120)));
    }
}
