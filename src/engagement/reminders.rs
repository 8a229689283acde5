//! Reminders (SPEC §14): at most one direct message a day to a member who opted in,
//! when a question they have a streak in is still unanswered `hours_before` hours
//! before its channel's next post.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::port::{EngagementPort, PostFailure, Reminder};
use crate::core::daily_schedule::local_date;
use crate::core::practice;
use crate::core::reminders::{ReminderChannel, reminder_at, reminder_due};
use crate::core::seasons::server_zone;
use crate::state::Handles;
use crate::storage::{ReminderOptIn, Schedule, StorageResult};

/// Sends the reminders due at `now` in the servers this process serves (each taken
/// in the database first: one process sends it, once a day). Returns when the next
/// one falls.
pub async fn send_reminders(
    handles: &Handles,
    port: &impl EngagementPort,
    schedules: &[Schedule],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let opt_ins = match handles.store.reminders_on().await {
        Ok(opt_ins) => opt_ins,
        Err(error) => {
            warn!(%error, "cannot read who asked for reminders");
            return None;
        }
    };
    let mut next = None;
    for opt_in in opt_ins.into_iter().filter(|o| handles.serves(o.guild_id)) {
        let channels: Vec<&Schedule> = schedules
            .iter()
            .filter(|s| s.guild_id == opt_in.guild_id && s.is_running())
            .collect();
        match remind(handles, port, &opt_in, &channels, now).await {
            Ok(at) => next = next.into_iter().chain(at).min(),
            Err(error) => warn!(guild_id = opt_in.guild_id, %error, "cannot check a reminder"),
        }
    }
    next
}

/// A member's channel as the reminder rule sees it, with the post to link to.
struct Open {
    channel: ReminderChannel,
    reminder: Reminder,
}

/// Sends `opt_in`'s reminder if it is due; returns when their next one falls.
async fn remind(
    handles: &Handles,
    port: &impl EngagementPort,
    opt_in: &ReminderOptIn,
    channels: &[&Schedule],
    now: DateTime<Utc>,
) -> StorageResult<Option<DateTime<Utc>>> {
    let Some(zone) = server_zone(channels.iter().map(|s| (s.channel_id, s.timezone))) else {
        return Ok(None);
    };
    let today = local_date(now, zone);
    let open = open_questions(handles, opt_in, channels, now).await?;
    let rule: Vec<ReminderChannel> = open.iter().map(|o| o.channel).collect();
    let next = rule
        .iter()
        .map(|c| c.remind_at)
        .filter(|&at| at > now)
        .min();
    if !reminder_due(&rule, now, opt_in.last_sent_on, today) {
        return Ok(next);
    }
    let Some(first) = open
        .into_iter()
        .find(|o| reminder_due(std::slice::from_ref(&o.channel), now, None, today))
    else {
        return Ok(next);
    };
    let (guild_id, user_id) = (opt_in.guild_id, opt_in.user_id);
    if !handles
        .store
        .take_reminder(guild_id, user_id, today)
        .await?
    {
        return Ok(next);
    }
    let mut reminder = first.reminder;
    reminder.cards_due = cards_due(handles, guild_id, user_id, now).await?;
    match port.send_reminder(user_id, &reminder).await {
        Ok(()) => info!(guild_id, user_id, "sent a reminder"),
        Err(PostFailure::Refused(problem)) => {
            handles.store.set_reminder(guild_id, user_id, None).await?;
            info!(guild_id, user_id, %problem, "the member cannot be messaged: reminders switched off");
        }
        Err(failure) => {
            warn!(guild_id, user_id, %failure, "cannot send a reminder; none today")
        }
    }
    Ok(next)
}

/// The member's channels with an open question: their streak there, whether they
/// answered it (a private answer counts), and when its reminder falls.
async fn open_questions(
    handles: &Handles,
    opt_in: &ReminderOptIn,
    channels: &[&Schedule],
    now: DateTime<Utc>,
) -> StorageResult<Vec<Open>> {
    let store = &handles.store;
    let (guild_id, user_id) = (opt_in.guild_id, opt_in.user_id);
    let streaks = store.member_streaks(guild_id, user_id).await?;
    let mut open = Vec::new();
    for schedule in channels {
        let streak = streaks
            .iter()
            .find(|s| s.channel_id == schedule.channel_id)
            .map_or(0, |s| s.streak.current);
        let (Some((date, next_post)), Some(post)) = (
            schedule.upcoming_post(now),
            store.latest_daily_post(schedule.channel_id).await?,
        ) else {
            continue;
        };
        let Some(message_id) = post.message_id else {
            continue;
        };
        let answered = store.answered_at(post.id, user_id).await?.is_some()
            || store.private_answer(post.id, user_id).await?.is_some();
        open.push(Open {
            channel: ReminderChannel {
                streak,
                answered,
                remind_at: reminder_at(
                    date,
                    schedule.post_time,
                    schedule.timezone,
                    opt_in.hours_before,
                ),
                next_post,
            },
            reminder: Reminder {
                guild_id,
                channel_id: schedule.channel_id,
                message_id,
                streak,
                next_post,
                cards_due: 0,
            },
        });
    }
    Ok(open)
}

async fn cards_due(
    handles: &Handles,
    guild_id: u64,
    user_id: u64,
    now: DateTime<Utc>,
) -> StorageResult<u32> {
    let deck = handles.store.practice_deck(guild_id, user_id).await?;
    Ok(practice::stats(&deck, &[], now, now).due_now)
}
