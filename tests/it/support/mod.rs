//! The end-to-end harness: the real bot (serenity + poise) in-process against the fake
//! Discord, on a temporary SQLite file or a fresh PostgreSQL database
//! (`QOTD_TEST_DATABASE`, see `database.rs`), with a manual clock.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use fake_discord::fixtures::{self, Invoker};
use fake_discord::{APPLICATION_ID, FakeDiscord, Request};
use poise::serenity_prelude as serenity;
use qotd::clock::{Clock, ManualClock};
use qotd::config::Token;
use qotd::discord::port::DiscordHttp;
use qotd::startup::Connection;
use qotd::state::{App, SchedulerControl};
use qotd::storage::{ScheduleSettings, Store};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub mod binary;
pub mod database;
pub mod disk_faults;
pub mod wait;

#[allow(unused_imports)]
pub use crate::on_pool;
#[allow(unused_imports)]
pub use database::{TestDb, on_postgres};
pub use wait::{Waiter, wait_until_sync};

pub const GUILD: u64 = 111_111_111_111_111_111;
pub const CHANNEL: u64 = 222_222_222_222_222_201;
pub const OTHER_CHANNEL: u64 = 222_222_222_222_222_202;
pub const ALERTS_CHANNEL: u64 = 222_222_222_222_222_203;
pub const OTHER_GUILD: u64 = 333_333_333_333_333_333;
pub const OTHER_GUILD_CHANNEL: u64 = 444_444_444_444_444_401;
pub const ADMIN: u64 = 555_555_555_555_555_001;
pub const MEMBER: u64 = 555_555_555_555_555_002;

/// The test binary's one subscriber: warnings (or `RUST_LOG`) to the test output, and
/// info and above to the `CapturedLog` of the thread that logs, if it has one.
pub fn init_tracing() {
    init_tracing_to(tracing_subscriber::fmt::TestWriter::new());
}

/// [`init_tracing`], its log lines to `writer` (the bench's to stderr: its stdout is
/// JSON lines). The first call in a process decides; later ones change nothing.
pub fn init_tracing_to<W>(writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // As the binary: serenity's spans left out (`qotd::logs::NoDependencySpans`).
    // The most verbose level wanted: the output's, or the captured logs' `info`.
    let most = filter
        .max_level_hint()
        .map(|level| level.max(tracing_subscriber::filter::LevelFilter::INFO));
    let _ = tracing_subscriber::registry()
        .with(qotd::logs::NoDependencySpans::up_to(most))
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_filter(filter),
        )
        .with(disk_faults::CapturedLog::layer())
        .try_init();
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

