//! The gateway half: HELLO, IDENTIFY → READY → GUILD_CREATE, heartbeats, RESUME, and
//! dispatches and faults injected by tests.
//!
//! Events dispatched while their shard has no session wait and are delivered by the
//! shard's next session once it is READY or RESUMED (as Discord replays missed events
//! on resume), so a test never loses an event to a reconnect it caused itself. While
//! a shard has several sessions (two processes running it), each gets every event.
//!
//! Sharding as Discord does it: IDENTIFY carries `shard: [id, total]`; the session's
//! READY lists only the servers on that shard (`(guild_id >> 22) % total`), and it gets
//! only their events (events without a server go to shard 0). A session that would
//! hold more servers than the fake allows (`max_guilds_per_session`) is closed with
//! 4011, "Sharding required".

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::State as AxumState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse as _, Response};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::fixtures;
use crate::{APPLICATION_ID, BOT_NAME, BOT_USER_ID, OWNER_ID, Shared};

/// What the fake did on the gateway so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub connections: u64,
    pub identifies: u64,
    pub ready: u64,
    pub resumes: u64,
    pub resumed: u64,
    pub heartbeats: u64,
    pub dispatched: u64,
    /// Sessions closed with 4011 (they would hold too many servers).
    pub sharding_required: u64,
}

#[derive(Debug, Clone, Copy)]
pub enum Control {
    Close,
    Reconnect,
    InvalidSession(bool),
}

#[derive(Default)]
struct Inner {
    /// When each dispatched event with a `d.id` went out (only while tracking).
    sent_at: Option<HashMap<String, std::time::SystemTime>>,
    /// Events of shards that had no live session: the next session of the shard gets
    /// them (so a test never loses an event to a reconnect it caused itself).
    pending: VecDeque<(String, Value)>,
    /// Each shard's live sessions (connection numbers): each gets every event of the
    /// shard, as Discord does when two processes run the same shard.
    live: HashMap<u32, Vec<u64>>,
    /// What each live session has still to send.
    queues: HashMap<u64, VecDeque<(String, Value)>>,
    /// Connections so far (each gets the next number).
    connections: u64,
    /// How many shards the sessions identified with (1 until one says otherwise).
    shard_total: u32,
    /// Each open connection's control channel.
    controls: HashMap<u64, mpsc::UnboundedSender<Control>>,
    /// Resumable sessions: session id -> shard.
    sessions: HashMap<String, u32>,
    counts: Counts,
    closed: bool,
}

impl Inner {
    /// The shard an event belongs to: its server's, or 0 without one.
    fn shard_of_event(&self, event: &str, data: &Value) -> u32 {
        let guild = match event {
            "GUILD_CREATE" | "GUILD_UPDATE" | "GUILD_DELETE" => &data["id"],
            _ => &data["guild_id"],
        };
        let guild = guild
            .as_str()
            .and_then(|id| id.parse::<u64>().ok())
            .or_else(|| guild.as_u64());
        guild.map_or(0, |g| shard_of(g, self.shard_total))
    }

    /// Queues an event for every live session of its shard, or keeps it for the next.
    fn push(&mut self, event: String, data: Value) {
        let shard = self.shard_of_event(&event, &data);
        match self
            .live
            .get(&shard)
            .filter(|sessions| !sessions.is_empty())
        {
            Some(sessions) => {
                for session in sessions.clone() {
                    let queue = self.queues.entry(session).or_default();
                    queue.push_back((event.clone(), data.clone()));
                }
            }
            None => self.pending.push_back((event, data)),
        }
    }

    /// `me` now serves `shard`: it takes the shard's pending events, in order.
    fn go_live(&mut self, me: u64, shard: u32) {
        let sessions = self.live.entry(shard).or_default();
        if !sessions.contains(&me) {
            sessions.push(me);
        }
        let (mine, others): (VecDeque<_>, VecDeque<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(event, data)| self.shard_of_event(event, data) == shard);
        self.pending = others;
        self.queues.entry(me).or_default().extend(mine);
    }

    /// `me` disconnected: what it had not sent goes back to pending when no other
    /// session of its shard has it.
    fn leave(&mut self, me: u64) {
        let mut orphaned = false;
        for sessions in self.live.values_mut() {
            if let Some(index) = sessions.iter().position(|s| *s == me) {
                sessions.remove(index);
                orphaned |= sessions.is_empty();
            }
        }
        let unsent = self.queues.remove(&me).unwrap_or_default();
        if orphaned {
            for event in unsent.into_iter().rev() {
                self.pending.push_front(event);
            }
        }
    }
}

/// Discord's rule: server `g` is on shard `(g >> 22) % total`.
pub fn shard_of(guild_id: u64, total: u32) -> u32 {
    ((guild_id >> 22) % u64::from(total.max(1))) as u32
}

pub struct Hub {
    heartbeat_ms: u64,
    /// Servers one session may hold before it is refused with 4011.
    max_guilds_per_session: Option<usize>,
    inner: Mutex<Inner>,
    /// Bumped whenever events wait or a session's readiness changes.
    wake: watch::Sender<u64>,
    /// New connections are answered 503 (Discord's gateway out of reach).
    pub(crate) refusing: std::sync::atomic::AtomicBool,
}

