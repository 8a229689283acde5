//! The REST half: every request is checked against the OpenAPI schema, recorded, then
//! answered from the fake's state (or with an injected fault).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::fixtures;
use crate::limits::Refusal;
use crate::members::RoleRefusal;
use crate::{
    APPLICATION_ID, Attachment, BOT_NAME, BOT_USER_ID, Fault, OWNER_ID, Request, Shared, State,
    StoredChannel, StoredMessage,
};

type Reply = (StatusCode, Option<Value>);

fn ok(body: Value) -> Reply {
    (StatusCode::OK, Some(body))
}

fn no_content() -> Reply {
    (StatusCode::NO_CONTENT, None)
}

fn error(status: StatusCode, code: u32, message: &str) -> Reply {
    (status, Some(json!({ "code": code, "message": message })))
}

fn unknown_channel() -> Reply {
    error(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
}

fn unknown_message() -> Reply {
    error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
}

pub(crate) async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Discord counts a request toward its limits when it arrives: not after this fake
    // has parsed it and checked it against the OpenAPI description, which under load
    // (a debug build, tests side by side on 2 cores) can hold requests back and let
    // them through together.
    let arrived = std::time::Instant::now();
    let full_path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    let Some(path) = full_path.strip_prefix("/api/v10") else {
        let mut state = shared.state();
        state
            .problems
            .push(format!("{method} {full_path}: not under /api/v10"));
        drop(state);
        shared.bump();
        return (StatusCode::NOT_FOUND, "not under /api/v10").into_response();
    };
    let path = path.to_owned();
    let method_name = method.as_str().to_owned();

    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (body_json, files) = if content_type.starts_with("multipart/form-data") {
        match read_multipart(&content_type, body).await {
            Ok(parts) => parts,
            Err(problem) => {
                shared
                    .state()
                    .problems
                    .push(format!("{method_name} {path}: {problem}"));
                (None, Vec::new())
            }
        }
    } else if body.is_empty() {
        (None, Vec::new())
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(value) => (Some(value), Vec::new()),
            Err(_) => (
                Some(json!({ "__non_json_body__": content_type })),
                Vec::new(),
            ),
        }
    };
    if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok())
        && !auth.starts_with("Bot ")
    {
        shared.state().problems.push(format!(
            "{method_name} {path}: Authorization is not `Bot <token>`"
        ));
    }

    let check = crate::openapi().check(&method_name, &path, body_json.as_ref());
    let token_refused = {
        let state = shared.state();
        let given = headers.get("authorization").and_then(|v| v.to_str().ok());
        state
            .accepted_token
            .as_ref()
            .is_some_and(|token| given != Some(format!("Bot {token}").as_str()))
    };

    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let refused = {
        let limits = &mut shared.state().limits;
        limits
            .admit(&token, &path, arrived)
            .and_then(|()| limits.admit_route(&method_name, &path, arrived))
    };
    let (latency, fault) = {
        let mut state = shared.state();
        let fault = state
            .route_faults
            .iter_mut()
            .find(|(method, prefix, faults)| {
                *method == method_name && path.starts_with(prefix.as_str()) && !faults.is_empty()
            })
            .and_then(|(_, _, faults)| faults.pop_front())
            .or_else(|| state.queued_faults.pop_front())
            .or_else(|| random_fault(&mut state));
        (state.latency, fault)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let reply = match fault {
        _ if refused.is_err() => limit_reply(refused),
        _ if token_refused => error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized"),
        Some(Fault::ServerError) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            0,
            "500: Internal Server Error",
        ),
        Some(Fault::RateLimited { retry_after }) => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(
                json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": false }),
            ),
        ),
        Some(Fault::AnswerLate(_)) | None => {
            route(&shared, &method_name, &path, &query, body_json.as_ref())
        }
    };
    let reply = if !files.is_empty() && reply.0.is_success() {
        attach_files(&shared, &path, reply, &files)
    } else {
        reply
    };

    {
        let mut state = shared.state();
        let seq = state.requests.len() as u64;
        for violation in &check.violations {
            state
                .problems
                .push(format!("{method_name} {path}: {violation}"));
        }
        state.requests.push(Request {
            seq,
            method: method_name,
            path,
            query,
            body: body_json,
            operation: check.operation,
            violations: check.violations,
            status: reply.0.as_u16(),
            files,
        });
    }
    let scope = match (refused, fault) {
        (Err(Refusal::Global { .. }), _) => Some("global"),
        (Err(Refusal::Route { .. }), _) => Some("user"),
        (_, Some(Fault::RateLimited { .. })) => Some("user"),
        _ => None,
    };
    shared
        .state()
        .limits
        .answered(reply.0.as_u16(), scope, std::time::Instant::now());
    shared.bump();
    if let Some(Fault::AnswerLate(delay)) = fault {
        tokio::time::sleep(delay).await;
    }

    if let Err(refusal) = refused {
        return limit_response(refusal);
    }
    let (status, body) = reply;
    let mut response = match body {
        Some(body) => (status, axum::Json(body)).into_response(),
        None => status.into_response(),
    };
    if let Some(Fault::RateLimited { retry_after }) = fault {
        let headers = response.headers_mut();
        headers.insert(
            "retry-after",
            retry_after.ceil().to_string().parse().unwrap(),
        );
        headers.insert("x-ratelimit-scope", "user".parse().unwrap());
    }
    response
}

