//! Which servers the bot is in, as the gateway says, shard by shard.
//!
//! A server that removed the bot keeps its schedules (an admin who invites it back
//! finds everything as it was), but posting there would fail every pass and fill the
//! log with refusals. The scheduler skips the schedules of servers the bot is known
//! to have left, and picks them up again the moment the bot is back.
//!
//! Each shard's READY lists the servers of that shard only, so what is known is kept
//! per shard: a server is known to be absent only once its own shard said so.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use crate::core::sharding::shard_of;
use crate::locks;

#[derive(Debug, Default)]
struct Known {
    /// How many shards the bot has (from READY).
    total: u32,
    /// Each shard that is READY: the servers it holds.
    by_shard: HashMap<u32, HashSet<u64>>,
    /// Each shard that is READY: the servers its READY listed whose GUILD_CREATE has
    /// not arrived yet.
    awaited: HashMap<u32, HashSet<u64>>,
    /// GUILD_CREATEs handled before their shard's READY (handlers run concurrently).
    early: HashSet<u64>,
}

impl Known {
    /// The servers of `guild_id`'s shard, once that shard is READY.
    fn shard_of(&mut self, guild_id: u64) -> Option<&mut HashSet<u64>> {
        let shard = shard_of(guild_id, self.total);
        self.by_shard.get_mut(&shard)
    }
}

#[derive(Debug, Default)]
pub struct GuildPresence {
    known: RwLock<Known>,
}

impl GuildPresence {
    /// READY of shard `shard` of `total` lists every server of that shard (most
    /// still unavailable).
    ///
    /// True when every server of the shards READY so far has arrived (a shard in no
    /// server has nothing to wait for).
    pub fn ready(&self, shard: u32, total: u32, guilds: impl IntoIterator<Item = u64>) -> bool {
        let mut known = locks::write(&self.known);
        if known.total != total {
            // The shard count changed (a restart with a new count): start over.
            known.by_shard.clear();
            known.awaited.clear();
            known.total = total.max(1);
        }
        let guilds: HashSet<u64> = guilds.into_iter().collect();
        let awaited = guilds.iter().copied().filter(|g| !known.early.remove(g));
        let awaited = awaited.collect();
        known.awaited.insert(shard, awaited);
        known.by_shard.insert(shard, guilds);
        known.awaited.values().all(HashSet::is_empty)
    }

    /// GUILD_CREATE, whatever it means: a server of READY arriving, or one joined.
    /// True when it was the last server awaited (start-up is over).
    pub fn arrived(&self, guild_id: u64) -> bool {
        let mut known = locks::write(&self.known);
        let shard = shard_of(guild_id, known.total);
        let Some(awaited) = known.awaited.get_mut(&shard) else {
            known.early.insert(guild_id);
            return false;
        };
        awaited.remove(&guild_id) && known.awaited.values().all(HashSet::is_empty)
    }

    /// GUILD_CREATE: joined, or back after a removal. True when it was missing.
    ///
    /// Event handlers run concurrently, so the GUILD_CREATEs that follow READY may be
    /// handled before it: before its shard's READY nothing is recorded (READY lists
    /// them all).
    pub fn joined(&self, guild_id: u64) -> bool {
        let mut known = locks::write(&self.known);
        known
            .shard_of(guild_id)
            .is_some_and(|guilds| guilds.insert(guild_id))
    }

    /// GUILD_DELETE without `unavailable`: removed from the server (an outage keeps
    /// the server). True when it was there.
    pub fn left(&self, guild_id: u64) -> bool {
        let mut known = locks::write(&self.known);
        known
            .shard_of(guild_id)
            .is_some_and(|guilds| guilds.remove(&guild_id))
    }

    /// Whether the bot is in `guild_id`: `None` until the server's shard is READY.
    pub fn holds(&self, guild_id: u64) -> Option<bool> {
        let known = locks::read(&self.known);
        let shard = shard_of(guild_id, known.total);
        known
            .by_shard
            .get(&shard)
            .map(|guilds| guilds.contains(&guild_id))
    }

    /// Whether the bot is known not to be in `guild_id`.
    pub fn is_absent(&self, guild_id: u64) -> bool {
        let known = locks::read(&self.known);
        let shard = shard_of(guild_id, known.total);
        known
            .by_shard
            .get(&shard)
            .is_some_and(|guilds| !guilds.contains(&guild_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_absent_before_ready_and_a_removal_lasts_until_the_server_is_back() {
        let presence = GuildPresence::default();
        assert!(!presence.is_absent(1));
        assert!(!presence.joined(1), "before READY: nothing to tell");
        presence.ready(0, 1, [1, 2]);
        assert!(!presence.is_absent(1));
        assert!(presence.is_absent(3));
        assert!(presence.left(1));
        assert!(presence.is_absent(1));
        assert!(!presence.left(1));
        assert!(presence.joined(1));
        assert!(!presence.is_absent(1));
        assert!(!presence.joined(1));
    }

    #[test]
    fn start_up_is_over_when_the_last_server_of_ready_arrives_in_any_order() {
        let presence = GuildPresence::default();
        assert!(!presence.arrived(2), "before READY: kept for it");
        assert!(!presence.ready(0, 1, [1, 2, 3]), "1 and 3 are awaited");
        assert!(!presence.arrived(3));
        assert!(!presence.arrived(3), "twice is once");
        assert!(
            !presence.arrived(9),
            "a server joined meanwhile awaits nothing"
        );
        assert!(presence.arrived(1), "the last one");
        assert!(!presence.arrived(1), "only once");
        assert!(
            presence.ready(0, 1, []),
            "a session in no server is settled at once"
        );
    }

    #[test]
    fn start_up_waits_for_every_shard_ready_so_far() {
        let on_shard_0 = 333_333_333_333_333_333;
        let on_shard_1 = 111_111_111_111_111_111;
        let presence = GuildPresence::default();
        assert!(!presence.ready(0, 2, [on_shard_0]));
        assert!(!presence.ready(1, 2, [on_shard_1]));
        assert!(!presence.arrived(on_shard_1));
        assert!(presence.arrived(on_shard_0));
    }

    #[test]
    fn each_shard_speaks_only_for_its_own_servers() {
        let on_shard_0 = 333_333_333_333_333_333; // (id >> 22) % 2 == 0
        let on_shard_1 = 111_111_111_111_111_111; // (id >> 22) % 2 == 1
        let presence = GuildPresence::default();
        presence.ready(1, 2, [on_shard_1]);
        assert!(
            !presence.is_absent(on_shard_0),
            "shard 0 has not said anything yet"
        );
        assert!(!presence.is_absent(on_shard_1));
        presence.ready(0, 2, []);
        assert!(presence.is_absent(on_shard_0), "shard 0 does not hold it");
        assert!(
            !presence.is_absent(on_shard_1),
            "shard 0's READY leaves shard 1's servers"
        );
        presence.ready(1, 2, [on_shard_1]);
        assert!(
            !presence.is_absent(on_shard_1),
            "a new session of shard 1 keeps it"
        );
    }
}