pub fn repo_path(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The default fake: one guild with three text channels, another guild with one.
pub async fn default_fake() -> FakeDiscord {
    FakeDiscord::builder()
        .guild(
            GUILD,
            "Interview Prep",
            &[
                (CHANNEL, "daily"),
                (OTHER_CHANNEL, "practice"),
                (ALERTS_CHANNEL, "bot-alerts"),
            ],
        )
        .guild(
            OTHER_GUILD,
            "Elsewhere",
            &[(OTHER_GUILD_CHANNEL, "general")],
        )
        .start()
        .await
}

struct RunningBot {
    app: Arc<App>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub struct Harness {
    pub fake: FakeDiscord,
    pub clock: ManualClock,
    pub dir: TempDir,
    /// Where the SQLite database file lives (`dir` unless a test puts it elsewhere).
    pub db_dir: PathBuf,
    /// The PostgreSQL database the bot runs on, when this run is on PostgreSQL.
    pub postgres: Option<String>,
    pub questions: PathBuf,
    pub guild_commands: Option<u64>,
    /// Run the bot on the system clock instead of the manual one (benchmarks).
    pub system_clock: bool,
    /// `DISCORD_SHARDS` of the bot (`None`: every shard).
    pub shards: Option<qotd::core::sharding::ShardRange>,
    /// `METRICS_ADDR` of the bot (`127.0.0.1:0`: any free port, see `App::metrics_addr`).
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Its REST calls not paced ([`Harness::unpaced`]).
    unpaced: bool,
    bot: Option<RunningBot>,
}

impl Harness {
    pub async fn new(fake: FakeDiscord, start: DateTime<Utc>) -> Self {
        init_tracing();
        let dir = tempfile::tempdir().unwrap();
        let postgres = if on_postgres() {
            Some(database::fresh_postgres().await)
        } else {
            None
        };
        fake.set_time(&discord_timestamp(start));
        Self {
            fake,
            clock: ManualClock::new(start),
            db_dir: dir.path().to_path_buf(),
            postgres,
            dir,
            questions: repo_path("questions.yaml"),
            guild_commands: None,
            system_clock: false,
            shards: None,
            metrics_addr: None,
            unpaced: false,
            bot: None,
        }
    }

    /// A bot started on 2026-06-01 at 12:00 UTC with [`CHANNEL`] set up for 09:00 New
    /// York (with `extra` setup options), and that channel's first question, finished.
    pub async fn with_first_post(extra: Vec<Value>) -> (Self, qotd::storage::DailyPost) {
        let mut harness = Self::started(at("2026-06-01T12:00:00Z")).await;
        let post = harness.first_post_at_nine(CHANNEL, extra).await;
        (harness, post)
    }

    /// [`Harness::with_first_post`] on a SQLite file whatever the run's backend.
    pub async fn with_first_post_on_sqlite(extra: Vec<Value>) -> (Self, qotd::storage::DailyPost) {
        let mut harness = Self::started_on_sqlite(at("2026-06-01T12:00:00Z")).await;
        let post = harness.first_post_at_nine(CHANNEL, extra).await;
        (harness, post)
    }

    /// A bot that, on 2026-06-01 at 12:00 UTC, set `channel` up for 09:00 New York and
    /// was stopped (for tests that prepare the database or Discord while it is down).
    pub async fn stopped_after_setup(channel: u64) -> Self {
        let mut harness = Self::started(at("2026-06-01T12:00:00Z")).await;
        harness.setup_nine_new_york(channel, vec![]).await;
        harness.stop_bot().await;
        harness
    }

    pub async fn started(start: DateTime<Utc>) -> Self {
        let mut harness = Self::new(default_fake().await, start).await;
        harness.start_bot().await;
        harness
    }

    /// [`Harness::started`] on a SQLite file whatever the run's backend.
    pub async fn started_on_sqlite(start: DateTime<Utc>) -> Self {
        let mut harness = Self::new(default_fake().await, start).await.on_sqlite();
        harness.start_bot().await;
        harness
    }

    /// The SQLite file (for tests of SQLite's own behaviour: see [`Harness::on_sqlite`]).
    pub fn db_path(&self) -> PathBuf {
        assert!(self.postgres.is_none(), "this harness runs on PostgreSQL");
        self.db_dir.join("qotd.db")
    }

    /// Runs the bot on a SQLite file whatever the run's backend: for tests of what
    /// only SQLite does (its file, its disk).
    pub fn on_sqlite(mut self) -> Self {
        self.postgres = None;
        self
    }

    /// A bot whose REST calls are not paced: what it costs without Discord's global
    /// limit (a benchmark's own-cost rows).
    pub fn unpaced(mut self) -> Self {
        self.unpaced = true;
        self
    }

    /// `DATABASE_URL` of the bot's database.
    pub fn database_url(&self) -> String {
        match &self.postgres {
            Some(url) => url.clone(),
            None => database::sqlite_url(&self.db_dir),
        }
    }

    /// Starts the bot and waits until its slash commands are registered.
    pub async fn start_bot(&mut self) {
        assert!(self.bot.is_none(), "the bot is already running");
        let since = self.fake.request_count();
        let app = self.new_app().await;
        let connection = Connection {
            token: Token::new("fake-token"),
            api_proxy: Some(self.fake.base_url()),
            guild_id: self.guild_commands,
            metrics_addr: self.metrics_addr,
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(qotd::startup::run(connection, app.clone(), async move {
            let _ = stopped.await;
        }));
        self.bot = Some(RunningBot { app, stop, task });
        self.waiter().commands_registered(since).await;
    }

    /// An App as the bot runs on: this harness's database file, bank and clock (for
    /// tests that drive the bot's parts without a running bot).
    pub async fn new_app(&self) -> Arc<App> {
        let store = Store::open(&self.database_url()).await.unwrap();
        let library = qotd::bank_files::read_library(&self.questions).unwrap();
        let clock: Arc<dyn Clock> = if self.system_clock {
            self.fake.use_wall_clock();
            Arc::new(qotd::clock::SystemClock)
        } else {
            Arc::new(self.clock.clone())
        };
        let app =
            App::new(store, library, clock, SchedulerControl::default()).with_shards(self.shards);
        Arc::new(match self.unpaced {
            true => app.with_pacer(qotd::pacer::Pacer::unpaced()),
            false => app,
        })
    }

    /// The daily workflow's Discord port over serenity's REST client, pointed at the
    /// fake the way `DISCORD_API_PROXY` points the bot (rate limiter off, no HTTP
    /// proxy), paced at the default rate.
    pub fn discord_http(&self) -> DiscordHttp {
        let pacer = qotd::pacer::Pacer::new(qotd::core::sharding::DEFAULT_REST_RATE);
        DiscordHttp::new(self.serenity_http(), Arc::new(pacer))
    }

    /// Serenity's REST client, pointed at the fake as [`Harness::discord_http`] is.
    pub fn serenity_http(&self) -> Arc<serenity::Http> {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let http = serenity::HttpBuilder::new("fake-token")
            .default_allowed_mentions(qotd::discord::no_pings())
            .proxy(self.fake.base_url())
            .ratelimiter_disabled(true)
            .client(client)
            .build();
        Arc::new(http)
    }

    /// Stops the bot the way SIGTERM does, and closes its database.
    pub async fn stop_bot(&mut self) {
        let bot = self.bot.take().expect("the bot is running");
        let _ = bot.stop.send(());
        bot.task.await.unwrap().unwrap();
        bot.app.store.close().await;
    }

    pub async fn restart_bot(&mut self) {
        self.stop_bot().await;
        self.start_bot().await;
    }

    pub fn app(&self) -> &Arc<App> {
        &self.bot.as_ref().expect("the bot is running").app
    }

    pub fn store(&self) -> &Store {
        &self.app().store
    }

    /// Moves the clock to `now` (the scheduler wakes if something fell due).
    /// Discord stamps the messages it creates with the same clock.
    pub fn set_time(&self, now: DateTime<Utc>) {
        self.clock.set(now);
        self.fake.set_time(&discord_timestamp(now));
    }

    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
        self.fake.set_time(&discord_timestamp(self.clock.now()));
    }

    /// Invokes a slash command. `options` is Discord's options array; `resolved` the
    /// channels/users it names. Returns the interaction token.
    pub fn slash(
        &mut self,
        invoker: &Invoker,
        channel_id: u64,
        name: &str,
        options: Value,
        resolved: Value,
    ) -> String {
        send_slash(
            &self.fake, GUILD, invoker, channel_id, name, options, resolved,
        )
    }

    /// `/qotd <sub> …` with the given sub-options.
    pub fn qotd(&mut self, invoker: &Invoker, sub: &str, options: Value) -> String {
        let resolved = resolved_channels(&options);
        self.slash(
            invoker,
            CHANNEL,
            "qotd",
            json!([{ "name": sub, "type": 1, "options": options }]),
            resolved,
        )
    }

    /// `/qotd <group> <sub> …` with the given sub-options.
    pub fn qotd_group(
        &mut self,
        invoker: &Invoker,
        group: &str,
        sub: &str,
        options: Value,
    ) -> String {
        let resolved = resolved_channels(&options);
        let sub = json!([{ "name": sub, "type": 1, "options": options }]);
        self.slash(
            invoker,
            CHANNEL,
            "qotd",
            json!([{ "name": group, "type": 2, "options": sub }]),
            resolved,
        )
    }

    /// `user` presses the button `custom_id` of `message` in their direct messages
    /// (channel `channel_id`): an interaction without a server.
    pub fn press_dm_button(
        &mut self,
        user: u64,
        channel_id: u64,
        custom_id: &str,
        message: Value,
    ) -> String {
        let (id, token) = new_interaction(&self.fake);
        let interaction = fixtures::dm_button(
            id,
            APPLICATION_ID,
            channel_id,
            user,
            &token,
            custom_id,
            message,
        );
        self.fake.interact(interaction)
    }

    pub fn autocomplete(&mut self, invoker: &Invoker, name: &str, options: Value) -> String {
        let (id, token) = new_interaction(&self.fake);
        let command_id = self.fake.command_id(name).unwrap_or(1);
        let interaction = fixtures::autocomplete(
            id,
            APPLICATION_ID,
            command_id,
            GUILD,
            CHANNEL,
            invoker,
            &token,
            name,
            options,
        );
        self.fake.interact(interaction)
    }

    pub fn press_button(
        &mut self,
        invoker: &Invoker,
        channel_id: u64,
        custom_id: &str,
        message: Value,
    ) -> String {
        self.press_button_in(GUILD, invoker, channel_id, custom_id, message)
    }

    /// `invoker` submits the modal `custom_id` opened from `message` with `fields`
    /// (text input id, value) in server `guild_id`.
    pub fn submit_modal(
        &mut self,
        guild_id: u64,
        invoker: &Invoker,
        custom_id: &str,
        fields: &[(&str, &str)],
        message: Value,
    ) -> String {
        let (id, token) = new_interaction(&self.fake);
        let interaction = fixtures::modal_submit(
            id,
            APPLICATION_ID,
            guild_id,
            CHANNEL,
            invoker,
            &token,
            custom_id,
            fields,
            message,
        );
        self.fake.interact(interaction)
    }

    /// Presses button `custom_id` of `message` in server `guild_id`.
    pub fn press_button_in(
        &mut self,
        guild_id: u64,
        invoker: &Invoker,
        channel_id: u64,
        custom_id: &str,
        message: Value,
    ) -> String {
        let (id, token) = new_interaction(&self.fake);
        let interaction = fixtures::button(
            id,
            APPLICATION_ID,
            guild_id,
            channel_id,
            invoker,
            &token,
            custom_id,
            message,
        );
        self.fake.interact(interaction)
    }

    /// Waits for the first callback of an interaction; returns (content, embeds, ephemeral).
    pub async fn reply(&self, token: &str) -> Reply {
        let callback = self.waiter().callback(token).await;
        let mut data = callback["data"].clone();
        // A deferred reply (type 5) is completed by a follow-up or an edit of @original.
        if callback["type"] == json!(5) {
            let fake = &self.fake;
            data = self
                .wait_until("the deferred reply", async || {
                    let log = fake.interaction(token)?;
                    // poise answers a deferred reply with a follow-up message.
                    if let Some(followup) = log.followups.first() {
                        return fake.message(*followup).map(|m| m.json);
                    }
                    fake.message(log.original_message_id?)?
                        .edits
                        .last()
                        .cloned()
                })
                .await;
            data["flags"] = callback["data"]["flags"].clone();
        }
        Reply::from_data(callback["type"].as_u64().unwrap_or(0), data)
    }

    /// `/<name>` without options by member `user` in [`CHANNEL`]; returns the reply.
    pub async fn member_command(&mut self, user: u64, name: &str) -> Reply {
        let token = self.slash(&member(user), CHANNEL, name, json!([]), json!({}));
        self.reply(&token).await
    }

    /// Every request the bot sent that can post text (a message, an edit, an
    /// interaction reply) allows no mention at all: empty `allowed_mentions.parse` and
    /// `allowed_mentions.roles`, so nothing pings @everyone, @here or a role.
    pub fn assert_no_mass_pings(&self) {
        for request in self.fake.requests() {
            let Some(body) = &request.body else { continue };
            let data = if request.path.contains("/callback") {
                &body["data"]
            } else {
                body
            };
            if data.get("content").is_none() && data.get("embeds").is_none() {
                continue;
            }
            let mentions = &data["allowed_mentions"];
            assert_eq!(
                (&mentions["parse"], &mentions["roles"]),
                (&json!([]), &json!([])),
                "{} {} sends text that could ping: {body}",
                request.method,
                request.path
            );
        }
    }

    /// What a wait re-checks on: the fake's changes and, while the bot runs, its Stats.
    pub fn waiter(&self) -> Waiter<'_> {
        let waiter = Waiter::on(&self.fake);
        match &self.bot {
            Some(bot) => waiter.and_stats(&bot.app.stats),
            None => waiter,
        }
    }

    /// Waits until `condition` holds (see [`Waiter::until`]).
    pub async fn wait_until<M: wait::Met>(
        &self,
        what: &str,
        condition: impl AsyncFnMut() -> M,
    ) -> M::Value {
        self.waiter().until(what, condition).await
    }

    /// Requests since `since` that match a method and a path prefix.
    pub fn requests_since(&self, since: usize, method: &str, path_prefix: &str) -> Vec<Request> {
        self.fake
            .requests()
            .into_iter()
            .skip(since)
            .filter(|r| r.is(method, path_prefix))
            .collect()
    }
}

/// A fresh interaction id and its token.
fn new_interaction(fake: &FakeDiscord) -> (u64, String) {
    let id = fake.next_id();
    (id, format!("token-{id}"))
}

/// Injects a slash command `name` from `invoker` in `channel_id` of `guild_id`;
/// returns the interaction token. `options` is Discord's options array; `resolved`
/// the channels/users it names (`{}`: the channels named in `options`).
pub fn send_slash(
    fake: &FakeDiscord,
    guild_id: u64,
    invoker: &Invoker,
    channel_id: u64,
    name: &str,
    options: Value,
    resolved: Value,
) -> String {
    let (id, token) = new_interaction(fake);
    let command_id = fake.command_id(name).unwrap_or(1);
    let resolved = if resolved == json!({}) {
        resolved_channels(&options)
    } else {
        resolved
    };
    let interaction = fixtures::slash_command(
        id,
        APPLICATION_ID,
        command_id,
        guild_id,
        channel_id,
        invoker,
        &token,
        name,
        options,
        resolved,
    );
    fake.interact(interaction)
}

/// The bot's counters tests wait on ([`qotd::stats::Stats`]).
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    MessagesHandled,
    ReactionsHandled,
    AnswerCommitFailures,
}