/// A multipart body as Discord takes it: `payload_json` (the JSON body) and
/// `files[n]` parts.
async fn read_multipart(
    content_type: &str,
    body: Bytes,
) -> Result<(Option<Value>, Vec<Attachment>), String> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|error| format!("multipart without a boundary: {error}"))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let (mut payload, mut files) = (None, Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| format!("unreadable multipart body: {error}"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(|mime| mime.to_string());
        let data = field
            .bytes()
            .await
            .map_err(|error| format!("unreadable multipart part {name}: {error}"))?;
        if name == "payload_json" {
            let value = serde_json::from_slice(&data)
                .map_err(|error| format!("payload_json is not JSON: {error}"))?;
            payload = Some(value);
        } else if name.starts_with("files[") {
            let filename = filename.ok_or_else(|| format!("part {name} has no filename"))?;
            files.push(Attachment {
                filename,
                content_type,
                data: data.to_vec(),
            });
        } else {
            return Err(format!("unexpected multipart part {name:?}"));
        }
    }
    Ok((payload, files))
}

/// Stores uploaded files on the message a request created or edited: the message in
/// the reply (which then lists them), or the one an interaction response made or
/// updated.
fn attach_files(shared: &Shared, path: &str, reply: Reply, files: &[Attachment]) -> Reply {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut state = shared.state();
    let message_id = match (&reply.1, segments.as_slice()) {
        (Some(body), _) if body.get("channel_id").is_some() => {
            body["id"].as_str().and_then(|id| id.parse().ok())
        }
        (_, ["interactions", _, token, "callback"]) => {
            state.interactions.get(*token).and_then(|log| {
                match log.callbacks.last().map(|c| c["type"].as_u64()) {
                    Some(Some(7)) => log.message_id,
                    _ => log.original_message_id,
                }
            })
        }
        _ => None,
    };
    let Some(message) = message_id.and_then(|id| state.messages.get_mut(&id)) else {
        state.problems.push(format!(
            "POST {path}: files sent with no message to attach them to"
        ));
        return reply;
    };
    message.json["attachments"] = files
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let url = format!(
                "https://cdn.discordapp.com/attachments/{}/{}",
                message.channel_id, file.filename
            );
            json!({
                "id": (message.id + index as u64 + 1).to_string(),
                "filename": file.filename,
                "size": file.data.len(),
                "content_type": file.content_type,
                "url": url,
                "proxy_url": url,
            })
        })
        .collect();
    message.files = files.to_vec();
    match reply {
        (status, Some(body)) if body.get("channel_id").is_some() => {
            (status, Some(message.json.clone()))
        }
        other => other,
    }
}

