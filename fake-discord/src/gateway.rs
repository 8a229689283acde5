//! The gateway half: HELLO, IDENTIFY → READY → GUILD_CREATE, heartbeats, RESUME, and
//! dispatches and faults injected by tests.
//!
//! Events dispatched while no session is ready wait in an outbox and are delivered by
//! the next session once it is READY or RESUMED (as Discord replays missed events on
//! resume), so a test never loses an event to a reconnect it caused itself.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::State as AxumState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

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
    sent_at: Option<std::collections::HashMap<String, std::time::SystemTime>>,
    outbox: VecDeque<(String, Value)>,
    current: u64,
    control: Option<mpsc::UnboundedSender<Control>>,
    sessions: HashSet<String>,
    counts: Counts,
    closed: bool,
}

pub struct Hub {
    heartbeat_ms: u64,
    inner: Mutex<Inner>,
    wake: Notify,
}

impl Hub {
    pub fn new(heartbeat_ms: u64) -> Self {
        Self {
            heartbeat_ms,
            inner: Mutex::default(),
            wake: Notify::new(),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn dispatch_all(&self, events: impl IntoIterator<Item = (String, Value)>) {
        self.inner().outbox.extend(events);
        self.wake.notify_one();
    }

    pub fn dispatch(&self, event: &str, data: Value) {
        self.inner().outbox.push_back((event.to_owned(), data));
        self.wake.notify_one();
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

    pub fn control(&self, control: Control) {
        if let Some(sender) = &self.inner().control {
            let _ = sender.send(control);
        }
    }

    pub fn shutdown(&self) {
        let mut inner = self.inner();
        inner.closed = true;
        inner.control = None;
        drop(inner);
        self.wake.notify_waiters();
    }
}

pub(crate) async fn upgrade(
    AxumState(shared): AxumState<Arc<Shared>>,
    ws: WebSocketUpgrade,
) -> Response {
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
    let me = {
        let mut inner = hub.inner();
        if inner.closed {
            return;
        }
        inner.counts.connections += 1;
        inner.current += 1;
        inner.control = Some(control_tx);
        inner.current
    };
    shared.bump();
    if !send(
        &mut socket,
        json!({ "op": 10, "d": { "heartbeat_interval": hub.heartbeat_ms } }),
    )
    .await
    {
        return;
    }
    let mut seq: u64 = 0;
    let mut ready = false;
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
                match payload["op"].as_u64() {
                    Some(1) => {
                        hub.inner().counts.heartbeats += 1;
                        if !send(&mut socket, json!({ "op": 11 })).await { break; }
                    }
                    Some(2) => {
                        let session_id = format!("fake-session-{me}");
                        {
                            let mut inner = hub.inner();
                            inner.counts.identifies += 1;
                            inner.sessions.insert(session_id.clone());
                        }
                        seq = 1;
                        let guilds = shared.state().guilds.clone();
                        let ready_payload = json!({
                            "op": 0, "s": seq, "t": "READY",
                            "d": {
                                "v": 10,
                                "user": fixtures::user(BOT_USER_ID, BOT_NAME, true),
                                "guilds": guilds.iter().map(|g| json!({ "id": g.id.to_string(), "unavailable": true })).collect::<Vec<_>>(),
                                "session_id": session_id,
                                "resume_gateway_url": format!("ws://{}/gateway", shared.addr),
                                "application": { "id": APPLICATION_ID.to_string(), "flags": 0 },
                                "private_channels": [],
                            }
                        });
                        if !send(&mut socket, ready_payload).await { break; }
                        for guild in &guilds {
                            let channels: Vec<Value> = guild
                                .channels
                                .iter()
                                .map(|(id, name)| fixtures::channel(*id, guild.id, name, 0, None))
                                .collect();
                            seq += 1;
                            let event = json!({ "op": 0, "s": seq, "t": "GUILD_CREATE", "d": fixtures::guild(guild.id, &guild.name, OWNER_ID, &channels) });
                            if !send(&mut socket, event).await { break; }
                        }
                        ready = true;
                        hub.inner().counts.ready += 1;
                        shared.bump();
                        hub.wake.notify_one();
                    }
                    Some(6) => {
                        let session_id = payload["d"]["session_id"].as_str().unwrap_or_default().to_owned();
                        let known = {
                            let mut inner = hub.inner();
                            inner.counts.resumes += 1;
                            inner.sessions.contains(&session_id)
                        };
                        if known {
                            seq = payload["d"]["seq"].as_u64().unwrap_or(seq) + 1;
                            if !send(&mut socket, json!({ "op": 0, "s": seq, "t": "RESUMED", "d": {} })).await { break; }
                            ready = true;
                            hub.inner().counts.resumed += 1;
                            shared.bump();
                            hub.wake.notify_one();
                        } else if !send(&mut socket, json!({ "op": 9, "d": false })).await {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            control = control_rx.recv() => {
                match control {
                    Some(Control::Close) | None => {
                        let _ = socket.send(Message::Close(Some(CloseFrame { code: 4000, reason: "fake: closed by test".into() }))).await;
                        break;
                    }
                    Some(Control::Reconnect) => {
                        ready = false;
                        if !send(&mut socket, json!({ "op": 7, "d": null })).await { break; }
                    }
                    Some(Control::InvalidSession(resumable)) => {
                        ready = false;
                        if !resumable {
                            hub.inner().sessions.clear();
                        }
                        if !send(&mut socket, json!({ "op": 9, "d": resumable })).await { break; }
                    }
                }
            }
            _ = hub.wake.notified(), if ready => {
                loop {
                    let next = {
                        let mut inner = hub.inner();
                        if inner.current != me { None } else { inner.outbox.pop_front() }
                    };
                    let Some((event, data)) = next else { break };
                    seq += 1;
                    let sent = std::time::SystemTime::now();
                    if !send(&mut socket, json!({ "op": 0, "s": seq, "t": event, "d": data })).await {
                        // Not delivered: put it back for the next session.
                        hub.inner().outbox.push_front((event, data));
                        break;
                    }
                    let mut inner = hub.inner();
                    inner.counts.dispatched += 1;
                    if let (Some(times), Some(id)) = (inner.sent_at.as_mut(), data["id"].as_str()) {
                        times.insert(id.to_owned(), sent);
                    }
                }
                shared.bump();
            }
        }
    }
    let mut inner = hub.inner();
    if inner.current == me {
        inner.control = None;
    }
}
