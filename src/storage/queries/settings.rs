//! Per-server settings: the queries.

use sqlx::{ColumnIndex, Executor, IntoArguments};

use sqlx::{Encode, Type};

use crate::storage::convert::{from_db_id, to_db_id};
use crate::storage::engine::{Args, Bind, Conn, Db, Engine, Row, Value};
use crate::storage::error::StorageResult;

#[async_trait::async_trait]
impl<E> crate::storage::settings::Settings for E
where
    E: Engine,
    for<'c> &'c mut Conn<E>: Executor<'c, Database = Db<E>>,
    Args<E>: IntoArguments<Db<E>>,
    i64: Value<Db<E>>,
    f64: Value<Db<E>>,
    bool: Value<Db<E>>,
    String: Value<Db<E>>,
    Option<i64>: Bind<Db<E>>,
    for<'a> Option<&'a str>: Type<Db<E>> + Encode<'a, Db<E>>,
    for<'a> &'a str: Type<Db<E>> + Encode<'a, Db<E>> + ColumnIndex<Row<E>>,
    usize: ColumnIndex<Row<E>>,
{
    async fn set_alerts_channel(
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

    async fn alerts_channel(&self, guild_id: u64) -> StorageResult<Option<u64>> {
        let channel: Option<Option<i64>> =
            sqlx::query_scalar("SELECT alerts_channel_id FROM guild_settings WHERE guild_id = $1")
                .bind(to_db_id(guild_id))
                .fetch_optional(self.reader())
                .await?;
        Ok(channel.flatten().map(from_db_id))
    }
}