/// Seeded xorshift: the same seed gives the same faults for the same request order.
fn random_fault(state: &mut State) -> Option<Fault> {
    let (probability, seed) = state.random_faults.as_mut()?;
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let roll = next();
    if roll >= *probability {
        return None;
    }
    Some(if next() < 0.5 {
        Fault::ServerError
    } else {
        Fault::RateLimited { retry_after: 0.05 }
    })
}

fn route(shared: &Shared, method: &str, path: &str, query: &str, body: Option<&Value>) -> Reply {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |i: usize| segments.get(i).and_then(|s| s.parse::<u64>().ok());
    let empty = json!({});
    let body = body.unwrap_or(&empty);

    // A denied channel answers 403 to everything on it.
    if segments.first() == Some(&"channels")
        && let Some(channel_id) = id(1)
    {
        let state = shared.state();
        let denied = state.denied_channels.contains(&channel_id)
            || state
                .channels
                .get(&channel_id)
                .and_then(|c| c.parent_id)
                .is_some_and(|parent| state.denied_channels.contains(&parent));
        if denied {
            return error(StatusCode::FORBIDDEN, 50013, "Missing Permissions");
        }
    }

    match (method, segments.as_slice()) {
        ("GET", ["gateway"]) | ("GET", ["gateway", "bot"]) => ok(json!({
            "url": format!("ws://{}/gateway", shared.addr),
            "shards": shared.state().recommended_shards.max(1),
            "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 },
        })),
        ("GET", ["oauth2", "applications", "@me"]) => ok(json!({
            "id": APPLICATION_ID.to_string(),
            "name": BOT_NAME,
            "icon": null,
            "description": "",
            "bot_public": true,
            "bot_require_code_grant": false,
            "owner": fixtures::user(OWNER_ID, "owner", false),
            "verify_key": "0",
            "team": null,
            "flags": 0,
        })),
        ("GET", ["users", "@me"]) => ok(fixtures::user(BOT_USER_ID, BOT_NAME, true)),
        ("PUT", ["applications", _, "commands"]) => {
            let commands = register_commands(shared, body);
            shared.state().global_commands = commands.clone();
            ok(Value::Array(commands))
        }
        ("PUT", ["applications", _, "guilds", guild, "commands"]) => {
            let commands = register_commands(shared, body);
            let guild: u64 = guild.parse().unwrap_or(0);
            shared
                .state()
                .guild_commands
                .insert(guild, commands.clone());
            ok(Value::Array(commands))
        }
        ("GET", ["applications", _, "commands"]) => {
            ok(Value::Array(shared.state().global_commands.clone()))
        }
        ("GET", ["channels", _]) => {
            let state = shared.state();
            match id(1).and_then(|c| state.channels.get(&c)) {
                Some(channel) => ok(channel_json(channel)),
                None => unknown_channel(),
            }
        }
        ("GET", ["guilds", _]) => {
            let state = shared.state();
            match id(1).and_then(|g| state.guilds.iter().find(|guild| guild.id == g)) {
                Some(guild) => ok(fixtures::guild(guild.id, &guild.name, OWNER_ID, &[])),
                None => error(StatusCode::NOT_FOUND, 10004, "Unknown Guild"),
            }
        }
        ("POST", ["users", "@me", "channels"]) => open_dm(shared, body),
        ("PUT" | "DELETE", ["guilds", _, "members", _, "roles", _]) => {
            let (guild, user, role) = (id(1).unwrap_or(0), id(3).unwrap_or(0), id(5).unwrap_or(0));
            let changed = shared
                .state()
                .members
                .change_role(guild, user, role, method == "PUT");
            match changed {
                Ok(()) => no_content(),
                Err(RoleRefusal::UnknownRole) => {
                    error(StatusCode::NOT_FOUND, 10011, "Unknown Role")
                }
                Err(RoleRefusal::MissingPermissions) => {
                    error(StatusCode::FORBIDDEN, 50013, "Missing Permissions")
                }
            }
        }
        ("POST", ["channels", _, "messages"]) => create_message(shared, id(1).unwrap_or(0), body),
        ("GET", ["channels", _, "messages"]) => list_messages(shared, id(1).unwrap_or(0), query),
        ("GET", ["channels", _, "messages", _]) => {
            let state = shared.state();
            match id(3)
                .and_then(|m| state.messages.get(&m))
                .filter(|m| !m.deleted)
            {
                Some(message) => ok(message.json.clone()),
                None => unknown_message(),
            }
        }
        ("PATCH", ["channels", _, "messages", _]) => edit_message(shared, id(3).unwrap_or(0), body),
        ("DELETE", ["channels", _, "messages", _]) => {
            let mut state = shared.state();
            match id(3).and_then(|m| state.messages.get_mut(&m)) {
                Some(message) => {
                    message.deleted = true;
                    no_content()
                }
                None => unknown_message(),
            }
        }
        ("GET", ["channels", _, "messages", _, "reactions", emoji]) => {
            let emoji = percent_decode(emoji);
            let state = shared.state();
            if id(1).is_none_or(|c| !state.channels.contains_key(&c)) {
                return unknown_channel();
            }
            let Some(message) = id(3).and_then(|m| state.messages.get(&m)) else {
                return unknown_message();
            };
            let param = |name: &str| {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                    .and_then(|n| n.parse::<u64>().ok())
            };
            let limit = param("limit").map_or(25, |n| n as usize).clamp(1, 100);
            let after = param("after").unwrap_or(0);
            let mut users: std::collections::BTreeMap<u64, bool> =
                message.reactions.get(&emoji).cloned().unwrap_or_default();
            if message.own_reactions.contains(&emoji) {
                users.insert(crate::BOT_USER_ID, true);
            }
            let listed: Vec<Value> = users
                .into_iter()
                .filter(|(user, _)| *user > after)
                .take(limit)
                .map(|(user, bot)| {
                    let name = if user == crate::BOT_USER_ID {
                        crate::BOT_NAME.to_owned()
                    } else {
                        format!("user{user}")
                    };
                    fixtures::user(user, &name, bot)
                })
                .collect();
            ok(Value::Array(listed))
        }
        ("PUT" | "DELETE", ["channels", _, "messages", _, "reactions", emoji, "@me"]) => {
            let emoji = percent_decode(emoji);
            let mut state = shared.state();
            if id(1).is_none_or(|c| !state.channels.contains_key(&c)) {
                return unknown_channel();
            }
            match id(3).and_then(|m| state.messages.get_mut(&m)) {
                Some(message) => {
                    if method == "PUT" {
                        message.own_reactions.insert(emoji);
                    } else {
                        message.own_reactions.remove(&emoji);
                    }
                    no_content()
                }
                None => unknown_message(),
            }
        }
        ("POST", ["channels", _, "messages", _, "threads"]) => {
            start_thread(shared, id(1).unwrap_or(0), id(3).unwrap_or(0), body)
        }
        ("POST", ["interactions", _, token, "callback"]) => {
            interaction_callback(shared, token, body)
        }
        ("POST", ["webhooks", _, token]) => {
            let channel_id = shared
                .state()
                .interactions
                .get(*token)
                .map(|log| log.channel_id);
            let Some(channel_id) = channel_id else {
                return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
            };
            let reply = create_message_unchecked(shared, channel_id, body, APPLICATION_ID);
            if let (&StatusCode::OK, Some(message)) = (&reply.0, &reply.1) {
                let message_id = message["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                if let Some(log) = shared.state().interactions.get_mut(*token) {
                    log.followups.push(message_id);
                }
            }
            reply
        }
        ("GET" | "PATCH" | "DELETE", ["webhooks", _, token, "messages", target]) => {
            let message_id = if *target == "@original" {
                shared
                    .state()
                    .interactions
                    .get(*token)
                    .and_then(|log| log.original_message_id)
            } else {
                target.parse().ok()
            };
            let Some(message_id) = message_id else {
                return unknown_message();
            };
            match method {
                "GET" => {
                    let state = shared.state();
                    state
                        .messages
                        .get(&message_id)
                        .map_or_else(unknown_message, |m| ok(m.json.clone()))
                }
                "PATCH" => edit_message(shared, message_id, body),
                _ => {
                    let mut state = shared.state();
                    match state.messages.get_mut(&message_id) {
                        Some(message) => {
                            message.deleted = true;
                            no_content()
                        }
                        None => unknown_message(),
                    }
                }
            }
        }
        _ => {
            shared.state().problems.push(format!(
                "{method} {path}: the fake does not implement this route"
            ));
            error(StatusCode::NOT_FOUND, 0, "404: Not Found")
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn register_commands(shared: &Shared, body: &Value) -> Vec<Value> {
    body.as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut command| {
            command["id"] = json!(shared.next_id().to_string());
            command["application_id"] = json!(APPLICATION_ID.to_string());
            command["version"] = json!("1");
            if command.get("type").is_none() {
                command["type"] = json!(1);
            }
            command
        })
        .collect()
}

fn channel_json(channel: &StoredChannel) -> Value {
    if channel.kind == 11 {
        fixtures::thread(
            channel.id,
            channel.guild_id,
            &channel.name,
            channel.parent_id.unwrap_or(0),
            BOT_USER_ID,
        )
    } else {
        fixtures::channel(
            channel.id,
            channel.guild_id,
            &channel.name,
            channel.kind,
            channel.parent_id,
        )
    }
}

/// `POST /users/@me/channels`: the DM channel with `recipient_id`, opened once.
fn open_dm(shared: &Shared, body: &Value) -> Reply {
    let Some(user) = body["recipient_id"]
        .as_str()
        .and_then(|id| id.parse::<u64>().ok())
    else {
        return error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
    };
    let known = shared.state().members.dm_channels.get(&user).copied();
    let channel = match known {
        Some(channel) => channel,
        None => {
            let channel = shared.next_id();
            let mut state = shared.state();
            state.members.dm_channels.insert(user, channel);
            let dm = StoredChannel {
                id: channel,
                guild_id: 0,
                name: String::new(),
                kind: 1,
                parent_id: None,
            };
            state.channels.insert(channel, dm);
            channel
        }
    };
    ok(json!({
        "id": channel.to_string(),
        "type": 1,
        "last_message_id": null,
        "flags": 0,
        "recipients": [fixtures::user(user, &format!("user{user}"), false)],
    }))
}

fn create_message(shared: &Shared, channel_id: u64, body: &Value) -> Reply {
    let blocked = {
        let state = shared.state();
        if !state.channels.contains_key(&channel_id) {
            return unknown_channel();
        }
        let members = &state.members;
        members
            .recipient_of(channel_id)
            .is_some_and(|user| members.blocks_dms.contains(&user))
    };
    if blocked {
        return error(
            StatusCode::FORBIDDEN,
            50007,
            "Cannot send messages to this user",
        );
    }
    create_message_unchecked(shared, channel_id, body, BOT_USER_ID)
}

/// Creates a message from a create body; honours `nonce` + `enforce_nonce` the way
/// Discord does: a second create with the same nonce returns the first message.
fn create_message_unchecked(
    shared: &Shared,
    channel_id: u64,
    body: &Value,
    author_id: u64,
) -> Reply {
    let nonce = match &body["nonce"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if body["enforce_nonce"] == json!(true)
        && let Some(nonce) = &nonce
    {
        let state = shared.state();
        if let Some(existing) = state
            .messages
            .values()
            .find(|m| m.channel_id == channel_id && m.nonce.as_deref() == Some(nonce))
        {
            return ok(existing.json.clone());
        }
    }
    let id = shared.next_id();
    // A DM channel belongs to no server.
    let guild_id = shared
        .state()
        .channels
        .get(&channel_id)
        .map(|c| c.guild_id)
        .filter(|guild| *guild != 0);
    let mut message = fixtures::message(
        id,
        channel_id,
        guild_id,
        fixtures::user(author_id, BOT_NAME, true),
        body["content"].as_str().unwrap_or(""),
    );
    message["timestamp"] = json!(shared.timestamp());
    for key in ["embeds", "components", "flags", "message_reference"] {
        if let Some(value) = body.get(key).filter(|v| !v.is_null()) {
            message[key] = value.clone();
        }
    }
    if let Some(nonce) = &nonce {
        message["nonce"] = json!(nonce);
    }
    let dispatch = {
        let mut state = shared.state();
        state.messages.insert(
            id,
            StoredMessage::new(id, channel_id, message.clone(), nonce),
        );
        state.dispatch_own_messages
    };
    if dispatch {
        shared.gateway.dispatch("MESSAGE_CREATE", message.clone());
    }
    ok(message)
}

fn list_messages(shared: &Shared, channel_id: u64, query: &str) -> Reply {
    let state = shared.state();
    if !state.channels.contains_key(&channel_id) {
        return unknown_channel();
    }
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|n| n.parse::<u64>().ok())
    };
    let limit = param("limit").map_or(50, |n| n as usize).clamp(1, 100);
    let in_channel = state
        .messages
        .values()
        .filter(|m| m.channel_id == channel_id && !m.deleted);
    // Newest first, as Discord lists them; `after` gives the oldest `limit` after it.
    let messages: Vec<Value> = match (param("after"), param("before")) {
        (Some(after), _) => {
            let mut oldest: Vec<Value> = in_channel
                .filter(|m| m.id > after)
                .take(limit)
                .map(|m| m.json.clone())
                .collect();
            oldest.reverse();
            oldest
        }
        (None, before) => in_channel
            .rev()
            .filter(|m| before.is_none_or(|before| m.id < before))
            .take(limit)
            .map(|m| m.json.clone())
            .collect(),
    };
    ok(Value::Array(messages))
}

fn edit_message(shared: &Shared, message_id: u64, body: &Value) -> Reply {
    let mut state = shared.state();
    let Some(message) = state.messages.get_mut(&message_id).filter(|m| !m.deleted) else {
        return unknown_message();
    };
    for key in ["content", "embeds", "components", "flags"] {
        if let Some(value) = body.get(key) {
            message.json[key] = value.clone();
        }
    }
    message.json["edited_timestamp"] = json!(fixtures::TIMESTAMP);
    message.edits.push(body.clone());
    ok(message.json.clone())
}

/// A thread started from a message has the message's id (Discord: "the created thread
/// and the message it was started from will share the same id").
fn start_thread(shared: &Shared, channel_id: u64, message_id: u64, body: &Value) -> Reply {
    let thread_id = message_id;
    let mut state = shared.state();
    let Some(parent) = state.channels.get(&channel_id).cloned() else {
        return unknown_channel();
    };
    let Some(message) = state.messages.get_mut(&message_id).filter(|m| !m.deleted) else {
        return unknown_message();
    };
    if message.thread_id.is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            160004,
            "A thread has already been created for this message",
        );
    }
    message.thread_id = Some(thread_id);
    let name = body["name"].as_str().unwrap_or("thread").to_owned();
    let thread = StoredChannel {
        id: thread_id,
        guild_id: parent.guild_id,
        name,
        kind: 11,
        parent_id: Some(channel_id),
    };
    let json = channel_json(&thread);
    message.json["thread"] = json.clone();
    state.channels.insert(thread_id, thread);
    (StatusCode::CREATED, Some(json))
}

