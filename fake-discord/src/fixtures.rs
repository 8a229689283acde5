//! JSON shapes of Discord objects, complete enough for serenity to deserialize.
//!
//! serenity drops an event it cannot deserialize without an error (it becomes
//! `Event::Unknown`, logged at DEBUG), so every required field is filled here.

use serde_json::{Value, json};

pub const TIMESTAMP: &str = "2026-01-01T00:00:00.000000+00:00";

/// The wall clock as Discord writes a message's `timestamp`.
pub fn timestamp_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// Permission bits used by tests.
pub mod permissions {
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    /// What an ordinary member has.
    pub const MEMBER: u64 = VIEW_CHANNEL | SEND_MESSAGES | (1 << 6) | (1 << 16) | (1 << 38);
}

pub fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": null,
        "bot": bot,
        "public_flags": 0,
    })
}

/// A guild member with its roles and, for interactions, its permissions.
pub fn member(user_id: u64, name: &str, roles: &[u64], permissions: Option<u64>) -> Value {
    let mut member = json!({
        "user": user(user_id, name, false),
        "nick": null,
        "avatar": null,
        "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "joined_at": TIMESTAMP,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
    });
    if let Some(permissions) = permissions {
        member["permissions"] = json!(permissions.to_string());
    }
    member
}

/// A text channel (kind 0) or public thread (kind 11).
pub fn channel(id: u64, guild_id: u64, name: &str, kind: u8, parent_id: Option<u64>) -> Value {
    json!({
        "id": id.to_string(),
        "guild_id": guild_id.to_string(),
        "type": kind,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": false,
        "parent_id": parent_id.map(|p| p.to_string()),
        "topic": null,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    })
}

pub fn thread(id: u64, guild_id: u64, name: &str, parent_id: u64, owner_id: u64) -> Value {
    let mut thread = channel(id, guild_id, name, 11, Some(parent_id));
    thread["owner_id"] = json!(owner_id.to_string());
    thread["thread_metadata"] = json!({
        "archived": false,
        "auto_archive_duration": 1440,
        "archive_timestamp": TIMESTAMP,
        "locked": false,
    });
    thread["message_count"] = json!(0);
    thread["member_count"] = json!(1);
    thread
}

pub fn role(id: u64, name: &str, permissions: u64) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": 0,
        "permissions": permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

/// A GUILD_CREATE payload with its channels.
pub fn guild(id: u64, name: &str, owner_id: u64, channels: &[Value]) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "icon": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": owner_id.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role(id, "@everyone", permissions::MEMBER)],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "joined_at": TIMESTAMP,
        "large": false,
        "unavailable": false,
        "member_count": 2,
        "voice_states": [],
        "members": [],
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    })
}

/// A message as Discord returns and dispatches it.
pub fn message(
    id: u64,
    channel_id: u64,
    guild_id: Option<u64>,
    author: Value,
    content: &str,
) -> Value {
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": content,
        "timestamp": timestamp_now(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    });
    if let Some(guild_id) = guild_id {
        message["guild_id"] = json!(guild_id.to_string());
    }
    message
}

/// A member's MESSAGE_CREATE in a guild channel or thread.
pub fn member_message(
    id: u64,
    channel_id: u64,
    guild_id: u64,
    user_id: u64,
    name: &str,
    roles: &[u64],
    content: &str,
) -> Value {
    let mut message = message(
        id,
        channel_id,
        Some(guild_id),
        user(user_id, name, false),
        content,
    );
    let mut partial = member(user_id, name, roles, None);
    partial.as_object_mut().unwrap().remove("user");
    message["member"] = partial;
    message
}

/// A MESSAGE_REACTION_ADD / _REMOVE payload for a unicode emoji.
pub fn reaction(
    user_id: u64,
    channel_id: u64,
    message_id: u64,
    guild_id: u64,
    emoji: &str,
    bot: bool,
) -> Value {
    let mut member = member(user_id, &format!("user{user_id}"), &[], None);
    member["user"]["bot"] = json!(bot);
    json!({
        "user_id": user_id.to_string(),
        "channel_id": channel_id.to_string(),
        "message_id": message_id.to_string(),
        "guild_id": guild_id.to_string(),
        "member": member,
        "emoji": { "id": null, "name": emoji },
        "burst": false,
        "burst_colors": [],
        "type": 0,
    })
}

/// Who invokes an interaction.
#[derive(Debug, Clone)]
pub struct Invoker {
    pub user_id: u64,
    pub name: String,
    pub roles: Vec<u64>,
    pub permissions: u64,
}

impl Invoker {
    pub fn member(user_id: u64) -> Self {
        Self {
            user_id,
            name: format!("member{user_id}"),
            roles: Vec::new(),
            permissions: permissions::MEMBER,
        }
    }

