//! Wiring: the Discord client, the poise framework, and the workers (answer writer,
//! scheduler) around one [`App`], from start to a clean stop.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use tracing::{error, info, warn};

use crate::active_questions::OPEN_QUIZ_WINDOW;
use crate::config::Token;
use crate::core::start_up;
use crate::daily::scheduler;
use crate::discord::port::{DiscordHttp, with_retries};
use crate::discord::{commands, events, intents, no_pings};
use crate::pacer::Pacer;
use crate::state::App;
use crate::storage::{StorageError, Store};

/// How to reach Discord.
#[derive(Debug, Clone)]
pub struct Connection {
    pub token: Token,
    /// `DISCORD_API_PROXY`: every REST call goes there, serenity's rate limiter off.
    pub api_proxy: Option<String>,
    /// `DISCORD_GUILD_ID`: register commands in this guild only.
    pub guild_id: Option<u64>,
    /// `METRICS_ADDR`: serve `/metrics` and `/healthz` there.
    pub metrics_addr: Option<std::net::SocketAddr>,
}

fn build_http(connection: &Connection) -> serenity::Http {
    let mut builder =
        serenity::HttpBuilder::new(connection.token.expose()).default_allowed_mentions(no_pings());
    if let Some(proxy) = &connection.api_proxy {
        // serenity's rate limiter ignores the proxy, so it must be off; the proxy (or
        // our own retry in the daily port) handles 429s. The environment's HTTP proxy
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

/// Stops a task when dropped (the metrics server, however `run` returns).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A token Discord refused: nothing works until the operator replaces it.
#[derive(Debug, thiserror::Error)]
#[error(
    "DISCORD_TOKEN was refused by Discord (401): reset it in the Developer Portal (Bot → Reset Token) and start again"
)]
pub struct TokenRefused;

/// Checks DISCORD_TOKEN with Discord before anything is created (the database file
/// among them), so a wrong token leaves nothing behind. False: `shutdown` came first.
pub async fn check_token_first(
    connection: &Connection,
    pacer: &Pacer,
    shutdown: std::pin::Pin<&mut (impl Future<Output = ()> + Send)>,
) -> Result<bool, TokenRefused> {
    let http = build_http(connection);
    let target = connection
        .api_proxy
        .as_deref()
        .unwrap_or("https://discord.com");
    tokio::select! {
        biased;
        () = shutdown => {
            info!("shutting down");
            Ok(false)
        }
        checked = async {
            pacer.ready().await;
            check_token(&http, target).await
        } => checked.map(|()| true),
    }
}

/// Checks the token with `GET /users/@me` before anything else, so a wrong token is one
/// clear line, not a gateway error repeated for ever. While Discord cannot be reached,
/// logs one plain line per try and tries again, waiting longer each time.
async fn check_token(http: &serenity::Http, target: &str) -> Result<(), TokenRefused> {
    let mut failures = 0;
    loop {
        let problem = match http.get_current_user().await {
            Ok(user) => {
                info!(user = %user.name, "DISCORD_TOKEN accepted by Discord");
                return Ok(());
            }
            Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))) => {
                if response.status_code.as_u16() == 401 {
                    return Err(TokenRefused);
                }
                format!("Discord answered {}", response.status_code)
            }
            Err(error) => start_up::Unreachable::classify(&error_chain(&error))
                .words()
                .to_owned(),
        };
        failures += 1;
        let delay = start_up::retry_delay(failures);
        warn!("{}", start_up::retry_line(target, &problem, delay));
        tokio::time::sleep(delay).await;
    }
}