fn interaction_callback(shared: &Shared, token: &str, body: &Value) -> Reply {
    let channel_id = {
        let mut state = shared.state();
        let Some(log) = state.interactions.get_mut(token) else {
            return error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
        };
        if !log.callbacks.is_empty() {
            return error(
                StatusCode::BAD_REQUEST,
                40060,
                "Interaction has already been acknowledged.",
            );
        }
        log.callbacks.push(body.clone());
        log.channel_id
    };
    match body["type"].as_u64() {
        // CHANNEL_MESSAGE_WITH_SOURCE: the response is a message in the channel.
        Some(4) => {
            let data = body.get("data").cloned().unwrap_or_else(|| json!({}));
            let reply = create_message_unchecked(shared, channel_id, &data, APPLICATION_ID);
            if let Some(message) = reply.1 {
                let id = message["id"].as_str().and_then(|s| s.parse().ok());
                if let Some(log) = shared.state().interactions.get_mut(token) {
                    log.original_message_id = id;
                }
            }
        }
        // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: a placeholder the bot edits later.
        Some(5) => {
            let reply = create_message_unchecked(
                shared,
                channel_id,
                &json!({ "content": "" }),
                APPLICATION_ID,
            );
            if let Some(message) = reply.1 {
                let id = message["id"].as_str().and_then(|s| s.parse().ok());
                if let Some(log) = shared.state().interactions.get_mut(token) {
                    log.original_message_id = id;
                }
            }
        }
        // UPDATE_MESSAGE: a component edits the message it is on.
        Some(7) => {
            let message_id = shared
                .state()
                .interactions
                .get(token)
                .and_then(|log| log.message_id);
            if let Some(message_id) = message_id {
                let data = body.get("data").cloned().unwrap_or_else(|| json!({}));
                edit_message(shared, message_id, &data);
            }
        }
        _ => {}
    }
    shared.bump();
    no_content()
}