impl Hub {
    pub fn new(heartbeat_ms: u64, max_guilds_per_session: Option<usize>) -> Self {
        Self {
            heartbeat_ms,
            max_guilds_per_session,
            inner: Mutex::new(Inner {
                shard_total: 1,
                ..Inner::default()
            }),
            wake: watch::Sender::new(0),
            refusing: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn wake_sessions(&self) {
        self.wake.send_modify(|n| *n += 1);
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn dispatch_all(&self, events: impl IntoIterator<Item = (String, Value)>) {
        let mut inner = self.inner();
        for (event, data) in events {
            inner.push(event, data);
        }
        drop(inner);
        self.wake_sessions();
    }

    pub fn dispatch(&self, event: &str, data: Value) {
        self.inner().push(event.to_owned(), data);
        self.wake_sessions();
    }

    /// Starts recording when each dispatched event (by its `d.id`) is written to the socket.
    pub fn track_send_times(&self) {
        self.inner().sent_at = Some(Default::default());
    }

    pub fn sent_times(&self) -> std::collections::HashMap<String, std::time::SystemTime> {
        self.inner().sent_at.clone().unwrap_or_default()
    }

    pub fn counts(&self) -> Counts {
        self.inner().counts
    }

    /// Sends `control` to every open connection (also one that has not identified or
    /// resumed yet, so a fault injected right after a reconnect is not lost). A session
    /// invalidated for good can no longer be resumed.
    pub fn control(&self, control: Control) {
        let mut inner = self.inner();
        if let Control::InvalidSession(false) = control {
            inner.sessions.clear();
        }
        for sender in inner.controls.values() {
            let _ = sender.send(control);
        }
    }

    pub fn shutdown(&self) {
        let mut inner = self.inner();
        inner.closed = true;
        inner.controls.clear();
        drop(inner);
        self.wake_sessions();
    }
}

pub(crate) async fn upgrade(
    AxumState(shared): AxumState<Arc<Shared>>,
    ws: WebSocketUpgrade,
) -> Response {
    if shared
        .gateway
        .refusing
        .load(std::sync::atomic::Ordering::SeqCst)
    {
        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    ws.on_upgrade(move |socket| session(shared, socket))
}

async fn send(socket: &mut WebSocket, payload: Value) -> bool {
    socket
        .send(Message::Text(payload.to_string().into()))
        .await
        .is_ok()
}

async fn session(shared: Arc<Shared>, mut socket: WebSocket) {
    let hub = &shared.gateway;
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();
    let mut wake = hub.wake.subscribe();
    let me = {
        let mut inner = hub.inner();
        if inner.closed {
            return;
        }
        inner.counts.connections += 1;
        inner.connections += 1;
        let me = inner.connections;
        inner.controls.insert(me, control_tx);
        me
    };
    shared.bump();
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": hub.heartbeat_ms } });
    if send(&mut socket, hello).await {
        serve(&shared, &mut socket, me, &mut control_rx, &mut wake).await;
    }
    let mut inner = hub.inner();
    inner.controls.remove(&me);
    inner.leave(me);
}

/// What a session is: its shard once identified, its sequence number, whether it
/// receives dispatches.
struct Session {
    shard: Option<u32>,
    seq: u64,
    ready: bool,
}

async fn serve(
    shared: &Arc<Shared>,
    socket: &mut WebSocket,
    me: u64,
    control_rx: &mut mpsc::UnboundedReceiver<Control>,
    wake: &mut watch::Receiver<u64>,
) {
    let hub = &shared.gateway;
    let mut session = Session {
        shard: None,
        seq: 0,
        ready: false,
    };
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let text = match message {
                    Message::Text(text) => text.to_string(),
                    Message::Close(_) => break,
                    _ => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                let open = match payload["op"].as_u64() {
                    Some(1) => {
                        hub.inner().counts.heartbeats += 1;
                        send(socket, json!({ "op": 11 })).await
                    }
                    Some(2) => identify(shared, socket, me, &payload, &mut session).await,
                    Some(6) => resume(shared, socket, me, &payload, &mut session).await,
                    _ => true,
                };
                if !open {
                    break;
                }
            }
            control = control_rx.recv() => {
                let open = match control {
                    Some(Control::Close) | None => {
                        let _ = socket.send(Message::Close(Some(CloseFrame { code: 4000, reason: "fake: closed by test".into() }))).await;
                        false
                    }
                    Some(Control::Reconnect) => {
                        session.ready = false;
                        send(socket, json!({ "op": 7, "d": null })).await
                    }
                    Some(Control::InvalidSession(resumable)) => {
                        session.ready = false;
                        send(socket, json!({ "op": 9, "d": resumable })).await
                    }
                };
                if !open {
                    break;
                }
            }
            changed = wake.changed(), if session.ready => {
                if changed.is_err() || !deliver(shared, socket, me, &mut session).await {
                    break;
                }
            }
        }
    }
}

/// IDENTIFY: READY with the shard's servers, then a GUILD_CREATE for each; or 4011
/// when the shard would hold more servers than allowed. False when the socket closed.
async fn identify(
    shared: &Arc<Shared>,
    socket: &mut WebSocket,
    me: u64,
    payload: &Value,
    session: &mut Session,
) -> bool {
    let hub = &shared.gateway;
    let shard = payload["d"]["shard"][0].as_u64().unwrap_or(0) as u32;
    let total = (payload["d"]["shard"][1].as_u64().unwrap_or(1) as u32).max(1);
    let guilds: Vec<_> = shared
        .state()
        .guilds
        .iter()
        .filter(|g| shard_of(g.id, total) == shard)
        .cloned()
        .collect();
    if hub
        .max_guilds_per_session
        .is_some_and(|max| guilds.len() > max)
    {
        hub.inner().counts.sharding_required += 1;
        shared.bump();
        let close = CloseFrame {
            code: 4011,
            reason: "Sharding required.".into(),
        };
        let _ = socket.send(Message::Close(Some(close))).await;
        return false;
    }
    let session_id = format!("fake-session-{me}");
    {
        let mut inner = hub.inner();
        inner.counts.identifies += 1;
        inner.sessions.insert(session_id.clone(), shard);
        inner.shard_total = total;
        inner.go_live(me, shard);
    }
    session.shard = Some(shard);
    session.seq = 1;
    let ready_payload = json!({
        "op": 0, "s": session.seq, "t": "READY",
        "d": {
            "v": 10,
            "user": fixtures::user(BOT_USER_ID, BOT_NAME, true),
            "guilds": guilds.iter().map(|g| json!({ "id": g.id.to_string(), "unavailable": true })).collect::<Vec<_>>(),
            "session_id": session_id,
            "resume_gateway_url": format!("ws://{}/gateway", shared.addr),
            "shard": [shard, total],
            "application": { "id": APPLICATION_ID.to_string(), "flags": 0 },
            "private_channels": [],
        }
    });
    if !send(socket, ready_payload).await {
        return false;
    }
    for guild in &guilds {
        let channels: Vec<Value> = guild
            .channels
            .iter()
            .map(|(id, name)| fixtures::channel(*id, guild.id, name, 0, None))
            .collect();
        session.seq += 1;
        let event = json!({ "op": 0, "s": session.seq, "t": "GUILD_CREATE", "d": fixtures::guild(guild.id, &guild.name, OWNER_ID, &channels) });
        if !send(socket, event).await {
            return false;
        }
    }
    mark_ready(shared, session, |counts| counts.ready += 1);
    true
}

/// RESUME: RESUMED for a known session (then its missed events), else op 9.
async fn resume(
    shared: &Arc<Shared>,
    socket: &mut WebSocket,
    me: u64,
    payload: &Value,
    session: &mut Session,
) -> bool {
    let hub = &shared.gateway;
    let session_id = payload["d"]["session_id"].as_str().unwrap_or_default();
    let shard = {
        let mut inner = hub.inner();
        inner.counts.resumes += 1;
        let shard = inner.sessions.get(session_id).copied();
        if let Some(shard) = shard {
            inner.go_live(me, shard);
        }
        shard
    };
    let Some(shard) = shard else {
        return send(socket, json!({ "op": 9, "d": false })).await;
    };
    session.shard = Some(shard);
    session.seq = payload["d"]["seq"].as_u64().unwrap_or(session.seq) + 1;
    if !send(
        socket,
        json!({ "op": 0, "s": session.seq, "t": "RESUMED", "d": {} }),
    )
    .await
    {
        return false;
    }
    mark_ready(shared, session, |counts| counts.resumed += 1);
    true
}

/// The session receives its shard's events from now on (waiting ones first).
fn mark_ready(shared: &Shared, session: &mut Session, count: impl FnOnce(&mut Counts)) {
    session.ready = true;
    count(&mut shared.gateway.inner().counts);
    shared.bump();
    shared.gateway.wake_sessions();
}

/// Sends the session every waiting event of its shard. False when the socket closed.
async fn deliver(
    shared: &Arc<Shared>,
    socket: &mut WebSocket,
    me: u64,
    session: &mut Session,
) -> bool {
    let hub = &shared.gateway;
    if session.shard.is_none() {
        return true;
    }
    loop {
        let next = hub
            .inner()
            .queues
            .get_mut(&me)
            .and_then(VecDeque::pop_front);
        let Some((event, data)) = next else { break };
        session.seq += 1;
        let sent = std::time::SystemTime::now();
        let payload = json!({ "op": 0, "s": session.seq, "t": event, "d": data });
        if !send(socket, payload).await {
            // Not delivered: keep it for this shard's next session.
            let mut inner = hub.inner();
            inner
                .queues
                .entry(me)
                .or_default()
                .push_front((event, data));
            return false;
        }
        let mut inner = hub.inner();
        inner.counts.dispatched += 1;
        if let (Some(times), Some(id)) = (inner.sent_at.as_mut(), data["id"].as_str()) {
            times.insert(id.to_owned(), sent);
        }
    }
    shared.bump();
    true
}
