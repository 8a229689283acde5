//! Once-only work held by a lease: a row in the database names the work, when a
//! holder took it, and whether it is done; a holder silent too long (it crashed) has
//! lost it to the next taker.

use chrono::{DateTime, TimeDelta, Utc};

/// A holder silent this long has lost its work (it crashed).
pub const LEASE: TimeDelta = TimeDelta::minutes(1);

/// What taking a piece of once-only work at some instant gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Nobody took it before.
    First,
    /// A holder took it before and went silent: part of it may be done.
    TakenOver,
    /// It is done, or another holder has it.
    No,
}

/// Whether the work can be taken, given its row (`None`: no row yet; else when it was
/// last taken and whether it is done) and `stale_before` (a holder silent since
/// before this has lost it).
pub fn take(existing: Option<(DateTime<Utc>, bool)>, stale_before: DateTime<Utc>) -> Taken {
    match existing {
        None => Taken::First,
        Some((_, true)) => Taken::No,
        Some((taken_at, false)) if taken_at < stale_before => Taken::TakenOver,
        Some(_) => Taken::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_is_taken_once_unless_its_holder_went_silent() {
        let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        assert_eq!(take(None, at(100)), Taken::First);
        assert_eq!(take(Some((at(150), false)), at(100)), Taken::No, "held");
        assert_eq!(take(Some((at(50), false)), at(100)), Taken::TakenOver);
        assert_eq!(take(Some((at(50), true)), at(100)), Taken::No, "done");
    }
}