/// The recorded answer to a request a limit refused ([`limit_response`] sends it).
fn limit_reply(refused: Result<(), Refusal>) -> Reply {
    match refused {
        Err(Refusal::Global { retry_after }) => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(json!({
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": true,
            })),
        ),
        Err(Refusal::Route { retry_after }) => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(json!({
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": false,
            })),
        ),
        _ => (StatusCode::TOO_MANY_REQUESTS, None),
    }
}

/// What Discord sends past a limit: the global 429 with its headers, or
/// Cloudflare's ban page.
fn limit_response(refusal: Refusal) -> axum::response::Response {
    match refusal {
        Refusal::Global { retry_after } => {
            let body = limit_reply(Err(refusal)).1.unwrap_or_default();
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            let headers = response.headers_mut();
            headers.insert("x-ratelimit-global", "true".parse().unwrap());
            headers.insert("x-ratelimit-scope", "global".parse().unwrap());
            headers.insert(
                "retry-after",
                retry_after.ceil().to_string().parse().unwrap(),
            );
            response
        }
        Refusal::Route { retry_after } => {
            let body = limit_reply(Err(refusal)).1.unwrap_or_default();
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            let headers = response.headers_mut();
            headers.insert("x-ratelimit-scope", "user".parse().unwrap());
            headers.insert(
                "retry-after",
                retry_after.ceil().to_string().parse().unwrap(),
            );
            response
        }
        Refusal::Banned => (
            StatusCode::TOO_MANY_REQUESTS,
            [("content-type", "text/html")],
            "<!DOCTYPE html><title>Access denied</title><p>error code: 1015</p>",
        )
            .into_response(),
    }
}
