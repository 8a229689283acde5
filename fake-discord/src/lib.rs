//! A local fake Discord (REST + gateway) for end-to-end tests of the real bot.
//!
//! Started in-process on an ephemeral port. It keeps state (channels, messages and
//! their edits, threads, own reactions, registered commands, interaction responses),
//! records every request, checks every JSON body against Discord's OpenAPI schema,
//! injects gateway events and faults on demand, and lets tests await a request
//! matching a predicate instead of sleeping.

pub mod fixtures;
mod gateway;
mod limits;
mod members;
mod openapi;
mod rest;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

pub use limits::{DEFAULT_BAN_AT, LimitsReport};
pub use openapi::{Check, openapi};

pub const BOT_USER_ID: u64 = 900_000_000_000_000_001;
pub const APPLICATION_ID: u64 = BOT_USER_ID;
pub const OWNER_ID: u64 = 900_000_000_000_000_002;
pub const BOT_NAME: &str = "qotd-test";

/// A guild the fake serves, with its text channels.
#[derive(Debug, Clone)]
pub struct GuildSpec {
    pub id: u64,
    pub name: String,
    pub channels: Vec<(u64, String)>,
}

/// A fault the fake answers a REST call with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// 429 with `retry_after` seconds.
    RateLimited { retry_after: f64 },
    /// 500.
    ServerError,
    /// The call is carried out at once (its changes made, its gateway events sent),
    /// but its answer reaches the caller this much later: Discord may deliver the
    /// events of a call before its answer.
    AnswerLate(std::time::Duration),
}

/// One request the bot made.
#[derive(Debug, Clone)]
pub struct Request {
    pub seq: u64,
    pub method: String,
    /// The path after `/api/v10`, without the query.
    pub path: String,
    pub query: String,
    pub body: Option<Value>,
    pub operation: Option<String>,
    pub violations: Vec<String>,
    pub status: u16,
    /// Files of a multipart request (`files[n]` parts), in order.
    pub files: Vec<Attachment>,
}

/// A file uploaded with a message or an interaction response (multipart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

impl Request {
    pub fn is(&self, method: &str, path_prefix: &str) -> bool {
        self.method == method && self.path.starts_with(path_prefix)
    }
}

/// A message as the fake stores it.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub id: u64,
    pub channel_id: u64,
    /// The current JSON, after edits.
    pub json: Value,
    /// Every edit body, in order.
    pub edits: Vec<Value>,
    pub nonce: Option<String>,
    pub own_reactions: BTreeSet<String>,
    /// Other users' reactions: emoji → user id → whether the user is a bot.
    pub reactions: BTreeMap<String, BTreeMap<u64, bool>>,
    pub deleted: bool,
    /// The thread started from this message, if any.
    pub thread_id: Option<u64>,
    /// Files uploaded with the message (or with its latest edit that had files).
    pub files: Vec<Attachment>,
}

impl StoredMessage {
    /// A message just created: no edits, no reactions, no thread.
    pub(crate) fn new(id: u64, channel_id: u64, json: Value, nonce: Option<String>) -> Self {
        Self {
            id,
            channel_id,
            json,
            edits: Vec::new(),
            nonce,
            own_reactions: Default::default(),
            reactions: Default::default(),
            deleted: false,
            thread_id: None,
            files: Vec::new(),
        }
    }

    pub fn content(&self) -> &str {
        self.json["content"].as_str().unwrap_or("")
    }

    pub fn embeds(&self) -> &[Value] {
        self.json["embeds"].as_array().map_or(&[], Vec::as_slice)
    }
}

#[derive(Debug, Clone)]
pub struct StoredChannel {
    pub id: u64,
    pub guild_id: u64,
    pub name: String,
    pub kind: u8,
    pub parent_id: Option<u64>,
}

