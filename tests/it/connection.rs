//! The real bot against the fake Discord: connecting, registering commands, surviving
//! gateway faults, and the real `qotd` binary as a subprocess.

use crate::support::binary::{Qotd, SUBPROCESS_TOKEN};
use crate::support::*;
use serde_json::{Value, json};

fn names(commands: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = commands
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn sub_names(command: &Value) -> Vec<String> {
    let mut names: Vec<String> = command["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn find<'a>(commands: &'a [Value], name: &str) -> &'a Value {
    commands.iter().find(|c| c["name"] == json!(name)).unwrap()
}

#[tokio::test]
async fn the_bot_connects_registers_the_specs_commands_and_every_request_passes_the_openapi_check()
{
    let harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    let commands = harness.fake.global_commands();

    assert_eq!(
        names(&commands),
        [
            "leaderboard",
            "practice",
            "privacy",
            "qotd",
            "quiz",
            "remind",
            "streak",
            "suggest",
            "team"
        ]
    );
    let qotd = find(&commands, "qotd");
    assert_eq!(
        sub_names(qotd),
        [
            "alerts",
            "pause",
            "post",
            "remove",
            "resume",
            "rewards",
            "setup",
            "skip",
            "stats",
            "status",
            "streak-set",
            "suggestions",
            "team-add",
            "team-remove"
        ]
    );
    assert_eq!(
        qotd["default_member_permissions"],
        json!("32"),
        "Manage Server"
    );
    let setup = qotd["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == json!("setup"))
        .unwrap();
    let setup_options: Vec<&str> = setup["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        setup_options,
        [
            "channel",
            "time",
            "timezone",
            "reveal_after",
            "reveal_reactions",
            "category",
            "bank",
            "answers"
        ]
    );
    assert_eq!(sub_names(find(&commands, "team")), ["join", "leave"]);
    assert_eq!(sub_names(find(&commands, "practice")), ["next", "stats"]);
    assert_eq!(sub_names(find(&commands, "suggest")), ["list", "new"]);
    assert_eq!(sub_names(find(&commands, "streak")), ["channel", "member"]);
    let leaderboard_options = sub_names(find(&commands, "leaderboard"));
    assert_eq!(leaderboard_options, ["channel", "scope"]);

    let counts = harness.fake.gateway_counts();
    assert_eq!((counts.identifies, counts.ready), (1, 1));
    assert!(
        harness
            .fake
            .requests()
            .iter()
            .all(|r| r.operation.is_some())
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn with_discord_guild_id_the_commands_are_registered_in_that_guild_only() {
    let mut harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z")).await;
    harness.guild_commands = Some(GUILD);
    harness.start_bot().await;
    assert_eq!(names(&harness.fake.guild_commands(GUILD)).len(), 9);
    assert!(harness.fake.global_commands().is_empty());
    harness.fake.assert_clean();
}

#[tokio::test]
async fn the_fakes_schema_check_catches_a_message_whose_embeds_is_not_an_array() {
    let fake = default_fake().await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = client
        .post(format!(
            "{}/api/v10/channels/{CHANNEL}/messages",
            fake.base_url()
        ))
        .header("authorization", "Bot fake")
        .json(&json!({ "content": "hi", "embeds": { "title": "not a list" } }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "the fake still answers");

    let problems = fake.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("create_message"), "{}", problems[0]);
    assert!(problems[0].contains("/embeds"), "{}", problems[0]);
    let request = fake.requests().pop().unwrap();
    assert!(!request.violations.is_empty());
}

/// Proves the bot still handles events: a `/streak` gets its answer.
async fn bot_answers_a_command(harness: &mut Harness) {
    let reply = harness.member_command(MEMBER, "streak").await;
    assert!(
        reply.text().contains("no daily question yet"),
        "{}",
        reply.text()
    );
}

#[tokio::test]
async fn a_closed_gateway_socket_is_survived_by_resuming() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    bot_answers_a_command(&mut harness).await;

    harness.fake.close_gateway();
    harness.waiter().sessions(2).await;
    let counts = harness.fake.gateway_counts();
    assert_eq!(counts.connections, 2);
    assert_eq!(
        counts.resumed, 1,
        "the session was resumed, not re-identified: {counts:?}"
    );

    bot_answers_a_command(&mut harness).await;
    harness.fake.assert_clean();
}

#[tokio::test]
async fn an_op_7_reconnect_request_is_survived() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.fake.request_reconnect();
    harness.waiter().sessions(2).await;
    bot_answers_a_command(&mut harness).await;
    let commands_registrations = harness.requests_since(0, "PUT", "/applications/").len();
    assert_eq!(
        commands_registrations, 1,
        "setup runs once per process, not on every READY"
    );
    harness.fake.assert_clean();
}

#[tokio::test]
async fn an_op_9_invalid_session_is_survived_by_identifying_again() {
    let mut harness = Harness::started(at("2026-06-01T12:00:00Z")).await;
    harness.fake.invalidate_session(false);
    harness
        .wait_until("a second IDENTIFY", async || {
            harness.fake.gateway_counts().ready >= 2
        })
        .await;
    bot_answers_a_command(&mut harness).await;
    harness.fake.assert_clean();
}

#[tokio::test]
async fn the_qotd_binary_runs_against_the_fake_and_exits_zero_on_sigterm() {
    let fake = default_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let qotd = Qotd::run_against(&fake, dir.path())
        .env("RUST_LOG", "info")
        .spawn();
    Waiter::on(&fake).commands_registered(0).await;

    let exited = qotd.terminate().await;

    assert_eq!(exited.code(), Some(0));
    let stderr = &exited.stderr;
    assert!(stderr.contains("slash commands registered"), "{stderr}");
    assert!(
        !stderr.contains(SUBPROCESS_TOKEN),
        "the token is never logged"
    );
    assert!(dir.path().join("qotd.db").exists());
    fake.assert_clean();
}

/// serenity turns a payload it cannot read into an "unknown event" and logs it only at
/// debug level: a fixture missing a field would silently hide a whole event type from
/// every test (GUILD_CREATE was, until roles got Discord's `colors`).
#[test]
fn every_gateway_fixture_is_readable_by_serenity() {
    use fake_discord::fixtures;
    use poise::serenity_prelude as serenity;

    fn read<T: serde::de::DeserializeOwned>(what: &str, value: Value) {
        if let Err(error) = serde_json::from_value::<T>(value) {
            panic!("serenity cannot read the fake's {what}: {error}");
        }
    }
    let channel = fixtures::channel(CHANNEL, GUILD, "daily", 0, None);
    read::<serenity::Guild>(
        "GUILD_CREATE",
        fixtures::guild(
            GUILD,
            "g",
            fake_discord::OWNER_ID,
            std::slice::from_ref(&channel),
        ),
    );
    read::<serenity::GuildChannel>("channel", channel);
    read::<serenity::GuildChannel>(
        "thread",
        fixtures::thread(CHANNEL + 1, GUILD, "t", CHANNEL, fake_discord::BOT_USER_ID),
    );
    read::<serenity::Message>(
        "MESSAGE_CREATE",
        fixtures::member_message(1, CHANNEL, GUILD, MEMBER, "m", &[], "hi"),
    );
    read::<serenity::Reaction>(
        "MESSAGE_REACTION_ADD",
        fixtures::reaction(MEMBER, CHANNEL, 1, GUILD, "💡", false),
    );
    read::<serenity::Role>("role", fixtures::role(GUILD, "@everyone", 0));
    read::<serenity::User>("user", fixtures::user(MEMBER, "m", false));
}

/// The fake is as strict as Discord with direct messages and roles (what reminders and
/// role rewards need, SPEC §14), through serenity's own client: a DM to a member who
/// takes none is refused with 50007; a role at or above the bot's highest, or any role
/// without Manage Roles, with 50013; roles below are given and taken.
#[tokio::test]
async fn the_fake_refuses_a_dm_to_a_member_who_blocks_them_and_a_role_above_the_bots() {
    use poise::serenity_prelude as serenity;
    let harness = Harness::new(default_fake().await, at("2026-06-01T12:00:00Z")).await;
    let http = harness.serenity_http();
    let code = |result: serenity::Result<_>| match result {
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))) => {
            Some(response.error.code)
        }
        _ => None,
    };
    let (open, blocked) = (
        serenity::UserId::new(MEMBER),
        serenity::UserId::new(MEMBER + 1),
    );
    harness.fake.block_dms(MEMBER + 1);
    let dm = open.create_dm_channel(&http).await.unwrap();
    assert_eq!(
        open.create_dm_channel(&http).await.unwrap().id,
        dm.id,
        "one DM channel"
    );
    dm.id.say(&http, "Your streak is waiting").await.unwrap();
    assert_eq!(harness.fake.dms_to(MEMBER).len(), 1);
    let refused = blocked.create_dm_channel(&http).await.unwrap();
    assert_eq!(
        code(refused.id.say(&http, "hello").await.map(drop)),
        Some(50007)
    );

    let guild = serenity::GuildId::new(GUILD);
    harness.fake.set_bot_role_position(GUILD, 5);
    harness.fake.add_role(GUILD, 10, 1);
    harness.fake.add_role(GUILD, 20, 5);
    let give = |role: u64| http.add_member_role(guild, open, serenity::RoleId::new(role), None);
    give(10).await.unwrap();
    assert_eq!(code(give(20).await), Some(50013), "a role at the bot's own");
    assert_eq!(code(give(30).await), Some(10011), "an unknown role");
    assert_eq!(harness.fake.member_roles(GUILD, MEMBER), [10]);
    harness.fake.set_manage_roles(GUILD, false);
    let take = http.remove_member_role(guild, open, serenity::RoleId::new(10), None);
    assert_eq!(code(take.await), Some(50013), "no Manage Roles");
    harness.fake.set_manage_roles(GUILD, true);
    http.remove_member_role(guild, open, serenity::RoleId::new(10), None)
        .await
        .unwrap();
    assert!(harness.fake.member_roles(GUILD, MEMBER).is_empty());
    harness.fake.assert_clean();
}