/// Opens the database at `url`, waiting for it as for Discord while it cannot be
/// opened yet (a server still starting, a locked file): one plain line per try, 1 s,
/// 2 s, 4 s … up to a minute apart, and `/healthz` 503 with the reason meanwhile
/// (`METRICS_ADDR`). `Ok(None)`: `shutdown` came first. An error waiting cannot cure
/// (a wrong URL, a newer schema) is returned at once.
pub async fn open_store(
    url: &str,
    metrics_addr: Option<std::net::SocketAddr>,
    mut shutdown: std::pin::Pin<&mut (impl Future<Output = ()> + Send)>,
) -> Result<Option<Store>, StorageError> {
    let reason = Arc::new(std::sync::Mutex::new(String::new()));
    let mut health: Option<AbortOnDrop> = None;
    let mut failures = 0;
    loop {
        let error = match Store::open(url).await {
            Ok(store) => {
                // The address is the running bot's next: free it before returning.
                if let Some(mut waiting) = health.take() {
                    waiting.0.abort();
                    let _ = (&mut waiting.0).await;
                }
                return Ok(Some(store));
            }
            Err(error) if error.may_clear() => error,
            Err(error) => return Err(error),
        };
        failures += 1;
        let why = error.to_string();
        let delay = start_up::retry_delay(failures);
        warn!("{}", start_up::database_retry_line(&why, delay));
        *crate::locks::lock(&reason) = format!("the database cannot be opened: {why}");
        if let (Some(addr), None) = (metrics_addr, &health) {
            match crate::ops_server::serve_waiting(addr, reason.clone()).await {
                Ok(task) => health = Some(AbortOnDrop(task)),
                Err(error) => warn!(%error, "cannot serve METRICS_ADDR {addr} while waiting"),
            }
        }
        tokio::select! {
            () = &mut shutdown => return Ok(None),
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// An error and its causes, one after the other.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// Registers the slash commands, beside the event handlers rather than before them:
/// poise holds every event until setup returns, and on a large bot the GUILD_CREATEs
/// that follow READY (one per server) would pile up in memory meanwhile.
fn register_commands(
    http: Arc<serenity::Http>,
    pacer: Arc<Pacer>,
    commands: Vec<serenity::CreateCommand>,
    guild_id: Option<u64>,
    ready: &serenity::Ready,
) {
    let (user, guilds) = (ready.user.name.clone(), ready.guilds.len());
    tokio::spawn(async move {
        pacer.ready().await;
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
            Err(error) => {
                error!(%error, guild_id, "failed to register the slash commands; members see the ones registered before, if any")
            }
        }
    });
}

fn framework(app: Arc<App>, guild_id: Option<u64>) -> poise::Framework<Arc<App>, anyhow::Error> {
    poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(commands::on_error(error)),
            event_handler: |ctx, event| Box::pin(events::handle(ctx, event)),
            allowed_mentions: Some(no_pings()),
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            let commands =
                poise::builtins::create_application_commands(&framework.options().commands);
            let pacer = app.pacer.clone();
            register_commands(ctx.http.clone(), pacer, commands, guild_id, ready);
            Box::pin(async move { Ok(app) })
        })
        .build()
}

/// Loads what the event handlers answer from memory: every channel's open daily
/// question and the recent open quizzes.
async fn load_open_questions(app: &App) -> anyhow::Result<()> {
    if let Err(error) = app.store.check_writable().await {
        error!(%error, "the database cannot be written; serving what can be read, holding answers in memory and retrying writes until it can");
    }
    let posts = app.store.latest_daily_posts().await;
    for post in posts.context("failed to load the open questions")? {
        app.activate(&post);
    }
    let now = app.clock.now();
    let quizzes = app.store.open_quiz_ids(now - OPEN_QUIZ_WINDOW).await;
    for message_id in quizzes.context("failed to load the open quizzes")? {
        app.active.add_quiz(message_id, now);
    }
    Ok(())
}

/// Discord's recommended shard count (`GET /gateway/bot`), with the retries of every
/// other call; `None` when Discord did not answer.
async fn recommended_shards(http: &serenity::Http) -> Option<u32> {
    match with_retries("read the recommended shard count", || {
        http.get_bot_gateway()
    })
    .await
    {
        Ok(gateway) => Some(gateway.shards.max(1)),
        Err(error) => {
            warn!(%error, "could not read Discord's recommended shard count");
            None
        }
    }
}