/// An interaction injected by a test, and what the bot answered.
#[derive(Debug, Clone, Default)]
pub struct InteractionLog {
    pub id: u64,
    pub channel_id: u64,
    pub guild_id: u64,
    /// Callback bodies (`POST /interactions/{id}/{token}/callback`), in order.
    pub callbacks: Vec<Value>,
    /// The message created by a type-4 callback or edited via `@original`.
    pub original_message_id: Option<u64>,
    /// Follow-up messages.
    pub followups: Vec<u64>,
    /// For a component interaction: the message the component is on.
    pub message_id: Option<u64>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// [`Builder::accept_only_token`].
    accepted_token: Option<String>,
    /// The global limit and the invalid-request ban ([`limits`]).
    limits: limits::Limits,
    /// DM channels and members' roles ([`members`]).
    members: members::Members,
    guilds: Vec<GuildSpec>,
    channels: BTreeMap<u64, StoredChannel>,
    messages: BTreeMap<u64, StoredMessage>,
    global_commands: Vec<Value>,
    guild_commands: HashMap<u64, Vec<Value>>,
    interactions: HashMap<String, InteractionLog>, // by token
    requests: Vec<Request>,
    problems: Vec<String>,
    latency: Duration,
    queued_faults: VecDeque<Fault>,
    /// Faults for the next calls of one route: (method, path prefix, faults).
    route_faults: Vec<(String, String, VecDeque<Fault>)>,
    denied_channels: HashSet<u64>,
    /// Seeded random faults: (probability, xorshift state).
    random_faults: Option<(f64, u64)>,
    dispatch_own_messages: bool,
    /// What `GET /gateway/bot` recommends.
    recommended_shards: u32,
    /// The time Discord stamps on the messages it creates (`timestamp`), when a test
    /// runs its own clock ([`FakeDiscord::set_time`]); the wall clock otherwise.
    now: Option<String>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    /// Bumped on every recorded request or state change, for waiters.
    changed: watch::Sender<u64>,
    pub(crate) gateway: gateway::Hub,
    addr: SocketAddr,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    fn next_id(&self) -> u64 {
        let mut state = self.state();
        state.next_id += 1;
        state.next_id
    }

    /// The `timestamp` of a message created now.
    pub(crate) fn timestamp(&self) -> String {
        self.state()
            .now
            .clone()
            .unwrap_or_else(fixtures::timestamp_now)
    }
}

/// Builds a fake with its guilds.
#[derive(Debug, Default)]
pub struct Builder {
    guilds: Vec<GuildSpec>,
    heartbeat_interval_ms: Option<u64>,
    recommended_shards: Option<u32>,
    max_guilds_per_session: Option<usize>,
    accepted_token: Option<String>,
    global_limit: Option<usize>,
}

impl Builder {
    /// Enforces Discord's global limit: `per_second` REST requests a second per token
    /// (Discord's is 50), interaction callbacks and follow-ups exempt; past it, `429`
    /// with `"global": true`. Off by default.
    pub fn global_limit(mut self, per_second: usize) -> Self {
        self.global_limit = Some(per_second);
        self
    }

    /// Answers 401 to every REST call whose token is not `token` (by default any
    /// token is accepted).
    pub fn accept_only_token(mut self, token: &str) -> Self {
        self.accepted_token = Some(token.to_owned());
        self
    }

    /// Adds a guild with text channels `(id, name)`.
    pub fn guild(mut self, id: u64, name: &str, channels: &[(u64, &str)]) -> Self {
        self.guilds.push(GuildSpec {
            id,
            name: name.to_owned(),
            channels: channels
                .iter()
                .map(|(id, name)| (*id, (*name).to_owned()))
                .collect(),
        });
        self
    }

    /// The shard count `GET /gateway/bot` recommends (1 by default).
    pub fn recommended_shards(mut self, shards: u32) -> Self {
        self.recommended_shards = Some(shards);
        self
    }

