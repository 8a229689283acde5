//! Per-server settings: the queries.

use super::Backend;
use crate::storage::convert::{from_db_id, to_db_id};
use crate::storage::error::StorageResult;

impl Backend {
    pub async fn set_alerts_channel(
        &self,
        guild_id: u64,
        channel_id: Option<u64>,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO guild_settings (guild_id, alerts_channel_id) VALUES ($1, $2) \
             ON CONFLICT (guild_id) DO UPDATE SET alerts_channel_id = excluded.alerts_channel_id",
        )
        .bind(to_db_id(guild_id))
        .bind(channel_id.map(to_db_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn alerts_channel(&self, guild_id: u64) -> StorageResult<Option<u64>> {
        let channel: Option<Option<i64>> =
            sqlx::query_scalar("SELECT alerts_channel_id FROM guild_settings WHERE guild_id = $1")
                .bind(to_db_id(guild_id))
                .fetch_optional(self.reader())
                .await?;
        Ok(channel.flatten().map(from_db_id))
    }
}
