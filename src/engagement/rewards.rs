//! Role rewards (SPEC §14): the roles members' best streaks earned, each given once.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::port::{EngagementPort, PostFailure};
use super::role_alert::alert_role;
use crate::core::lease::{LEASE, Taken};
use crate::core::rewards::{RoleReward, rewards_due};
use crate::state::Handles;
use crate::storage::StorageResult;

/// Gives every reward role earned and not given yet in the servers this process
/// serves. A role Discord refuses is recorded (one alert) and not tried again.
pub async fn give_rewards(handles: &Handles, port: &impl EngagementPort, now: DateTime<Utc>) {
    let guilds = match handles.store.servers_with_rewards().await {
        Ok(guilds) => guilds,
        Err(error) => return warn!(%error, "cannot read the reward roles"),
    };
    for guild_id in guilds.into_iter().filter(|&g| handles.serves(g)) {
        if let Err(error) = give_in_server(handles, port, guild_id, now).await {
            warn!(guild_id, %error, "cannot give reward roles; trying again later");
        }
    }
}

async fn give_in_server(
    handles: &Handles,
    port: &impl EngagementPort,
    guild_id: u64,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let store = &handles.store;
    let rewards: Vec<RoleReward> = store
        .role_rewards(guild_id)
        .await?
        .into_iter()
        .filter(|setting| !setting.refused)
        .map(|setting| setting.reward)
        .collect();
    let Some(lowest) = rewards.iter().map(|reward| reward.streak).min() else {
        return Ok(());
    };
    let given: HashSet<(u64, u64)> = store.rewards_given(guild_id).await?.into_iter().collect();
    let mut refused = HashSet::new();
    for (user_id, best) in store.best_streaks(guild_id, lowest).await? {
        let due = rewards_due(&rewards, best, |role| {
            given.contains(&(user_id, role)) || refused.contains(&role)
        });
        for role_id in due {
            if !give(handles, port, guild_id, user_id, role_id, now).await? {
                refused.insert(role_id);
            }
        }
    }
    Ok(())
}

/// Gives one reward role once; false when Discord refused it.
async fn give(
    handles: &Handles,
    port: &impl EngagementPort,
    guild_id: u64,
    user_id: u64,
    role_id: u64,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let store = &handles.store;
    if store
        .take_reward(guild_id, user_id, role_id, now, now - LEASE)
        .await?
        == Taken::No
    {
        return Ok(true);
    }
    match port.add_role(guild_id, user_id, role_id).await {
        Ok(()) => {
            store.reward_given(guild_id, user_id, role_id, now).await?;
            info!(guild_id, user_id, role_id, "gave a reward role");
            Ok(true)
        }
        Err(PostFailure::Refused(problem)) => {
            store.give_back_reward(guild_id, user_id, role_id).await?;
            if store.refuse_role_reward(guild_id, role_id, now).await? {
                alert_role(handles, port, guild_id, role_id, &problem).await;
            }
            Ok(false)
        }
        Err(failure) => {
            store.give_back_reward(guild_id, user_id, role_id).await?;
            warn!(guild_id, user_id, role_id, %failure, "cannot give a reward role yet; trying again later");
            Ok(true)
        }
    }
}