    pub fn admin(user_id: u64) -> Self {
        Self {
            permissions: permissions::MEMBER | permissions::MANAGE_GUILD,
            name: format!("admin{user_id}"),
            ..Self::member(user_id)
        }
    }
}

fn interaction_base(
    id: u64,
    kind: u8,
    application_id: u64,
    guild_id: u64,
    channel_id: u64,
    invoker: &Invoker,
    token: &str,
) -> Value {
    json!({
        "id": id.to_string(),
        "application_id": application_id.to_string(),
        "type": kind,
        "guild_id": guild_id.to_string(),
        "channel_id": channel_id.to_string(),
        "channel": { "id": channel_id.to_string(), "type": 0, "name": "channel", "guild_id": guild_id.to_string() },
        "member": member(invoker.user_id, &invoker.name, &invoker.roles, Some(invoker.permissions)),
        "token": token,
        "version": 1,
        "app_permissions": "2251799813685247",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "0": guild_id.to_string() },
        "context": 0,
        "attachment_size_limit": 8_388_608,
    })
}

/// A slash-command invocation (type 2). `options` is Discord's options array
/// (subcommand nesting included); `resolved` carries channels and users it names.
#[allow(clippy::too_many_arguments)]
pub fn slash_command(
    id: u64,
    application_id: u64,
    command_id: u64,
    guild_id: u64,
    channel_id: u64,
    invoker: &Invoker,
    token: &str,
    name: &str,
    options: Value,
    resolved: Value,
) -> Value {
    let mut interaction =
        interaction_base(id, 2, application_id, guild_id, channel_id, invoker, token);
    interaction["data"] = json!({
        "id": command_id.to_string(),
        "name": name,
        "type": 1,
        "options": options,
        "resolved": resolved,
        "guild_id": guild_id.to_string(),
    });
    interaction
}

/// An autocomplete request (type 4): `options` marks the focused option.
#[allow(clippy::too_many_arguments)]
pub fn autocomplete(
    id: u64,
    application_id: u64,
    command_id: u64,
    guild_id: u64,
    channel_id: u64,
    invoker: &Invoker,
    token: &str,
    name: &str,
    options: Value,
) -> Value {
    let mut interaction = slash_command(
        id,
        application_id,
        command_id,
        guild_id,
        channel_id,
        invoker,
        token,
        name,
        options,
        json!({}),
    );
    interaction["type"] = json!(4);
    interaction
}

/// A modal submission (type 5) of the modal `custom_id`, opened by a component of
/// `message`: `fields` are its text inputs (custom id, typed value), one per row.
#[allow(clippy::too_many_arguments)]
pub fn modal_submit(
    id: u64,
    application_id: u64,
    guild_id: u64,
    channel_id: u64,
    invoker: &Invoker,
    token: &str,
    custom_id: &str,
    fields: &[(&str, &str)],
    message: Value,
) -> Value {
    let mut interaction =
        interaction_base(id, 5, application_id, guild_id, channel_id, invoker, token);
    let rows: Vec<Value> = fields
        .iter()
        .map(|(input, value)| {
            json!({ "type": 1, "components": [{ "type": 4, "custom_id": input, "value": value }] })
        })
        .collect();
    interaction["data"] = json!({ "custom_id": custom_id, "components": rows });
    interaction["message"] = message;
    interaction
}

/// A button press (type 3) on `message`.
/// A button pressed in a direct message (type 3 without a server): the presser is
/// `user`, not a member.
pub fn dm_button(
    id: u64,
    application_id: u64,
    channel_id: u64,
    user_id: u64,
    token: &str,
    custom_id: &str,
    message: Value,
) -> Value {
    json!({
        "id": id.to_string(),
        "application_id": application_id.to_string(),
        "type": 3,
        "channel_id": channel_id.to_string(),
        "channel": { "id": channel_id.to_string(), "type": 1 },
        "user": user(user_id, &format!("user{user_id}"), false),
        "token": token,
        "version": 1,
        "app_permissions": "2251799813685247",
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "1": user_id.to_string() },
        "context": 1,
        "attachment_size_limit": 8_388_608,
        "data": { "custom_id": custom_id, "component_type": 2 },
        "message": message,
    })
}

#[allow(clippy::too_many_arguments)]
pub fn button(
    id: u64,
    application_id: u64,
    guild_id: u64,
    channel_id: u64,
    invoker: &Invoker,
    token: &str,
    custom_id: &str,
    message: Value,
) -> Value {
    let mut interaction =
        interaction_base(id, 3, application_id, guild_id, channel_id, invoker, token);
    interaction["data"] = json!({ "custom_id": custom_id, "component_type": 2 });
    interaction["message"] = message;
    interaction
}
