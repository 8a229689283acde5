//! Which Discord gateway shards a process runs, and which servers they hold.
//!
//! Discord puts server `g` on shard `(g >> 22) % total`. `DISCORD_SHARDS` is
//! `FIRST-LAST/TOTAL` (e.g. `0-3/8`) or `ID/TOTAL`; unset, the process runs every shard
//! at Discord's recommended count. A process does scheduled work only for the servers
//! on its shards.

use std::fmt;
use std::str::FromStr;

/// The shards `DISCORD_SHARDS` names: `first..=last` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

/// The most shards a bot can have: far beyond any real bot (Discord's largest use
/// thousands), small enough to catch a typo.
pub const MAX_TOTAL: u32 = 1 << 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidShards {
    #[error("`{0}` is not FIRST-LAST/TOTAL or ID/TOTAL (e.g. 0-3/8 or 1/2)")]
    Malformed(String),
    #[error("TOTAL must be between 1 and {MAX_TOTAL}, not {0}")]
    Total(u64),
    #[error("shard {shard} does not exist: shards of {total} are numbered 0 to {}", .total - 1)]
    OutOfRange { shard: u32, total: u32 },
    #[error("the range {first}-{last} is backwards: FIRST must not be above LAST")]
    Backwards { first: u32, last: u32 },
}

impl FromStr for ShardRange {
    type Err = InvalidShards;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || InvalidShards::Malformed(text.chars().take(40).collect());
        let number = |part: &str| -> Result<u64, InvalidShards> {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            part.parse().map_err(|_| malformed())
        };
        let (shards, total) = text.trim().split_once('/').ok_or_else(malformed)?;
        let total = number(total)?;
        let total = u32::try_from(total)
            .ok()
            .filter(|t| (1..=MAX_TOTAL).contains(t))
            .ok_or(InvalidShards::Total(total))?;
        let (first, last) = match shards.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => (number(shards)?, number(shards)?),
        };
        let shard = |n: u64| {
            u32::try_from(n)
                .ok()
                .filter(|&n| n < total)
                .ok_or(InvalidShards::OutOfRange {
                    shard: u32::try_from(n).unwrap_or(u32::MAX),
                    total,
                })
        };
        let (first, last) = (shard(first)?, shard(last)?);
        if first > last {
            return Err(InvalidShards::Backwards { first, last });
        }
        Ok(ShardRange { first, last, total })
    }
}

impl fmt::Display for ShardRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}/{}", self.first, self.total)
        } else {
            write!(f, "{}-{}/{}", self.first, self.last, self.total)
        }
    }
}

/// The shard server `guild_id` is on, among `total`.
pub fn shard_of(guild_id: u64, total: u32) -> u32 {
    let total = u64::from(total.max(1));
    u32::try_from((guild_id >> 22) % total).unwrap_or(0)
}

impl ShardRange {
    /// Whether server `guild_id` is on one of these shards.
    pub fn holds(&self, guild_id: u64) -> bool {
        (self.first..=self.last).contains(&shard_of(guild_id, self.total))
    }

    /// How many shards the range runs.
    pub fn count(&self) -> u32 {
        self.last - self.first + 1
    }
}

/// The servers a process serves: `None` (every shard) holds every server.
pub fn holds(shards: Option<&ShardRange>, guild_id: u64) -> bool {
    shards.is_none_or(|range| range.holds(guild_id))
}

/// Discord's global REST limit is about 50 requests a second per bot; the bot paces
/// itself below it, with room for the calls it does not pace (start-up, commands'
/// own REST calls) and for clocks that differ (SPEC §12).
pub const DEFAULT_REST_RATE: f64 = 45.0;