impl Counter {
    fn of(self, stats: &qotd::stats::Stats) -> u64 {
        qotd::stats::Stats::get(match self {
            Self::MessagesHandled => &stats.messages_handled,
            Self::ReactionsHandled => &stats.reactions_handled,
            Self::AnswerCommitFailures => &stats.answer_commit_failures,
        })
    }
}

/// What the bot answered to an interaction.
#[derive(Debug, Clone)]
pub struct Reply {
    pub kind: u64,
    pub content: String,
    pub embeds: Vec<Value>,
    pub ephemeral: bool,
    pub data: Value,
}

impl Reply {
    fn from_data(kind: u64, data: Value) -> Self {
        Self {
            kind,
            content: data["content"].as_str().unwrap_or("").to_owned(),
            embeds: data["embeds"].as_array().cloned().unwrap_or_default(),
            ephemeral: data["flags"].as_u64().is_some_and(|f| f & 64 != 0),
            data,
        }
    }

    /// Asserts the reply's content contains `text`, showing the reply if not.
    pub fn assert_says(&self, text: &str) -> &Self {
        assert!(
            self.content.contains(text),
            "expected {text:?} in the reply: {}",
            self.text()
        );
        self
    }

    /// Content and embed text together, for assertions.
    pub fn text(&self) -> String {
        let mut text = self.content.clone();
        for embed in &self.embeds {
            text.push('\n');
            text.push_str(&embed.to_string());
        }
        text
    }
}

