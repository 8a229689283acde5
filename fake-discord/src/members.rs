//! Direct messages and members' roles, as strict as Discord:
//!
//! - `POST /users/@me/channels` opens (or finds) the DM channel with a user; a message
//!   to a user who does not take DMs from the bot (blocked, or server DMs off) is
//!   refused with `403`, code 50007 "Cannot send messages to this user".
//! - `PUT`/`DELETE /guilds/{guild}/members/{user}/roles/{role}` give or take a role;
//!   a role at or above the bot's highest role, or a server where the bot lacks
//!   Manage Roles, is refused with `403`, code 50013 "Missing Permissions"; an unknown
//!   role is `404`, code 10011.

use std::collections::{BTreeSet, HashMap, HashSet};

/// The DM channels and the roles of the fake's servers.
#[derive(Debug, Default)]
pub(crate) struct Members {
    /// Each user's DM channel with the bot, once opened.
    pub dm_channels: HashMap<u64, u64>,
    /// Users who take no DMs from the bot.
    pub blocks_dms: HashSet<u64>,
    /// Each server's roles, by id, with their position (higher is above).
    pub roles: HashMap<u64, HashMap<u64, i64>>,
    /// The position of the bot's highest role in each server (0 when unset).
    pub bot_position: HashMap<u64, i64>,
    /// Servers where the bot lacks Manage Roles.
    pub without_manage_roles: HashSet<u64>,
    /// Each member's roles, by (server, user).
    pub member_roles: HashMap<(u64, u64), BTreeSet<u64>>,
}

/// Why a role change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleRefusal {
    UnknownRole,
    MissingPermissions,
}

impl Members {
    /// The DM channel's recipient, if `channel_id` is a DM channel.
    pub fn recipient_of(&self, channel_id: u64) -> Option<u64> {
        self.dm_channels
            .iter()
            .find_map(|(user, channel)| (*channel == channel_id).then_some(*user))
    }

    /// Gives (`add`) or takes `role` of `user` in `guild`, as the bot.
    pub fn change_role(
        &mut self,
        guild: u64,
        user: u64,
        role: u64,
        add: bool,
    ) -> Result<(), RoleRefusal> {
        let Some(position) = self.roles.get(&guild).and_then(|r| r.get(&role)) else {
            return Err(RoleRefusal::UnknownRole);
        };
        let bot = self.bot_position.get(&guild).copied().unwrap_or(0);
        if self.without_manage_roles.contains(&guild) || *position >= bot {
            return Err(RoleRefusal::MissingPermissions);
        }
        let roles = self.member_roles.entry((guild, user)).or_default();
        if add {
            roles.insert(role);
        } else {
            roles.remove(&role);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bot_gives_only_roles_below_its_own_with_manage_roles() {
        let mut members = Members::default();
        members.roles.insert(1, HashMap::from([(10, 1), (20, 5)]));
        members.bot_position.insert(1, 5);
        assert_eq!(members.change_role(1, 7, 10, true), Ok(()));
        assert_eq!(
            members.change_role(1, 7, 20, true),
            Err(RoleRefusal::MissingPermissions),
            "a role at the bot's own position"
        );
        assert_eq!(
            members.change_role(1, 7, 30, true),
            Err(RoleRefusal::UnknownRole)
        );
        members.without_manage_roles.insert(1);
        assert_eq!(
            members.change_role(1, 7, 10, false),
            Err(RoleRefusal::MissingPermissions)
        );
        assert_eq!(members.member_roles[&(1, 7)], BTreeSet::from([10]));
    }
}
