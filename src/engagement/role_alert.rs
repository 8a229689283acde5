//! The alert for a role Discord refused to give (a reward role, the champion role).

use tracing::warn;

use super::port::EngagementPort;
use crate::state::Handles;

/// Tells a server's alerts channel, once per refusal, that a role cannot be given.
pub async fn alert_role(
    handles: &Handles,
    port: &impl EngagementPort,
    guild_id: u64,
    role_id: u64,
    problem: &str,
) {
    warn!(guild_id, role_id, %problem, "Discord refused to give a role; not trying again until an admin sets it again");
    match handles.store.alerts_channel(guild_id).await {
        Ok(Some(channel)) => {
            if let Err(error) = port.send_role_alert(channel, role_id, problem).await {
                warn!(guild_id, %error, "cannot tell the alerts channel");
            }
        }
        Ok(None) => {}
        Err(error) => warn!(guild_id, %error, "cannot read the alerts channel"),
    }
}