/// The `resolved.channels` a slash command carries for the channel ids it names
/// (subcommand options included).
fn resolved_channels(options: &Value) -> Value {
    fn collect(
        options: &Value,
        channels: &mut serde_json::Map<String, Value>,
        users: &mut serde_json::Map<String, Value>,
        roles: &mut serde_json::Map<String, Value>,
    ) {
        for option in options.as_array().into_iter().flatten() {
            let Some(id) = option["value"].as_str() else {
                collect(&option["options"], channels, users, roles);
                continue;
            };
            if option["type"] == json!(7) {
                channels.insert(
                    id.to_owned(),
                    json!({ "id": id, "name": "channel", "type": 0, "permissions": "0" }),
                );
            } else if option["type"] == json!(8) {
                roles.insert(
                    id.to_owned(),
                    json!({
                        "id": id, "name": format!("role{id}"), "color": 0, "hoist": false,
                        "position": 1, "permissions": "0", "managed": false,
                        "mentionable": false, "flags": 0, "icon": null,
                        "unicode_emoji": null,
                        "colors": { "primary_color": 0, "secondary_color": null,
                                    "tertiary_color": null }
                    }),
                );
            } else if option["type"] == json!(6) {
                let user_id: u64 = id.parse().unwrap();
                let user = fixtures::user(user_id, &format!("user{id}"), false);
                users.insert(id.to_owned(), user);
            }
        }
    }
    let (mut channels, mut users, mut roles) = Default::default();
    collect(options, &mut channels, &mut users, &mut roles);
    let mut resolved = json!({ "channels": channels });
    if !users.is_empty() {
        resolved["users"] = Value::Object(users);
    }
    if !roles.is_empty() {
        resolved["roles"] = Value::Object(roles);
    }
    resolved
}