/// The REST requests a second this process may make (SPEC §12): `DISCORD_REST_RATE`
/// when set, else [`DEFAULT_REST_RATE`] for a process running every shard, and its
/// share, `DEFAULT_REST_RATE` × shards held / `TOTAL`, with `DISCORD_SHARDS`.
pub fn rest_rate(configured: Option<f64>, shards: Option<ShardRange>) -> f64 {
    configured.unwrap_or_else(|| match shards {
        None => DEFAULT_REST_RATE,
        Some(range) => {
            let held = f64::from(range.last - range.first + 1);
            DEFAULT_REST_RATE * held / f64::from(range.total)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn range(text: &str) -> Result<ShardRange, InvalidShards> {
        text.parse()
    }

    #[test]
    fn ranges_and_single_shards_parse() {
        assert_eq!(
            range("0-3/8"),
            Ok(ShardRange {
                first: 0,
                last: 3,
                total: 8
            })
        );
        assert_eq!(
            range("1/2"),
            Ok(ShardRange {
                first: 1,
                last: 1,
                total: 2
            })
        );
        assert_eq!(
            range(" 0-1/2 "),
            Ok(ShardRange {
                first: 0,
                last: 1,
                total: 2
            })
        );
        assert_eq!(range("0-3/8").unwrap().to_string(), "0-3/8");
        assert_eq!(range("1/2").unwrap().to_string(), "1/2");
        assert_eq!(range("0-3/8").unwrap().count(), 4);
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        assert_eq!(
            range("2/2"),
            Err(InvalidShards::OutOfRange { shard: 2, total: 2 })
        );
        assert_eq!(
            range("0-3/2"),
            Err(InvalidShards::OutOfRange { shard: 3, total: 2 })
        );
        assert_eq!(
            range("1-0/4"),
            Err(InvalidShards::Backwards { first: 1, last: 0 })
        );
        assert_eq!(range("0/0"), Err(InvalidShards::Total(0)));
        for bad in [
            "x", "", "1", "/2", "1/", "-1/2", "a-b/2", "1/2/3", "0-/2", "１/2", "0x1/2",
        ] {
            assert!(
                matches!(range(bad), Err(InvalidShards::Malformed(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            range("2/2").unwrap_err().to_string(),
            "shard 2 does not exist: shards of 2 are numbered 0 to 1"
        );
    }

    #[test]
    fn a_server_is_on_the_shard_discord_puts_it_on() {
        // The id's top 42 bits are its creation time; the shard is that time's
        // remainder by the shard count.
        assert_eq!(
            shard_of(197_038_439_483_310_086, 1000),
            ((197_038_439_483_310_086u64 >> 22) % 1000) as u32
        );
        assert_eq!(shard_of(111_111_111_111_111_111, 2), 1);
        assert_eq!(shard_of(333_333_333_333_333_333, 2), 0);
        assert_eq!(shard_of(42, 1), 0);
    }

    proptest! {
        #[test]
        fn every_server_is_held_by_exactly_one_process_of_a_split(guild: u64, total in 1u32..64, cut in 0u32..64) {
            let cut = cut % total;
            let processes: Vec<ShardRange> = if cut == 0 {
                vec![ShardRange { first: 0, last: total - 1, total }]
            } else {
                vec![
                    ShardRange { first: 0, last: cut - 1, total },
                    ShardRange { first: cut, last: total - 1, total },
                ]
            };
            let holders = processes.iter().filter(|p| p.holds(guild)).count();
            prop_assert_eq!(holders, 1);
            prop_assert!(holds(None, guild));
        }
    }

    #[test]
    fn a_process_paces_its_share_of_the_global_limit() {
        let range = |text: &str| Some(text.parse::<ShardRange>().unwrap());
        assert_eq!(rest_rate(None, None), 45.0);
        assert_eq!(rest_rate(None, range("0-1/4")), 22.5);
        assert_eq!(rest_rate(None, range("3/4")), 11.25);
        assert_eq!(rest_rate(None, range("0-3/4")), 45.0);
        assert_eq!(
            rest_rate(Some(30.0), range("0/4")),
            30.0,
            "the setting wins"
        );
    }
}
