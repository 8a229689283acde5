//! The daily workflow's Discord calls, over serenity's HTTP client.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tracing::debug;

use super::{no_pings, render};
use crate::core::hint_reveal::RevealReason;
use crate::core::question_bank::{Question, QuestionBank};
use crate::core::seasons::{Season, SeasonEntry};
use crate::daily::port::{BestAnswer, DiscordPort, HistoryMessage, PAGE, PostFailure, Reactor};
use crate::engagement::port::{EngagementPort, Reminder};
use crate::metrics::Metrics;
use crate::pacer::{PAUSE_AFTER_429, Pacer};
use crate::state::Handles;
use crate::storage::DailyPost;

/// [`DiscordPort`] over serenity's REST client.
#[derive(Clone)]
pub struct DiscordHttp {
    http: Arc<serenity::Http>,
    metrics: Option<Arc<Metrics>>,
    /// Every call waits for its turn here (`crate::pacer`).
    pacer: Arc<Pacer>,
}

impl DiscordHttp {
    /// Discord through `http`, each call paced by `pacer`: the process's one pacer.
    pub fn new(http: Arc<serenity::Http>, pacer: Arc<Pacer>) -> Self {
        Self {
            http,
            metrics: None,
            pacer,
        }
    }

    /// Discord through `http` for the process of `handles`: its pacer, its metrics.
    pub fn of(http: Arc<serenity::Http>, handles: &Handles) -> Self {
        Self::new(http, handles.pacer.clone()).with_metrics(handles.metrics.clone())
    }

    /// The same, counting every REST call (route class, status, latency) in `metrics`.
    pub fn with_metrics(self, metrics: Arc<Metrics>) -> Self {
        Self {
            metrics: Some(metrics),
            ..self
        }
    }

    /// [`with_retries`], each try counted under `route` (a class of Discord routes).
    async fn call<T, F, Fut>(
        &self,
        route: &'static str,
        what: &str,
        mut call: F,
    ) -> Result<T, PostFailure>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = serenity::Result<T>>,
    {
        let metrics = self.metrics.as_deref();
        let pacer = &self.pacer;
        with_retries(what, || {
            // Not sent until awaited: after the pacer's turn.
            let attempt = call();
            async move {
                pacer.ready().await;
                let started = std::time::Instant::now();
                let result = attempt.await;
                if let Some(metrics) = metrics {
                    metrics.discord_request(route, &status_of(&result), started.elapsed());
                }
                if is_rate_limited(&result) {
                    // Past a limit anyway: every call of the process waits.
                    pacer.pause(PAUSE_AFTER_429);
                }
                result
            }
        })
        .await
    }

    async fn history_page(
        &self,
        what: &str,
        channel_id: u64,
        request: serenity::GetMessages,
    ) -> Result<Vec<HistoryMessage>, PostFailure> {
        let channel = serenity::ChannelId::new(channel_id);
        let page = self
            .call("get_messages", what, || {
                channel.messages(&self.http, request)
            })
            .await?;
        Ok(page.iter().map(history).collect())
    }
}

/// How a serenity call failed: a 4xx other than 429 is Discord refusing for good;
/// anything else (5xx, 429, network) leaves the outcome unknown.
/// A call's status for the metrics: `2xx`, Discord's status code, or `error` when no
/// answer came (network, timeout).
fn status_of<T>(result: &serenity::Result<T>) -> String {
    match result {
        Ok(_) => "2xx".to_owned(),
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))) => {
            response.status_code.as_u16().to_string()
        }
        Err(_) => "error".to_owned(),
    }
}

/// Whether Discord answered 429 (serenity's limiter is off behind a proxy and keeps
/// neither `global` nor `retry_after` of the answer).
fn is_rate_limited<T>(result: &serenity::Result<T>) -> bool {
    matches!(
        result,
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)))
            if response.status_code.as_u16() == 429
    )
}

