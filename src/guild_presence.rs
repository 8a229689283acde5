//! Which servers the bot is in, as the gateway says.
//!
//! A server that removed the bot keeps its schedules (an admin who invites it back
//! finds everything as it was), but posting there would fail every pass and fill the
//! log with refusals. The scheduler skips the schedules of servers the bot is known
//! to have left, and picks them up again the moment the bot is back.

use std::collections::HashSet;
use std::sync::RwLock;

use crate::locks;

#[derive(Debug, Default)]
pub struct GuildPresence {
    /// `None` until the first READY: before it nothing is known, so nothing is skipped.
    guilds: RwLock<Option<HashSet<u64>>>,
}

impl GuildPresence {
    /// READY lists every server the bot is in (most still unavailable).
    pub fn ready(&self, guilds: impl IntoIterator<Item = u64>) {
        *locks::write(&self.guilds) = Some(guilds.into_iter().collect());
    }

    /// GUILD_CREATE: joined, or back after a removal. True when it was missing.
    ///
    /// Event handlers run concurrently, so the GUILD_CREATEs that follow READY may be
    /// handled before it: before READY nothing is recorded (READY lists them all).
    pub fn joined(&self, guild_id: u64) -> bool {
        let mut guilds = locks::write(&self.guilds);
        guilds
            .as_mut()
            .is_some_and(|guilds| guilds.insert(guild_id))
    }

    /// GUILD_DELETE without `unavailable`: removed from the server (an outage keeps
    /// the server). True when it was there.
    pub fn left(&self, guild_id: u64) -> bool {
        let mut guilds = locks::write(&self.guilds);
        guilds
            .as_mut()
            .is_some_and(|guilds| guilds.remove(&guild_id))
    }

    /// Whether the bot is known not to be in `guild_id`.
    pub fn is_absent(&self, guild_id: u64) -> bool {
        locks::read(&self.guilds)
            .as_ref()
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
        presence.ready([1, 2]);
        assert!(!presence.is_absent(1));
        assert!(presence.is_absent(3));
        assert!(presence.left(1));
        assert!(presence.is_absent(1));
        assert!(!presence.left(1));
        assert!(presence.joined(1));
        assert!(!presence.is_absent(1));
        assert!(!presence.joined(1));
    }
}
