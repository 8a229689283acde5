//! Seasons (SPEC §14): when a server's month ends, its final top 10 in every daily
//! channel and the champion role moved to the month's winner, each once across
//! restarts and processes.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tracing::{info, warn};

use super::port::{EngagementPort, PostFailure};
use super::role_alert::alert_role;
use crate::core::lease::{LEASE, Taken};
use crate::core::seasons::{
    STANDINGS_SHOWN, Season, SeasonEntry, champion, next_standings_at, rank_season, server_zone,
    standings_due, standings_title,
};
use crate::state::Handles;
use crate::storage::{Schedule, StorageResult};

/// A server's season, ranked (`seasons::rank_season`).
pub async fn ranked_season(
    handles: &Handles,
    guild_id: u64,
    season: &Season,
) -> StorageResult<Vec<SeasonEntry>> {
    let mut entries = handles
        .store
        .season_entries(guild_id, season.start, season.end)
        .await?;
    rank_season(&mut entries);
    Ok(entries)
}

/// The zone of a server's seasons, from its daily channels among `schedules`.
pub fn zone_of(schedules: &[Schedule], guild_id: u64) -> Option<Tz> {
    server_zone(
        schedules
            .iter()
            .filter(|s| s.guild_id == guild_id && !s.removed)
            .map(|s| (s.channel_id, s.timezone)),
    )
}

/// Closes the seasons that ended in the servers this process serves (`done`: the
/// (server, season) pairs this process finished, not looked at again). Returns when
/// the next season ends.
pub async fn close_seasons(
    handles: &Handles,
    port: &impl EngagementPort,
    schedules: &[Schedule],
    done: &mut HashSet<(u64, String)>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let guilds: HashSet<u64> = schedules
        .iter()
        .filter(|s| !s.removed && handles.serves(s.guild_id))
        .map(|s| s.guild_id)
        .collect();
    let mut next = None;
    for guild_id in guilds {
        let Some(zone) = zone_of(schedules, guild_id) else {
            continue;
        };
        next = next.into_iter().chain([next_standings_at(now, zone)]).min();
        let Some(season) = standings_due(now, zone) else {
            continue;
        };
        if done.contains(&(guild_id, season.key())) {
            continue;
        }
        let channels: Vec<u64> = schedules
            .iter()
            .filter(|s| s.guild_id == guild_id && !s.removed)
            .map(|s| s.channel_id)
            .collect();
        match close(handles, port, guild_id, &channels, &season, zone, now).await {
            Ok(true) => {
                done.insert((guild_id, season.key()));
            }
            Ok(false) => {}
            Err(error) => warn!(guild_id, %error, "cannot close the season; trying again later"),
        }
    }
    next
}

/// Posts the season's standings in each channel and moves the champion role; true
/// when all of it is done.
async fn close(
    handles: &Handles,
    port: &impl EngagementPort,
    guild_id: u64,
    channels: &[u64],
    season: &Season,
    zone: Tz,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let ranked = ranked_season(handles, guild_id, season).await?;
    let mut all_done = true;
    if !ranked.is_empty() {
        let top = &ranked[..ranked.len().min(STANDINGS_SHOWN)];
        for &channel_id in channels {
            all_done &=
                post_standings(handles, port, guild_id, channel_id, season, top, now).await?;
        }
    }
    all_done &= move_champion(handles, port, guild_id, season, zone, &ranked, now).await?;
    Ok(all_done)
}

/// Posts the standings in one channel once; true when they are there.
async fn post_standings(
    handles: &Handles,
    port: &impl EngagementPort,
    guild_id: u64,
    channel_id: u64,
    season: &Season,
    top: &[SeasonEntry],
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let store = &handles.store;
    let key = season.key();
    let taken = store
        .take_season_post(guild_id, channel_id, &key, now, now - LEASE)
        .await?;
    if taken == Taken::No {
        return Ok(true);
    }
    if taken == Taken::TakenOver
        && let Some(message_id) = sent_before(handles, port, channel_id, season).await
    {
        store.season_posted(channel_id, &key, message_id).await?;
        return Ok(true);
    }
    match port.send_standings(channel_id, season, top).await {
        Ok(message_id) => {
            store.season_posted(channel_id, &key, message_id).await?;
            info!(guild_id, channel_id, season = %key, "posted the season's final standings");
            Ok(true)
        }
        Err(failure) => {
            store.give_back_season_post(channel_id, &key).await?;
            warn!(guild_id, channel_id, %failure, "cannot post the season's standings; trying again later");
            Ok(false)
        }
    }
}

/// The standings message a holder that crashed sent already, among the channel's
/// newest messages (by the bot, with their title).
async fn sent_before(
    handles: &Handles,
    port: &impl EngagementPort,
    channel_id: u64,
    season: &Season,
) -> Option<u64> {
    let bot = handles.bot_user_id.get().copied()?;
    let title = standings_title(season);
    let messages = port.recent_messages(channel_id).await.ok()?;
    messages
        .into_iter()
        .find(|m| m.author_id == bot && m.title.as_deref() == Some(title.as_str()))
        .map(|m| m.id)
}

/// Moves the champion role from the last season's champion to this one's, once;
/// true when done (or nothing to do).
async fn move_champion(
    handles: &Handles,
    port: &impl EngagementPort,
    guild_id: u64,
    season: &Season,
    zone: Tz,
    ranked: &[SeasonEntry],
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let store = &handles.store;
    let key = season.key();
    let winner = champion(ranked);
    if store
        .take_champion_move(guild_id, &key, winner, now, now - LEASE)
        .await?
        == Taken::No
    {
        return Ok(true);
    }
    // The champion named when the move was first taken.
    let winner = store.season_champion(guild_id, &key).await?;
    let last = store
        .season_champion(guild_id, &season.previous(zone).key())
        .await?;
    let role = store.champion_role(guild_id).await?.filter(|r| !r.refused);
    let result = match role {
        Some(role) => swap(port, guild_id, role.role_id, last, winner).await,
        None => Ok(()),
    };
    match result {
        Ok(()) => {
            store.champion_moved(guild_id, &key, now).await?;
            Ok(true)
        }
        Err(PostFailure::Refused(problem)) => {
            store.champion_moved(guild_id, &key, now).await?;
            if let Some(role) = role
                && store.refuse_champion_role(guild_id, now).await?
            {
                alert_role(handles, port, guild_id, role.role_id, &problem).await;
            }
            Ok(true)
        }
        Err(failure) => {
            store.give_back_champion_move(guild_id, &key).await?;
            warn!(guild_id, %failure, "cannot move the champion role yet; trying again later");
            Ok(false)
        }
    }
}

/// Takes the role from the last champion (unless they won again) and gives it to
/// the new one. Both calls are idempotent: a move taken over does them again.
async fn swap(
    port: &impl EngagementPort,
    guild_id: u64,
    role_id: u64,
    last: Option<u64>,
    winner: Option<u64>,
) -> Result<(), PostFailure> {
    if let Some(last) = last.filter(|&last| Some(last) != winner) {
        port.remove_role(guild_id, last, role_id).await?;
    }
    if let Some(winner) = winner {
        port.add_role(guild_id, winner, role_id).await?;
    }
    Ok(())
}