    /// Refuses (close code 4011) a session that would hold more servers than this.
    pub fn max_guilds_per_session(mut self, guilds: usize) -> Self {
        self.max_guilds_per_session = Some(guilds);
        self
    }

    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval_ms = Some(interval.as_millis() as u64);
        self
    }

    pub async fn start(self) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind an ephemeral port");
        let addr = listener.local_addr().expect("local address");
        let mut state = State {
            next_id: 1_300_000_000_000_000_000,
            dispatch_own_messages: true,
            recommended_shards: self.recommended_shards.unwrap_or(1),
            accepted_token: self.accepted_token.clone(),
            limits: limits::Limits::with_global_limit(self.global_limit),
            ..State::default()
        };
        for guild in &self.guilds {
            for (id, name) in &guild.channels {
                state.channels.insert(
                    *id,
                    StoredChannel {
                        id: *id,
                        guild_id: guild.id,
                        name: name.clone(),
                        kind: 0,
                        parent_id: None,
                    },
                );
            }
        }
        state.guilds = self.guilds;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            changed: watch::channel(0).0,
            gateway: gateway::Hub::new(
                self.heartbeat_interval_ms.unwrap_or(41_250),
                self.max_guilds_per_session,
            ),
            addr,
        });
        let app = axum::Router::new()
            .route("/gateway", axum::routing::get(gateway::upgrade))
            .fallback(rest::handle)
            .with_state(shared.clone());
        // No Nagle, as a real gateway: else each small frame written while the last
        // is unacknowledged waits for the client's delayed ACK, up to 40 ms.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord { shared, server }
    }
}

/// A running fake Discord. Dropping it stops the server.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
        self.shared.gateway.shutdown();
    }
}