/// A channel option.
pub fn channel_option(name: &str, id: u64) -> Value {
    json!({ "name": name, "type": 7, "value": id.to_string() })
}

pub fn string_option(name: &str, value: &str) -> Value {
    json!({ "name": name, "type": 3, "value": value })
}

/// A role option.
pub fn role_option(name: &str, id: u64) -> Value {
    json!({ "name": name, "type": 8, "value": id.to_string() })
}

pub fn integer_option(name: &str, value: i64) -> Value {
    json!({ "name": name, "type": 4, "value": value })
}

/// A daily schedule for `channel` in [`GUILD`] at `post_time` in `zone`, with the
/// defaults of `/qotd setup` (reveal after 240 minutes or 1 💡, every category).
pub fn daily_schedule(channel: u64, post_time: &str, zone: &str) -> ScheduleSettings {
    ScheduleSettings {
        channel_id: channel,
        guild_id: GUILD,
        post_time: post_time.parse().unwrap(),
        timezone: qotd::core::daily_schedule::parse_timezone(zone).unwrap(),
        reveal_after_minutes: 240,
        reveal_reactions: 1,
        category: None,
        bank: None,
        private_answers: false,
    }
}

/// `now` as Discord writes a message's `timestamp`.
pub fn discord_timestamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// A message by another bot (`author.bot`), as Discord dispatches it.
pub fn bot_message(fake: &FakeDiscord, channel: u64, user: u64) -> Value {
    let mut message =
        fixtures::member_message(fake.next_id(), channel, GUILD, user, "bot", &[], "beep");
    message["author"]["bot"] = json!(true);
    message
}

