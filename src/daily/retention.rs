//! Data kept no longer than it is needed, looked for once an hour by the scheduler:
//! the text of private answers past `ANSWER_RETENTION_DAYS` (SPEC §13), and the data
//! of a server that removed the bot, 30 days on unless the bot is back (SPEC §15).

use chrono::{DateTime, TimeDelta, Utc};
use tracing::{info, warn};

use crate::core::{privacy, private_answers, sharding};
use crate::state::Handles;
use crate::storage::StorageResult;

/// How often the scheduler runs [`run`].
pub const EVERY: TimeDelta = TimeDelta::hours(1);

/// Deletes what is past its time at `now`.
pub async fn run(handles: &Handles, now: DateTime<Utc>) {
    forget_old_answer_texts(handles, now).await;
    delete_removed_servers(handles, now).await;
}

/// Deletes the text of private answers revealed more than `ANSWER_RETENTION_DAYS` ago
/// (SPEC §13): their messages in Discord stay, and so do their stars and the fact of
/// answering.
async fn forget_old_answer_texts(handles: &Handles, now: DateTime<Utc>) {
    let before = private_answers::text_kept_since(now, handles.answer_retention_days);
    match handles.store.forget_answer_texts(before).await {
        Ok(0) => {}
        Ok(answers) => info!(
            answers,
            days = handles.answer_retention_days,
            "deleted the text of private answers past ANSWER_RETENTION_DAYS"
        ),
        Err(error) => {
            warn!(%error, "cannot delete old private answers' text; trying again next pass")
        }
    }
}

/// For each server of this process's shards that removed the bot: the bot is back
/// (its shard's gateway session holds it), so its data stays; or it is still away
/// after [`privacy::SERVER_DATA_KEPT`], so every row of it goes, once across
/// processes. Before the shard's session is ready, nothing is decided.
async fn delete_removed_servers(handles: &Handles, now: DateTime<Utc>) {
    let removals = match handles.store.server_removals().await {
        Ok(removals) => removals,
        Err(error) => {
            warn!(%error, "cannot read the servers that removed the bot; trying again next pass");
            return;
        }
    };
    let ours = removals
        .into_iter()
        .filter(|(guild, _)| sharding::holds(handles.shards.as_ref(), *guild));
    for (guild_id, removed_at) in ours {
        if let Err(error) = settle_removal(handles, guild_id, removed_at, now).await {
            warn!(guild_id, %error, "cannot delete or keep a removed server's data; trying again next pass");
        }
    }
}

/// One removed server at `now`: kept if the bot is back, deleted if it is still away
/// and its time is up, else left for a later pass.
async fn settle_removal(
    handles: &Handles,
    guild_id: u64,
    removed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    match handles.guilds.holds(guild_id) {
        Some(true) => {
            let was_pending = handles.store.server_back(guild_id).await?;
            if was_pending {
                info!(
                    guild_id,
                    "the bot is back in a server that removed it; its data stays"
                );
            }
        }
        Some(false) if privacy::server_data_due(removed_at, now) => {
            let removed = handles
                .store
                .delete_server(guild_id, privacy::removed_by(now))
                .await?;
            if let Some(removed) = removed {
                let removed = privacy::removed_summary(&removed);
                info!(guild_id, %removed, "deleted the data of a server that removed the bot 30 days ago");
            }
        }
        _ => {}
    }
    Ok(())
}