fn classify(error: serenity::Error) -> PostFailure {
    if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) = &error {
        let status = response.status_code.as_u16();
        let detail = format!(
            "{} {} ({})",
            status, response.error.message, response.error.code
        );
        if (400..500).contains(&status) && status != 429 {
            return PostFailure::Refused(detail);
        }
        return PostFailure::Transient(detail);
    }
    PostFailure::Transient(error.to_string())
}

/// Runs a Discord call, retrying 5xx/429/network failures a few times with backoff.
/// serenity's own rate limiter is off behind `DISCORD_API_PROXY`, so 429s land here.
pub async fn with_retries<T, F, Fut>(what: &str, mut call: F) -> Result<T, PostFailure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = serenity::Result<T>>,
{
    const ATTEMPTS: u32 = 4;
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match call().await.map_err(classify) {
            Err(PostFailure::Transient(detail)) if attempt < ATTEMPTS => {
                debug!(what, attempt, %detail, "retrying a Discord call");
                tokio::time::sleep(delay).await;
                delay *= 3;
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn lightbulb() -> serenity::ReactionType {
    serenity::ReactionType::Unicode(render::LIGHTBULB.to_owned())
}

/// Whether a message can answer a question: a member's own message or reply, not a
/// bot's, a webhook's or a system message (a pin, a join).
pub fn is_member_message(message: &serenity::Message) -> bool {
    !message.author.bot
        && message.webhook_id.is_none()
        && matches!(
            message.kind,
            serenity::MessageType::Regular | serenity::MessageType::InlineReply
        )
}

/// A message as the daily workflow sees it.
fn history(message: &serenity::Message) -> HistoryMessage {
    HistoryMessage {
        id: message.id.get(),
        author_id: message.author.id.get(),
        from_member: is_member_message(message),
        nonce: match &message.nonce {
            Some(serenity::Nonce::String(nonce)) => Some(nonce.clone()),
            Some(serenity::Nonce::Number(nonce)) => Some(nonce.to_string()),
            None => None,
        },
        title: message.embeds.first().and_then(|e| e.title.clone()),
        reply_to: replied_to(message),
        at: *message.timestamp,
    }
}

/// The message `message` replies to, if any.
pub fn replied_to(message: &serenity::Message) -> Option<u64> {
    message
        .message_reference
        .as_ref()
        .and_then(|r| r.message_id)
        .map(|id| id.get())
}

impl DiscordPort for DiscordHttp {
    async fn current_user_id(&self) -> Result<u64, PostFailure> {
        let user = self
            .call("get_current_user", "read the bot's user", || {
                self.http.get_current_user()
            })
            .await?;
        Ok(user.id.get())
    }

    async fn send_question(
        &self,
        bank: &QuestionBank,
        question: &Question,
        post: &DailyPost,
        best: Option<&BestAnswer>,
    ) -> Result<u64, PostFailure> {
        let channel = serenity::ChannelId::new(post.channel_id);
        let hidden = render::reveal_rule_text(post.reveal_reactions, post.reveal_due_at);
        let mut message = serenity::CreateMessage::new()
            .embed(render::daily_embed(bank, question, post, Err(hidden), best))
            .nonce(serenity::Nonce::String(post.nonce.clone()))
            .enforce_nonce(true)
            .allowed_mentions(no_pings());
        if post.private_answers {
            message = message.components(vec![render::answer_button(post.id)]);
        }
        let sent = self
            .call("create_message", "send the daily question", || {
                channel.send_message(&self.http, message.clone())
            })
            .await?;
        Ok(sent.id.get())
    }

    async fn send_answer(
        &self,
        thread_id: u64,
        title: &str,
        text: &str,
    ) -> Result<u64, PostFailure> {
        let message = serenity::CreateMessage::new()
            .embed(render::answer_embed(title, text))
            .allowed_mentions(no_pings());
        let sent = self
            .call("create_message", "show a private answer", || {
                serenity::ChannelId::new(thread_id).send_message(&self.http, message.clone())
            })
            .await?;
        Ok(sent.id.get())
    }

    async fn add_lightbulb(&self, channel_id: u64, message_id: u64) -> Result<(), PostFailure> {
        let (channel, message) = (
            serenity::ChannelId::new(channel_id),
            serenity::MessageId::new(message_id),
        );
        self.call("create_reaction", "add the 💡 reaction", || {
            channel.create_reaction(&self.http, message, lightbulb())
        })
        .await
    }

    async fn open_thread(
        &self,
        channel_id: u64,
        message_id: u64,
        seq: i64,
    ) -> Result<u64, PostFailure> {
        let (channel, message) = (
            serenity::ChannelId::new(channel_id),
            serenity::MessageId::new(message_id),
        );
        let thread = serenity::CreateThread::new(render::thread_name(seq))
            .auto_archive_duration(serenity::AutoArchiveDuration::OneDay);
        let created = self
            .call("create_thread", "open the answers thread", || {
                channel.create_thread_from_message(&self.http, message, thread.clone())
            })
            .await?;
        Ok(created.id.get())
    }

    async fn thread_of(
        &self,
        channel_id: u64,
        message_id: u64,
    ) -> Result<Option<u64>, PostFailure> {
        let (channel, message) = (
            serenity::ChannelId::new(channel_id),
            serenity::MessageId::new(message_id),
        );
        let found = self
            .call("get_message", "read the post", || {
                channel.message(&self.http, message)
            })
            .await?;
        Ok(found.thread.map(|thread| thread.id.get()))
    }

    async fn show_hint(
        &self,
        bank: &QuestionBank,
        question: &Question,
        post: &DailyPost,
        best: Option<&BestAnswer>,
    ) -> Result<(), PostFailure> {
        let channel = serenity::ChannelId::new(post.channel_id);
        let message = serenity::MessageId::new(post.message_id.unwrap_or_default());
        let edit = serenity::EditMessage::new()
            .embed(render::daily_embed(
                bank,
                question,
                post,
                Ok(&question.hint),
                best,
            ))
            .allowed_mentions(no_pings());
        self.call("edit_message", "edit the post to show the hint", || {
            channel.edit_message(&self.http, message, edit.clone())
        })
        .await
        .map(drop)
    }

    async fn show_quiz_hint(
        &self,
        channel_id: u64,
        message_id: u64,
        bank: &QuestionBank,
        question: &Question,
    ) -> Result<(), PostFailure> {
        let (channel, message) = (
            serenity::ChannelId::new(channel_id),
            serenity::MessageId::new(message_id),
        );
        let edit = serenity::EditMessage::new()
            .embed(render::quiz_embed(bank, question, Some(&question.hint)))
            .components(vec![render::reveal_button(true)])
            .allowed_mentions(no_pings());
        self.call("edit_message", "edit the quiz to show the hint", || {
            channel.edit_message(&self.http, message, edit.clone())
        })
        .await
        .map(drop)
    }

    async fn announce_hint(
        &self,
        thread_id: u64,
        hint: &str,
        reason: RevealReason,
    ) -> Result<(), PostFailure> {
        let announcement = serenity::CreateMessage::new()
            .content(render::reveal_announcement(hint, reason))
            .allowed_mentions(no_pings());
        self.call("create_message", "announce the hint", || {
            serenity::ChannelId::new(thread_id).send_message(&self.http, announcement.clone())
        })
        .await
        .map(drop)
    }

    async fn send_alert(
        &self,
        alerts_channel_id: u64,
        channel_id: u64,
        problem: &str,
    ) -> Result<(), PostFailure> {
        let message = serenity::CreateMessage::new()
            .content(render::alert_text(channel_id, problem))
            .allowed_mentions(no_pings());
        self.call("create_message", "tell the alerts channel", || {
            serenity::ChannelId::new(alerts_channel_id).send_message(&self.http, message.clone())
        })
        .await
        .map(drop)
    }

    async fn messages_before(
        &self,
        channel_id: u64,
        before: Option<u64>,
    ) -> Result<Vec<HistoryMessage>, PostFailure> {
        let request = serenity::GetMessages::new().limit(PAGE as u8);
        let request = match before {
            Some(before) => request.before(serenity::MessageId::new(before)),
            None => request,
        };
        self.history_page("list recent messages", channel_id, request)
            .await
    }

    async fn messages_after(
        &self,
        channel_id: u64,
        after: u64,
    ) -> Result<Vec<HistoryMessage>, PostFailure> {
        let request = serenity::GetMessages::new()
            .after(serenity::MessageId::new(after))
            .limit(PAGE as u8);
        self.history_page("read messages to catch up", channel_id, request)
            .await
    }

    async fn lightbulb_reactors(
        &self,
        channel_id: u64,
        message_id: u64,
        after: Option<u64>,
    ) -> Result<Vec<Reactor>, PostFailure> {
        let (channel, message) = (
            serenity::ChannelId::new(channel_id),
            serenity::MessageId::new(message_id),
        );
        let after = after.map(serenity::UserId::new);
        let page = self
            .call("get_reactions", "read 💡 reactions to catch up", || {
                channel.reaction_users(&self.http, message, lightbulb(), Some(PAGE as u8), after)
            })
            .await?;
        Ok(page
            .iter()
            .map(|user| Reactor {
                user_id: user.id.get(),
                bot: user.bot,
            })
            .collect())
    }
}

impl EngagementPort for DiscordHttp {
    async fn send_reminder(&self, user_id: u64, reminder: &Reminder) -> Result<(), PostFailure> {
        let user = serenity::UserId::new(user_id);
        let dm = self
            .call("create_dm", "open a direct message", || {
                user.create_dm_channel(&self.http)
            })
            .await?;
        let message = render::reminder_message(reminder).allowed_mentions(no_pings());
        self.call("create_message", "send a reminder", || {
            dm.id.send_message(&self.http, message.clone())
        })
        .await
        .map(drop)
    }

    async fn add_role(&self, guild_id: u64, user_id: u64, role_id: u64) -> Result<(), PostFailure> {
        let (guild, user, role) = role_ids(guild_id, user_id, role_id);
        self.call("member_role", "give a role", || {
            self.http
                .add_member_role(guild, user, role, Some("qotd: role reward"))
        })
        .await
    }

    async fn remove_role(
        &self,
        guild_id: u64,
        user_id: u64,
        role_id: u64,
    ) -> Result<(), PostFailure> {
        let (guild, user, role) = role_ids(guild_id, user_id, role_id);
        self.call("member_role", "take a role", || {
            self.http.remove_member_role(
                guild,
                user,
                role,
                Some("qotd: the season's champion changed"),
            )
        })
        .await
    }

    async fn send_role_alert(
        &self,
        alerts_channel_id: u64,
        role_id: u64,
        problem: &str,
    ) -> Result<(), PostFailure> {
        let message = serenity::CreateMessage::new()
            .content(render::role_alert_text(role_id, problem))
            .allowed_mentions(no_pings());
        self.call("create_message", "tell the alerts channel", || {
            serenity::ChannelId::new(alerts_channel_id).send_message(&self.http, message.clone())
        })
        .await
        .map(drop)
    }

    async fn send_standings(
        &self,
        channel_id: u64,
        season: &Season,
        ranked: &[SeasonEntry],
    ) -> Result<u64, PostFailure> {
        let message = serenity::CreateMessage::new()
            .embed(render::season_standings(season, ranked))
            .allowed_mentions(no_pings());
        let sent = self
            .call("create_message", "post the season's standings", || {
                serenity::ChannelId::new(channel_id).send_message(&self.http, message.clone())
            })
            .await?;
        Ok(sent.id.get())
    }

    async fn recent_messages(&self, channel_id: u64) -> Result<Vec<HistoryMessage>, PostFailure> {
        let request = serenity::GetMessages::new().limit(PAGE as u8);
        self.history_page("read the newest messages", channel_id, request)
            .await
    }
}

fn role_ids(
    guild_id: u64,
    user_id: u64,
    role_id: u64,
) -> (serenity::GuildId, serenity::UserId, serenity::RoleId) {
    (
        serenity::GuildId::new(guild_id),
        serenity::UserId::new(user_id),
        serenity::RoleId::new(role_id),
    )
}