/// `message` made a reply to `post` (type 19, with its `message_reference`).
pub fn as_reply_to(mut message: Value, post: &qotd::storage::DailyPost) -> Value {
    message["type"] = json!(19);
    message["message_reference"] = json!({
        "message_id": post.message_id.unwrap().to_string(),
        "channel_id": post.channel_id.to_string(),
    });
    message
}

/// Schedules every channel of `channels` (in [`GUILD`]) at `post_time` in `zone`, with
/// the defaults of `/qotd setup`, as set up at `now`.
pub async fn schedule_all(
    store: &Store,
    channels: impl IntoIterator<Item = u64>,
    post_time: &str,
    zone: &str,
    now: DateTime<Utc>,
) {
    for channel in channels {
        let settings = daily_schedule(channel, post_time, zone);
        store.upsert_schedule(&settings, now).await.unwrap();
    }
}

pub fn admin() -> Invoker {
    Invoker::admin(ADMIN)
}

pub fn member(id: u64) -> Invoker {
    Invoker::member(id)
}

impl Harness {
    /// Moves the clock to `now` and waits until the scheduler finished a pass that saw it.
    pub async fn tick_to(&self, now: DateTime<Utc>) {
        self.set_time(now);
        // The scheduler sleeps until the next due moment; wake it so a pass sees `now`
        // even when nothing is due (that is how tests check that nothing happens).
        self.app().scheduler.wake();
        let stats = &self.app().stats;
        self.wait_until(&format!("a scheduler pass at {now}"), async || {
            stats.last_pass_at.load(std::sync::atomic::Ordering::SeqCst) >= now.timestamp_millis()
        })
        .await;
    }

    /// Moves the clock to `now` and waits for a full pass of the loop of reminders,
    /// role rewards and seasons that saw it.
    pub async fn tick_engagement(&self, now: DateTime<Utc>) {
        self.set_time(now);
        self.app().engagement.notify_one();
        let stats = &self.app().stats;
        self.wait_until(&format!("an engagement pass at {now}"), async || {
            stats
                .last_engagement_at
                .load(std::sync::atomic::Ordering::SeqCst)
                >= now.timestamp_millis()
        })
        .await;
    }

    /// One of the bot's counters (since it started).
    pub fn count(&self, counter: Counter) -> u64 {
        counter.of(&self.app().stats)
    }

    /// Waits until one of the bot's counters reaches `target`.
    pub async fn wait_count(&self, counter: Counter, target: u64) {
        self.wait_until(&format!("{counter:?} to reach {target}"), async || {
            self.count(counter) >= target
        })
        .await;
    }

    /// `/qotd <sub> name:<name>` by an admin (team-add, team-remove); returns the reply.
    pub async fn qotd_team(&mut self, sub: &str, name: &str) -> Reply {
        let token = self.qotd(&admin(), sub, json!([string_option("name", name)]));
        self.reply(&token).await
    }

    /// `/qotd <sub> channel:<channel>` by an admin; returns the reply.
    pub async fn qotd_on(&mut self, sub: &str, channel: u64) -> Reply {
        let token = self.qotd(&admin(), sub, json!([channel_option("channel", channel)]));
        self.reply(&token).await
    }

    /// `/qotd setup` for `channel`; panics unless it succeeded.
    pub async fn setup(
        &mut self,
        channel: u64,
        time: &str,
        zone: &str,
        extra: Vec<Value>,
    ) -> Reply {
        let mut options = vec![
            channel_option("channel", channel),
            string_option("time", time),
            string_option("timezone", zone),
        ];
        options.extend(extra);
        let token = self.qotd(&admin(), "setup", Value::Array(options));
        let reply = self.reply(&token).await;
        assert!(
            reply.content.starts_with("✅"),
            "setup failed: {}",
            reply.text()
        );
        reply
    }

    /// The daily posts the bot made in `channel` (messages titled "Question of the day").
    pub fn daily_messages(&self, channel: u64) -> Vec<fake_discord::StoredMessage> {
        daily_messages(&self.fake, channel)
    }

    /// Waits until `channel` has its `seq`-th daily post, with its 💡 and thread.
    pub async fn wait_daily_post(&self, channel: u64, seq: i64) -> qotd::storage::DailyPost {
        self.wait_until(
            &format!("daily post #{seq} in {channel}, with its 💡 and thread"),
            async || {
                let post = self.store().latest_daily_post(channel).await.unwrap()?;
                (post.seq >= seq && post.thread_id.is_some() && post.reacted).then_some(post)
            },
        )
        .await
    }
}

