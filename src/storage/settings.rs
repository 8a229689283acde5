//! Per-server settings.

use super::error::StorageResult;

/// Per-server settings.
#[async_trait::async_trait]
pub trait Settings: Send + Sync {
    /// Sets (or clears, with `None`) the channel the bot reports problems to.
    async fn set_alerts_channel(&self, guild_id: u64, channel_id: Option<u64>)
    -> StorageResult<()>;
    async fn alerts_channel(&self, guild_id: u64) -> StorageResult<Option<u64>>;
}