/// How long helpers wait before failing a test.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl FakeDiscord {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The base URL to give the bot as `DISCORD_API_PROXY`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// A fresh snowflake, larger than any before.
    pub fn next_id(&self) -> u64 {
        self.shared.next_id()
    }

    /// Stamps the messages Discord creates from now on with `rfc3339` (a test's own
    /// clock: Discord stamps a message when it creates it).
    pub fn set_time(&self, rfc3339: &str) {
        self.shared.state().now = Some(rfc3339.to_owned());
    }

    /// Stamps the messages Discord creates with the wall clock again (the default).
    pub fn use_wall_clock(&self) {
        self.shared.state().now = None;
    }

    // ---- requests -------------------------------------------------------------

    pub fn requests(&self) -> Vec<Request> {
        self.shared.state().requests.clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.state().requests.len()
    }

    /// Schema violations, unknown routes and unexpected calls seen so far.
    pub fn problems(&self) -> Vec<String> {
        self.shared.state().problems.clone()
    }

    /// Panics listing every problem (schema violation, unknown route) recorded.
    pub fn assert_clean(&self) {
        let problems = self.problems();
        assert!(
            problems.is_empty(),
            "the fake Discord saw problems:\n{}",
            problems.join("\n")
        );
    }

    /// Notified on every recorded request and state change (a request, a gateway
    /// session, an event written to the socket), for waiters that combine the fake's
    /// changes with other signals.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.shared.changed.subscribe()
    }

    /// Waits until `condition` holds on the fake's state, or panics after `timeout`.
    pub async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut condition: impl FnMut(&FakeDiscord) -> Option<T>,
    ) -> T {
        let mut changes = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if let Some(value) = condition(self) {
                return value;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => panic!("the fake Discord stopped while waiting for {what}"),
                Err(_) => {
                    if let Some(value) = condition(self) {
                        return value;
                    }
                    let recent: Vec<String> = self
                        .requests()
                        .iter()
                        .rev()
                        .take(15)
                        .map(|r| format!("  {} {} -> {}", r.method, r.path, r.status))
                        .collect();
                    panic!(
                        "timed out after {timeout:?} waiting for {what}; latest requests:\n{}\nproblems: {:?}",
                        recent.join("\n"),
                        self.problems()
                    );
                }
            }
        }
    }

    /// Waits for the first request (since `since`, a request count) matching `matches`.
    pub async fn wait_for_request(
        &self,
        what: &str,
        since: usize,
        matches: impl Fn(&Request) -> bool,
    ) -> Request {
        self.wait_until(what, DEFAULT_TIMEOUT, |fake| {
            fake.shared
                .state()
                .requests
                .iter()
                .skip(since)
                .find(|r| matches(r))
                .cloned()
        })
        .await
    }

    // ---- state ------------------------------------------------------------------

    pub fn channel(&self, id: u64) -> Option<StoredChannel> {
        self.shared.state().channels.get(&id).cloned()
    }

    /// Adds a text channel to a guild (not announced over the gateway).
    pub fn add_channel(&self, guild_id: u64, id: u64, name: &str) {
        self.shared.state().channels.insert(
            id,
            StoredChannel {
                id,
                guild_id,
                name: name.to_owned(),
                kind: 0,
                parent_id: None,
            },
        );
    }

    /// Deletes a channel: later calls on it answer 404 Unknown Channel.
    pub fn delete_channel(&self, id: u64) {
        self.shared.state().channels.remove(&id);
    }

    /// Messages in a channel (not deleted), oldest first.
    pub fn messages_in(&self, channel_id: u64) -> Vec<StoredMessage> {
        self.shared
            .state()
            .messages
            .values()
            .filter(|m| m.channel_id == channel_id && !m.deleted)
            .cloned()
            .collect()
    }

    pub fn message(&self, id: u64) -> Option<StoredMessage> {
        self.shared.state().messages.get(&id).cloned()
    }

    pub fn global_commands(&self) -> Vec<Value> {
        self.shared.state().global_commands.clone()
    }

    pub fn guild_commands(&self, guild_id: u64) -> Vec<Value> {
        self.shared
            .state()
            .guild_commands
            .get(&guild_id)
            .cloned()
            .unwrap_or_default()
    }

    /// The log of the interaction injected with `token`.
    pub fn interaction(&self, token: &str) -> Option<InteractionLog> {
        self.shared.state().interactions.get(token).cloned()
    }

    /// Waits until the interaction with `token` got its first callback; returns it.
    pub async fn wait_for_callback(&self, token: &str) -> Value {
        self.wait_until(
            &format!("a callback to interaction {token}"),
            DEFAULT_TIMEOUT,
            |fake| {
                fake.interaction(token)
                    .and_then(|log| log.callbacks.first().cloned())
            },
        )
        .await
    }

    // ---- faults -----------------------------------------------------------------

    /// Adds `latency` to every REST call.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.state().latency = latency;
    }

    /// Answers the next REST calls with these faults, in order.
    pub fn queue_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.state().queued_faults.extend(faults);
    }

    /// Answers the next calls of `method` on paths starting with `path_prefix` (after
    /// `/api/v10`) with these faults, in order; other calls are unaffected.
    pub fn queue_faults_on(
        &self,
        method: &str,
        path_prefix: &str,
        faults: impl IntoIterator<Item = Fault>,
    ) {
        self.shared.state().route_faults.push((
            method.to_owned(),
            path_prefix.to_owned(),
            faults.into_iter().collect(),
        ));
    }

    /// Forgets every nonce, as Discord does after a few minutes: a create with an old
    /// nonce then makes a new message.
    pub fn forget_nonces(&self) {
        for message in self.shared.state().messages.values_mut() {
            message.nonce = None;
        }
    }

    /// Answers a share of REST calls (0.0–1.0) with a 500 or a 429, chosen by `seed`.
    pub fn set_random_faults(&self, probability: f64, seed: u64) {
        self.shared.state().random_faults = (probability > 0.0).then_some((probability, seed | 1));
    }

    /// Enforces (`Some`) or stops enforcing (`None`) the global limit.
    pub fn set_global_limit(&self, per_second: Option<usize>) {
        self.shared.state().limits.global_per_second = per_second;
    }

    /// Enforces (`true`) or stops enforcing each channel's message bucket: 5 messages
    /// per 5 s, as Discord does.
    pub fn set_channel_message_limit(&self, on: bool) {
        self.shared.state().limits.channel_messages =
            on.then_some((5, std::time::Duration::from_secs(5)));
    }

    /// Bans the IP after `invalid` invalid requests in ten minutes instead of
    /// Discord's [`DEFAULT_BAN_AT`].
    pub fn set_invalid_request_ban_at(&self, invalid: usize) {
        self.shared.state().limits.ban_at = invalid;
    }

    /// The global 429s, invalid requests, peak requests in a second and the ban.
    pub fn limits_report(&self) -> LimitsReport {
        self.shared.state().limits.report()
    }

    /// `user` takes no DMs from the bot: a message to them is refused with 50007.
    pub fn block_dms(&self, user: u64) {
        self.shared.state().members.blocks_dms.insert(user);
    }

    /// The messages the bot sent `user` in their DM channel, oldest first.
    pub fn dms_to(&self, user: u64) -> Vec<StoredMessage> {
        let channel = self.shared.state().members.dm_channels.get(&user).copied();
        channel.map_or_else(Vec::new, |channel| self.messages_in(channel))
    }

    /// Adds role `role` to server `guild` at `position` (higher is above).
    pub fn add_role(&self, guild: u64, role: u64, position: i64) {
        let members = &mut self.shared.state().members;
        members
            .roles
            .entry(guild)
            .or_default()
            .insert(role, position);
    }

    /// Puts the bot's highest role in server `guild` at `position`: it can give only
    /// the roles below.
    pub fn set_bot_role_position(&self, guild: u64, position: i64) {
        self.shared
            .state()
            .members
            .bot_position
            .insert(guild, position);
    }

    /// Takes Manage Roles from the bot in server `guild` (`false`) or gives it back.
    pub fn set_manage_roles(&self, guild: u64, granted: bool) {
        let members = &mut self.shared.state().members;
        match granted {
            true => members.without_manage_roles.remove(&guild),
            false => members.without_manage_roles.insert(guild),
        };
    }

    /// The roles member `user` has in server `guild`.
    pub fn member_roles(&self, guild: u64, user: u64) -> Vec<u64> {
        let members = &self.shared.state().members;
        let roles = members.member_roles.get(&(guild, user));
        roles.map_or_else(Vec::new, |roles| roles.iter().copied().collect())
    }

    /// Answers every call on `channel_id` with 403 Missing Permissions.
    pub fn deny_channel(&self, channel_id: u64) {
        self.shared.state().denied_channels.insert(channel_id);
    }

    pub fn allow_channel(&self, channel_id: u64) {
        self.shared.state().denied_channels.remove(&channel_id);
    }

    /// Whether the bot's own created messages are dispatched back as MESSAGE_CREATE
    /// (as Discord does). On by default.
    pub fn set_dispatch_own_messages(&self, on: bool) {
        self.shared.state().dispatch_own_messages = on;
    }

    // ---- gateway ----------------------------------------------------------------

    /// Sends a dispatch event to the connected bot (queued until a session is ready).
    pub fn dispatch(&self, event: &str, data: Value) {
        self.shared.gateway.dispatch(event, data);
    }

    /// Dispatches many events at once (one lock, one wake-up).
    pub fn dispatch_all(&self, events: impl IntoIterator<Item = (String, Value)>) {
        self.shared.gateway.dispatch_all(events);
    }

    /// Records when each dispatched event with a `d.id` is written to the socket.
    pub fn track_send_times(&self) {
        self.shared.gateway.track_send_times();
    }

    /// `d.id` → when it was written to the socket (since `track_send_times`).
    pub fn sent_times(&self) -> std::collections::HashMap<String, std::time::SystemTime> {
        self.shared.gateway.sent_times()
    }

    /// Sessions identified (IDENTIFY) and resumed (RESUME) so far.
    pub fn gateway_counts(&self) -> gateway::Counts {
        self.shared.gateway.counts()
    }

    /// Waits until at least `n` sessions reached READY or RESUMED.
    pub async fn wait_for_sessions(&self, n: u64) {
        self.wait_until(
            &format!("{n} gateway session(s)"),
            DEFAULT_TIMEOUT,
            |fake| {
                let counts = fake.gateway_counts();
                (counts.ready + counts.resumed >= n).then_some(())
            },
        )
        .await
    }

    /// Closes the bot's socket abruptly (code 4000: the client may resume).
    pub fn close_gateway(&self) {
        self.shared.gateway.control(gateway::Control::Close);
    }

    /// While `refusing`, new gateway connections are answered 503: with
    /// [`FakeDiscord::close_gateway`], the gateway is down until this is turned off.
    pub fn refuse_gateway(&self, refusing: bool) {
        self.shared
            .gateway
            .refusing
            .store(refusing, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sends op 7 Reconnect.
    pub fn request_reconnect(&self) {
        self.shared.gateway.control(gateway::Control::Reconnect);
    }

    /// Sends op 9 Invalid Session.
    pub fn invalidate_session(&self, resumable: bool) {
        self.shared
            .gateway
            .control(gateway::Control::InvalidSession(resumable));
    }

    // ---- event helpers ----------------------------------------------------------

    /// A member posts a message: it is stored (listed by `GET …/messages`) and
    /// dispatched to the connected session, if any. Returns its id.
    pub fn member_posts(
        &self,
        guild_id: u64,
        channel_id: u64,
        user_id: u64,
        roles: &[u64],
        content: &str,
    ) -> u64 {
        let id = self.next_id();
        let mut message = fixtures::member_message(
            id,
            channel_id,
            guild_id,
            user_id,
            &format!("user{user_id}"),
            roles,
            content,
        );
        message["timestamp"] = json!(self.shared.timestamp());
        self.post_message(message)
    }

    /// Stores a message built by a test (any author, reference, timestamp) and
    /// dispatches it, as Discord does when someone posts. Returns its id.
    pub fn post_message(&self, message: Value) -> u64 {
        let id = self.store_message(message.clone());
        self.dispatch("MESSAGE_CREATE", message);
        id
    }

    /// Stores a message without dispatching it: one posted while the bot had no
    /// gateway session, which Discord never sends to a new session (only a resumed
    /// one gets what it missed). The bot finds it only by reading the channel.
    pub fn store_message(&self, message: Value) -> u64 {
        let id: u64 = message["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("a message with a string id");
        let channel_id: u64 = message["channel_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("a message with a string channel_id");
        self.shared
            .state()
            .messages
            .insert(id, StoredMessage::new(id, channel_id, message, None));
        id
    }

    /// Injects a reaction add (or removal with `added: false`).
    #[allow(clippy::too_many_arguments)]
    pub fn react(
        &self,
        guild_id: u64,
        channel_id: u64,
        message_id: u64,
        user_id: u64,
        emoji: &str,
        bot: bool,
        added: bool,
    ) {
        if let Some(message) = self.shared.state().messages.get_mut(&message_id) {
            let users = message.reactions.entry(emoji.to_owned()).or_default();
            if added {
                users.insert(user_id, bot);
            } else {
                users.remove(&user_id);
            }
        }
        let event = if added {
            "MESSAGE_REACTION_ADD"
        } else {
            "MESSAGE_REACTION_REMOVE"
        };
        self.dispatch(
            event,
            fixtures::reaction(user_id, channel_id, message_id, guild_id, emoji, bot),
        );
    }

    /// Injects an INTERACTION_CREATE; `interaction` comes from `fixtures`. Its token
    /// is registered so callbacks and follow-ups are logged against it.
    pub fn interact(&self, interaction: Value) -> String {
        let token = interaction["token"].as_str().unwrap_or_default().to_owned();
        let log = InteractionLog {
            id: interaction["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            channel_id: interaction["channel_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            guild_id: interaction["guild_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            message_id: interaction["message"]["id"]
                .as_str()
                .and_then(|s| s.parse().ok()),
            ..InteractionLog::default()
        };
        self.shared.state().interactions.insert(token.clone(), log);
        self.dispatch("INTERACTION_CREATE", interaction);
        token
    }

    /// The id a registered command got (for building interactions).
    pub fn command_id(&self, name: &str) -> Option<u64> {
        let state = self.shared.state();
        state
            .global_commands
            .iter()
            .chain(state.guild_commands.values().flatten())
            .find(|c| c["name"] == json!(name))
            .and_then(|c| c["id"].as_str())
            .and_then(|id| id.parse().ok())
    }
}
