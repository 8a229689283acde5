//! Reasons to come back (SPEC §14): reminders ([`reminders`]), role rewards
//! ([`rewards`]) and the month-end of seasons ([`seasons`]): scheduled work in a loop
//! of its own beside the daily workflow's, each piece done once across restarts and
//! processes (taken in the database first), only for the servers this process serves.
//!
//! It talks to Discord only through the narrow [`port::EngagementPort`] trait, which
//! `discord/` implements; its calls pass through the process's pacer (SPEC §12).

pub mod port;
pub mod reminders;
pub mod rewards;
mod role_alert;
pub mod seasons;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;
use tracing::warn;

use crate::state::Handles;
use port::EngagementPort;

/// The longest the loop sleeps without looking at reminders and seasons again.
const MAX_SLEEP: TimeDelta = TimeDelta::hours(1);

/// What the loop keeps between passes.
#[derive(Debug, Default)]
pub struct EngagementMemory {
    /// The (server, season) pairs whose month-end this process finished.
    seasons_closed: HashSet<(u64, String)>,
}

/// One pass at `now`: gives the reward roles earned; with `timed`, also sends the
/// reminders due and closes the seasons that ended. Returns when reminders or
/// seasons are next due (`None` without `timed`).
pub async fn run_pass(
    handles: &Handles,
    port: &impl EngagementPort,
    now: DateTime<Utc>,
    timed: bool,
    memory: &mut EngagementMemory,
) -> Option<DateTime<Utc>> {
    rewards::give_rewards(handles, port, now).await;
    if !timed {
        return None;
    }
    let schedules = match handles.store.all_schedules().await {
        Ok(schedules) => schedules,
        Err(error) => {
            warn!(%error, "cannot read the schedules for reminders and seasons");
            return Some(now + crate::daily::plan::RETRY_TRANSIENT);
        }
    };
    let reminders = reminders::send_reminders(handles, port, &schedules, now).await;
    let seasons =
        seasons::close_seasons(handles, port, &schedules, &mut memory.seasons_closed, now).await;
    let latest = now + MAX_SLEEP;
    Some(
        [reminders, seasons]
            .into_iter()
            .flatten()
            .fold(latest, DateTime::min),
    )
}

/// A running engagement loop.
pub struct EngagementTask {
    stop: watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

impl EngagementTask {
    pub async fn stop(self) -> Result<(), tokio::task::JoinError> {
        let _ = self.stop.send(true);
        self.handle.await
    }
}

/// Starts the loop: a full pass at start, when woken (`Handles::engagement`) and when
/// reminders or seasons fall due; a rewards pass whenever answers were counted.
pub fn start<P: EngagementPort + 'static>(handles: Arc<Handles>, port: Arc<P>) -> EngagementTask {
    let (stop, mut stopped) = watch::channel(false);
    let handle = tokio::spawn(async move {
        let mut memory = EngagementMemory::default();
        let mut next_timed = handles.clock.now();
        let mut timed = true;
        loop {
            let now = handles.clock.now();
            timed |= next_timed <= now;
            if let Some(next) = run_pass(&handles, port.as_ref(), now, timed, &mut memory).await {
                next_timed = next;
            }
            handles.stats.engagement_finished(now.timestamp_millis());
            timed = tokio::select! {
                biased;
                _ = stopped.changed() => break,
                () = handles.engagement.notified() => true,
                () = handles.clock.sleep_until(next_timed) => true,
                () = handles.answers.counted() => false,
            };
        }
    });
    EngagementTask { stop, handle }
}
