//! A channel Discord keeps refusing (SPEC §12): every refused post is an invalid
//! request, and 10,000 of them in ten minutes get the IP banned. A refused channel is
//! retried at most 4 times an hour (`daily::plan::RETRY_REFUSED`), and after
//! [`PAUSE_AFTER_DAYS`] local days in a row with refusals its schedule is paused
//! until an admin resumes it.

use chrono::NaiveDate;

/// Local days in a row with refusals that pause a schedule.
pub const PAUSE_AFTER_DAYS: i64 = 3;

/// The local days in a row on which the channel's post was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalRun {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl RefusalRun {
    /// How many local days the run covers.
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// Whether the run is long enough to pause the schedule.
    pub fn pauses(&self) -> bool {
        self.days() >= PAUSE_AFTER_DAYS
    }
}

/// The run once a post is refused on local date `today`: it goes on from yesterday (or
/// already counts today), or a new one starts.
pub fn refused_on(run: Option<RefusalRun>, today: NaiveDate) -> RefusalRun {
    match run {
        Some(run) if run.last == today => run,
        Some(run) if run.last.succ_opt() == Some(today) => RefusalRun { last: today, ..run },
        _ => RefusalRun {
            first: today,
            last: today,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, n).unwrap()
    }

    #[test]
    fn three_local_days_in_a_row_of_refusals_pause_and_a_gap_starts_over() {
        let one = refused_on(None, day(1));
        assert_eq!(
            refused_on(Some(one), day(1)),
            one,
            "four a day count as one day"
        );
        let two = refused_on(Some(one), day(2));
        assert!(!two.pauses());
        let three = refused_on(Some(two), day(3));
        assert_eq!(three.days(), 3);
        assert!(three.pauses());
        let after_a_gap = refused_on(Some(two), day(4));
        assert_eq!(
            after_a_gap,
            RefusalRun {
                first: day(4),
                last: day(4)
            }
        );
    }
}
