//! Thin glue between Discord (serenity + poise) and the core rules and storage.

pub mod catch_up;
pub mod commands;
pub mod daily;
mod events;
pub mod render;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use tracing::{error, info, warn};

use crate::active_questions::ActiveQuestions;
use crate::clock::Clock;
use crate::config::Token;
use crate::core::question_bank::QuestionBank;
use crate::scheduler::Scheduler;
use crate::storage::Store;

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Arc<App>, Error>;

/// The gateway intents the bot needs: none of them privileged.
pub fn intents() -> serenity::GatewayIntents {
    serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::GUILD_MESSAGE_REACTIONS
}

/// Everything the handlers share.
pub struct App {
    pub store: Store,
    pub bank: Arc<QuestionBank>,
    pub clock: Arc<dyn Clock>,
    pub scheduler: Scheduler,
    pub active: ActiveQuestions,
    /// Answers waiting to be committed.
    pub answers: crate::answer_queue::AnswerQueue,
    /// Reading answers posted while the bot was not listening.
    pub catch_up: catch_up::CatchUpState,
    /// The servers the bot is in: schedules of servers that removed it wait.
    pub guilds: crate::guild_presence::GuildPresence,
    /// The bot's user id, once known (crash recovery recognises its own messages).
    pub bot_user_id: std::sync::OnceLock<u64>,
    /// Counters of work done, for tests and benchmarks to wait on.
    pub stats: Stats,
    /// When each channel may get its next `/quiz`.
    pub quiz_cooldowns:
        std::sync::Mutex<std::collections::HashMap<u64, chrono::DateTime<chrono::Utc>>>,
}

impl App {
    pub fn new(
        store: Store,
        bank: Arc<QuestionBank>,
        clock: Arc<dyn Clock>,
        scheduler: Scheduler,
    ) -> Self {
        Self {
            store,
            bank,
            clock,
            scheduler,
            active: ActiveQuestions::default(),
            answers: Default::default(),
            catch_up: Default::default(),
            bot_user_id: Default::default(),
            guilds: Default::default(),
            quiz_cooldowns: Default::default(),
            stats: Stats::default(),
        }
    }
}

/// Monotonic counters of handled work.
#[derive(Debug, Default)]
pub struct Stats {
    pub messages_handled: std::sync::atomic::AtomicU64,
    pub reactions_handled: std::sync::atomic::AtomicU64,
    pub scheduler_passes: std::sync::atomic::AtomicU64,
    /// Scheduler loops started: exactly one per process.
    pub schedulers_started: std::sync::atomic::AtomicU64,
    /// Answers the answer writer has committed (or given up on).
    pub answers_committed: std::sync::atomic::AtomicU64,
    /// The `now` of the latest finished scheduler pass, in Unix milliseconds.
    pub last_pass_at: std::sync::atomic::AtomicI64,
}

impl Stats {
    pub fn get(counter: &std::sync::atomic::AtomicU64) -> u64 {
        counter.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn bump(counter: &std::sync::atomic::AtomicU64) {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// How to reach Discord.
#[derive(Debug, Clone)]
pub struct Connection {
    pub token: Token,
    /// `DISCORD_API_PROXY`: every REST call goes there, serenity's rate limiter off.
    pub api_proxy: Option<String>,
    /// `DISCORD_GUILD_ID`: register commands in this guild only.
    pub guild_id: Option<u64>,
}

/// Nothing the bot sends may ping anyone but the users it names.
pub fn no_pings() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
}

fn build_http(connection: &Connection) -> serenity::Http {
    let mut builder =
        serenity::HttpBuilder::new(connection.token.expose()).default_allowed_mentions(no_pings());
    if let Some(proxy) = &connection.api_proxy {
        // serenity's rate limiter ignores the proxy, so it must be off; the proxy (or
        // our own retry in the scheduler) handles 429s. The environment's HTTP proxy
        // settings must not reroute calls meant for the configured one.
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a reqwest client without TLS options builds");
        builder = builder
            .proxy(proxy.clone())
            .ratelimiter_disabled(true)
            .client(client);
    }
    builder.build()
}

/// Connects and runs until `shutdown` resolves or the gateway fails for good.
///
/// The scheduler is started here, once per process, not from the READY handler:
/// READY arrives again on every new gateway session.
pub async fn run(
    connection: Connection,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let http = build_http(&connection);
    let guild_id = connection.guild_id;
    let setup_app = app.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(commands::on_error(error)),
            event_handler: |ctx, event| Box::pin(events::handle(ctx, event)),
            allowed_mentions: Some(no_pings()),
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            // Registration runs beside the event handlers, not before them: poise holds
            // every event until setup returns, and on a large bot the GUILD_CREATEs that
            // follow READY (one per server) would pile up in memory meanwhile.
            let commands = poise::builtins::create_application_commands(&framework.options().commands);
            let http = ctx.http.clone();
            let (user, guilds) = (ready.user.name.clone(), ready.guilds.len());
            tokio::spawn(async move {
                let registered = match guild_id {
                    Some(guild) => serenity::GuildId::new(guild)
                        .set_commands(&http, commands)
                        .await
                        .map(drop),
                    None => serenity::Command::set_global_commands(&http, commands)
                        .await
                        .map(drop),
                };
                match registered {
                    Ok(()) => info!(%user, guilds, "connected; slash commands registered"),
                    Err(error) => error!(%error, guild_id, "failed to register the slash commands; members see the ones registered before, if any"),
                }
            });
            Box::pin(async move { Ok(setup_app) })
        })
        .build();

    let mut cache = serenity::cache::Settings::default();
    // The bot's state lives in SQLite and interactions carry the member's permissions
    // and resolved channels, so Discord objects need no cache.
    cache.cache_guilds = false;
    cache.cache_channels = false;
    cache.cache_users = false;
    cache.max_messages = 0;
    let mut client = serenity::ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .cache_settings(cache)
        .await
        .context("failed to build the Discord client")?;

    if let Err(error) = app.store.check_writable().await {
        error!(%error, "the database cannot be written; serving what can be read, holding answers in memory and retrying writes until it can");
    }
    for post in app
        .store
        .latest_daily_posts()
        .await
        .context("failed to load the open questions")?
    {
        app.active.set(&post);
    }
    let answer_writer = app.answers.start(app.clone());
    let scheduler = app
        .scheduler
        .clone()
        .start(app.clone(), client.http.clone());
    let shard_manager = client.shard_manager.clone();
    let result = tokio::select! {
        result = client.start() => result.context("the Discord connection failed"),
        () = shutdown => {
            info!("shutting down");
            Ok(())
        }
    };
    shard_manager.shutdown_all().await;
    if let Err(error) = scheduler.stop().await {
        warn!(%error, "the scheduler stopped with an error");
    }
    answer_writer.stop().await;
    result
}