/// Starts the gateway sessions: the `DISCORD_SHARDS` range, or every shard Discord
/// recommends (1 when it could not say). A pinned count below the recommendation may
/// be refused (close code 4011, a shard holding more than 2,500 servers), and serenity
/// then retries for ever: that is said once, up front, in words.
async fn connect(client: &mut serenity::Client, app: &App) -> serenity::Result<()> {
    app.pacer.ready().await;
    let recommended = recommended_shards(&client.http).await;
    let shards = app.shards;
    let run = shards.map_or(0..recommended.unwrap_or(1), |r| r.first..r.last + 1);
    app.gateway.expect(client.shard_manager.clone(), run);
    match shards {
        Some(range) => {
            if let Some(recommended) = recommended.filter(|r| *r > range.total) {
                warn!(
                    recommended,
                    shards = %range,
                    "Discord recommends {recommended} shards for this bot but DISCORD_SHARDS splits it into {}; if Discord refuses a session (4011, sharding required), raise TOTAL",
                    range.total
                );
            }
            // serenity's range is first..last with `last` included.
            client
                .start_shard_range(range.first..range.last, range.total)
                .await
        }
        None => client.start_shards(recommended.unwrap_or(1)).await,
    }
}

/// The REST calls serenity makes by itself when its client is built (`GET /gateway`,
/// `GET /oauth2/applications/@me`).
const SERENITY_START_UP_CALLS: usize = 2;

/// Connects and runs until `shutdown` resolves or the gateway fails for good.
///
/// The scheduler is started here, once per process, not from the READY handler:
/// READY arrives again on every new gateway session.
pub async fn run(
    connection: Connection,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    let metrics_server = match connection.metrics_addr {
        Some(addr) => {
            let (bound, task) = crate::ops_server::serve(addr, app.clone())
                .await
                .with_context(|| format!("cannot serve METRICS_ADDR {addr}"))?;
            let _ = app.metrics_addr.set(bound);
            Some(task)
        }
        None => None,
    };
    let _stop_metrics = metrics_server.map(AbortOnDrop);
    let http = build_http(&connection);
    let mut cache = serenity::cache::Settings::default();
    // The bot's state lives in the database and interactions carry the member's
    // permissions and resolved channels, so Discord objects need no cache.
    cache.cache_guilds = false;
    cache.cache_channels = false;
    cache.cache_users = false;
    cache.max_messages = 0;
    // Building the client, serenity asks Discord for the gateway's address and the
    // application: two calls of its own, back to back, which the pacer cannot hold
    // one by one. They go as one burst within the process's share.
    let built = serenity::ClientBuilder::new_with_http(http, intents())
        .framework(framework(app.clone(), connection.guild_id))
        .cache_settings(cache);
    let mut client = app
        .pacer
        .burst(SERENITY_START_UP_CALLS, built.into_future())
        .await
        .context("failed to build the Discord client")?;

    load_open_questions(&app).await?;
    let answer_writer = app.answers.start(
        app.store.clone(),
        app.active.clone(),
        app.stats.clone(),
        app.metrics.clone(),
    );
    let discord = Arc::new(DiscordHttp::of(client.http.clone(), &app));
    let scheduler = scheduler::start(app.handles.clone(), discord.clone());
    let engagement = crate::engagement::start(app.handles.clone(), discord);
    let shard_manager = client.shard_manager.clone();
    let result = tokio::select! {
        biased;
        () = &mut shutdown => {
            info!("shutting down");
            Ok(())
        }
        result = connect(&mut client, &app) => result.context("the Discord connection failed"),
    };
    shard_manager.shutdown_all().await;
    if let Err(error) = scheduler.stop(&app).await {
        warn!(%error, "the scheduler stopped with an error");
    }
    if let Err(error) = engagement.stop().await {
        warn!(%error, "the loop of reminders, rewards and seasons stopped with an error");
    }
    answer_writer.stop().await;
    result
}