/// The daily posts in `channel` (messages titled "Question of the day").
pub fn daily_messages(fake: &FakeDiscord, channel: u64) -> Vec<fake_discord::StoredMessage> {
    fake.messages_in(channel)
        .into_iter()
        .filter(|m| {
            m.embeds()
                .first()
                .and_then(|e| e["title"].as_str())
                .is_some_and(|t| t.starts_with("Question of the day"))
        })
        .collect()
}

/// Asserts every channel has exactly one daily post, with its 💡 and thread.
pub fn assert_one_daily_post_each(fake: &FakeDiscord, channels: impl IntoIterator<Item = u64>) {
    for channel in channels {
        let posts = daily_messages(fake, channel);
        assert_eq!(
            posts.len(),
            1,
            "channel {channel} has exactly one daily post"
        );
        assert!(posts[0].own_reactions.contains("💡"), "channel {channel}");
        assert!(posts[0].thread_id.is_some(), "channel {channel}");
    }
}

/// Every row of every table, as text: to prove a refused command changed nothing.
pub async fn snapshot(store: &Store) -> String {
    match store.pool() {
        qotd::storage::Pool::Sqlite(pool) => sqlite_snapshot(pool).await,
        qotd::storage::Pool::Postgres(pool) => postgres_snapshot(pool).await,
    }
}

async fn postgres_snapshot(pool: &sqlx::PgPool) -> String {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_name != '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = String::new();
    for table in tables {
        let sql = format!(
            "SELECT COALESCE(string_agg(r, ';' ORDER BY r), '') FROM (SELECT t::TEXT AS r FROM {table} t) rows"
        );
        let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .unwrap();
        out.push_str(&format!("{table}: {rows}\n"));
    }
    out
}

