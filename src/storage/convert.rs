//! How values are stored: instants as milliseconds, Discord ids as INTEGER.

use chrono::{DateTime, Utc};

/// Instants are stored as milliseconds since the epoch.
pub(crate) fn to_millis(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_millis()
}

pub(crate) fn from_millis(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::UNIX_EPOCH)
}

/// Discord ids are stored as INTEGER: snowflakes fit in 63 bits.
pub(crate) fn to_db_id(id: u64) -> i64 {
    id as i64
}

pub(crate) fn from_db_id(id: i64) -> u64 {
    id as u64
}