async fn sqlite_snapshot(pool: &sqlx::SqlitePool) -> String {
    use sqlx::Row as _;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = String::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect();
        let row_text = columns
            .iter()
            .map(|c| format!("quote({c})"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let sql = format!(
            "SELECT COALESCE(group_concat(r, ';'), '') FROM (SELECT {row_text} AS r FROM {table} ORDER BY 1)"
        );
        let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .unwrap();
        out.push_str(&format!("{table}: {rows}\n"));
    }
    out
}

impl Harness {
    /// `/qotd setup` of `channel` for 09:00 America/New_York, with `extra` options.
    pub async fn setup_nine_new_york(&mut self, channel: u64, extra: Vec<Value>) -> Reply {
        self.setup(channel, "09:00", "America/New_York", extra)
            .await
    }

    /// Sets `channel` up for 09:00 New York with `extra` options (the clock must be on
    /// 2026-06-01 before 13:00 UTC) and waits for its first question, finished.
    pub async fn first_post_at_nine(
        &mut self,
        channel: u64,
        extra: Vec<Value>,
    ) -> qotd::storage::DailyPost {
        self.setup_nine_new_york(channel, extra).await;
        self.tick_to(at("2026-06-01T13:00:00Z")).await;
        self.wait_daily_post(channel, 1).await
    }

    /// `user` answers in `post`'s thread; returns the message id.
    pub fn answer(&self, post: &qotd::storage::DailyPost, user: u64) -> u64 {
        let thread = post.thread_id.expect("the post has its thread");
        self.fake.member_posts(
            GUILD,
            thread,
            user,
            &[],
            "My answer: it depends on context.",
        )
    }

    /// `user` answers in `post`'s thread and the bot records the answer.
    pub async fn answer_and_wait(&self, post: &qotd::storage::DailyPost, user: u64) {
        self.answer(post, user);
        self.wait_answer(post.id, user).await;
    }

    /// A member reacts 💡 to a message in [`CHANNEL`].
    pub fn lightbulb(&self, message_id: u64, user: u64) {
        self.react(message_id, user, "💡", false);
    }

    /// `user` (a bot if `bot`) reacts `emoji` to a message in [`CHANNEL`].
    pub fn react(&self, message_id: u64, user: u64, emoji: &str, bot: bool) {
        self.fake
            .react(GUILD, CHANNEL, message_id, user, emoji, bot, true);
    }

    /// A member takes back their 💡 on a message in [`CHANNEL`].
    pub fn take_back_lightbulb(&self, message_id: u64, user: u64) {
        self.fake
            .react(GUILD, CHANNEL, message_id, user, "💡", false, false);
    }

    /// [`Harness::lightbulb`], then waits until the bot handled it (with no other
    /// reaction in flight).
    pub async fn lightbulb_handled(&self, message_id: u64, user: u64) {
        let handled = self.count(Counter::ReactionsHandled);
        self.lightbulb(message_id, user);
        self.wait_count(Counter::ReactionsHandled, handled + 1)
            .await;
    }

    /// [`Harness::take_back_lightbulb`], then waits until the bot handled it (with no
    /// other reaction in flight).
    pub async fn take_back_lightbulb_handled(&self, message_id: u64, user: u64) {
        let handled = self.count(Counter::ReactionsHandled);
        self.take_back_lightbulb(message_id, user);
        self.wait_count(Counter::ReactionsHandled, handled + 1)
            .await;
    }

    /// How many times the bot edited a message.
    pub fn edit_count(&self, message_id: u64) -> usize {
        self.fake.message(message_id).map_or(0, |m| m.edits.len())
    }

    /// Waits until the bot edited a message; returns it.
    pub async fn wait_edited(&self, message_id: u64) -> fake_discord::StoredMessage {
        self.wait_until(&format!("an edit of message {message_id}"), async || {
            self.fake
                .message(message_id)
                .filter(|m| !m.edits.is_empty())
        })
        .await
    }

    /// "Hint revealed" announcements in a thread.
    pub fn hint_announcements(&self, thread: u64) -> usize {
        self.fake
            .messages_in(thread)
            .iter()
            .filter(|m| m.content().contains("Hint revealed"))
            .count()
    }

    /// A daily post as stored now.
    pub async fn stored_post(&self, post_id: i64) -> qotd::storage::DailyPost {
        self.store().daily_post(post_id).await.unwrap().unwrap()
    }

    /// When `user`'s answer to a post was recorded, if it was.
    pub async fn answered_at(&self, post_id: i64, user: u64) -> Option<DateTime<Utc>> {
        self.store().answered_at(post_id, user).await.unwrap()
    }

    /// `channel`'s schedule as stored now.
    pub async fn schedule(&self, channel: u64) -> qotd::storage::Schedule {
        self.store().schedule(channel).await.unwrap().unwrap()
    }

    /// `user`'s streak in [`CHANNEL`].
    pub async fn streak(&self, user: u64) -> qotd::core::streak_rules::MemberStreak {
        self.store().member_streak(CHANNEL, user).await.unwrap()
    }

    /// The hint of a question of the bank.
    pub fn hint_of(&self, question_id: &str) -> String {
        self.app()
            .library
            .default_bank()
            .get_str(question_id)
            .unwrap()
            .hint
            .clone()
    }

    /// Waits until a message containing `text` is in `channel` (or thread); returns it.
    pub async fn wait_message_in(&self, channel: u64, text: &str) -> fake_discord::StoredMessage {
        self.wait_until(
            &format!("a message containing {text:?} in {channel}"),
            async || {
                self.fake
                    .messages_in(channel)
                    .into_iter()
                    .find(|m| m.content().contains(text))
            },
        )
        .await
    }

    /// Waits until `user`'s answer to `post_id` is committed.
    pub async fn wait_answer(&self, post_id: i64, user: u64) {
        self.wait_until(&format!("{user}'s answer to post {post_id}"), async || {
            self.store()
                .answered_at(post_id, user)
                .await
                .unwrap()
                .is_some()
        })
        .await;
    }
}

/// Puts every schedule in private-answers mode with the shortest reveal timeout, a
/// minute (for the binary: its answers are shown a minute after its post).
pub async fn private_answers_shown_after_a_minute(store: &Store) {
    on_pool!(store, |pool| sqlx::query(
        "UPDATE schedules SET private_answers = TRUE, reveal_after_minutes = 1"
    )
    .execute(pool)
    .await
    .map(drop)
    .unwrap());
}

/// Schedules `(channel, server)` pairs for a minute ago, local time, in a zone where
/// that is today whenever the test runs (for the binary, which runs on the system
/// clock): their posts are due at once.
pub async fn schedule_due_a_minute_ago(
    store: &Store,
    channels: impl IntoIterator<Item = (u64, u64)>,
) {
    use chrono::Timelike as _;
    let now = Utc::now();
    let offset = 12 - now.hour() as i64;
    let zone = if offset >= 0 {
        format!("Etc/GMT-{offset}")
    } else {
        format!("Etc/GMT+{}", -offset)
    };
    let local = now.with_timezone(&qotd::core::daily_schedule::parse_timezone(&zone).unwrap());
    let post_time = (local - TimeDelta::minutes(1)).format("%H:%M").to_string();
    for (channel, guild) in channels {
        let mut settings = daily_schedule(channel, &post_time, &zone);
        settings.guild_id = guild;
        store
            .upsert_schedule(&settings, now - TimeDelta::hours(2))
            .await
            .unwrap();
    }
}
