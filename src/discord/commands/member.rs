//! `/streak`, `/leaderboard`, `/team`: for everyone.

use std::fmt::Write as _;

use poise::serenity_prelude as serenity;

use super::{autocomplete_team, guild_id, reply_ephemeral, user_error};
use crate::core::ranking::Ranked;
use crate::core::team_name::TeamName;
use crate::discord::{Context, Error, no_pings, render};
use crate::storage::TeamError;

const TOP: u32 = 10;

/// Your streaks (or a member's) in every daily channel of this server.
#[poise::command(slash_command, guild_only)]
pub async fn streak(
    ctx: Context<'_>,
    #[description = "Whose streaks to show (default: yours)"] member: Option<serenity::User>,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let user = member.unwrap_or_else(|| ctx.author().clone());
    if user.bot {
        user_error!("Bots do not answer questions, so they have no streaks.");
    }
    let app = ctx.data();
    let now = app.clock.now();
    let streaks = app.store.member_streaks(guild, user.id.get()).await?;
    if streaks.is_empty() {
        user_error!(
            "This server has no daily question yet. An admin can start one with `/qotd setup`."
        );
    }
    let mut description = String::new();
    for entry in &streaks {
        let s = entry.streak;
        let next = match app.store.schedule(entry.channel_id).await? {
            Some(schedule) => match schedule.upcoming_post(now) {
                Some((_, at)) if at > now => {
                    format!("next question {}", render::timestamp(at, 'R'))
                }
                Some(_) => "next question due now".to_owned(),
                None => "paused".to_owned(),
            },
            None => String::new(),
        };
        let _ = writeln!(
            description,
            "<#{}> — 🔥 **{}** current · best {} · {} answers ({} unaided) · {next}",
            entry.channel_id, s.current, s.best, s.total, s.unaided
        );
    }
    let embed = serenity::CreateEmbed::new()
        .title(format!("Streaks of {}", user.display_name()))
        .description(description);
    ctx.send(
        poise::CreateReply::default()
            .embed(embed)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum Scope {
    #[name = "members"]
    Members,
    #[name = "teams"]
    Teams,
}

fn row(rank: u64, ranked: &Ranked, who: &str) -> String {
    let s = ranked.standing;
    format!(
        "`{rank:>3}. 🔥{:>4}  best{:>4}  total{:>5}` {who}\n",
        s.current, s.best, s.total
    )
}

/// The top 10 by current streak (ties: best streak, then total answers).
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "Rank members (default) or teams"] scope: Option<Scope>,
    #[description = "One daily channel (default: the whole server)"] channel: Option<
        serenity::ChannelId,
    >,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let app = ctx.data();
    let channel_id = match channel {
        Some(channel) => match app.store.schedule(channel.get()).await? {
            Some(schedule) if schedule.guild_id == guild => Some(channel.get()),
            _ => user_error!(
                "<#{channel}> has no daily question in this server. Leave `channel` empty for the whole server."
            ),
        },
        None => None,
    };
    let where_ = channel_id.map_or("this server".to_owned(), |c| format!("<#{c}>"));
    let (title, description) = match scope.unwrap_or(Scope::Members) {
        Scope::Members => {
            let page = app
                .store
                .member_leaderboard(guild, channel_id, ctx.author().id.get(), TOP)
                .await?;
            let mut text = String::new();
            for ranked in &page.top {
                text.push_str(&row(
                    ranked.rank,
                    ranked,
                    &format!("<@{}>", ranked.standing.id),
                ));
            }
            if text.is_empty() {
                text.push_str("Nobody has answered yet: be the first!\n");
            }
            match page.caller {
                Some(me) if !page.top.iter().any(|r| r.standing.id == me.standing.id) => {
                    text.push_str("…\n");
                    text.push_str(&row(me.rank, &me, "**you**"));
                }
                Some(_) => {}
                None => text.push_str("\nYou have not answered yet."),
            }
            (
                format!("Leaderboard — {} members", page.ranked_count),
                format!("{where_}\n{text}"),
            )
        }
        Scope::Teams => {
            let teams = app.store.team_leaderboard(guild, channel_id).await?;
            let mut text = String::new();
            for team in teams.iter().take(TOP as usize) {
                let name: String = team.team.name.replace('`', "'");
                text.push_str(&row(
                    team.ranked.rank,
                    &team.ranked,
                    &format!("**{name}** ({} members)", team.team.member_count),
                ));
            }
            if text.is_empty() {
                text.push_str("No teams yet. An admin can create one with `/qotd team-add`.");
            }
            (
                "Team leaderboard — summed current streaks".to_owned(),
                format!("{where_}\n{text}"),
            )
        }
    };
    let embed = serenity::CreateEmbed::new()
        .title(title)
        .description(description);
    ctx.send(
        poise::CreateReply::default()
            .embed(embed)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

/// Join or leave a team.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("join", "leave"),
    subcommand_required
)]
pub async fn team(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Join a team (you leave any other team).
#[poise::command(slash_command, guild_only)]
pub async fn join(
    ctx: Context<'_>,
    #[description = "The team to join"]
    #[autocomplete = "autocomplete_team"]
    name: String,
) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    let name = TeamName::parse(&name).map_err(|e| super::UserError(format!("{e}.")))?;
    let app = ctx.data();
    let user = ctx.author().id.get();
    let previous = app.store.member_team(guild, user).await?;
    match app
        .store
        .join_team(guild, user, &name, app.clock.now())
        .await
    {
        Ok(team) => {
            let left = previous
                .filter(|p| p.id != team.id)
                .map(|p| format!(" (you left **{}**)", p.name))
                .unwrap_or_default();
            reply_ephemeral(ctx, format!("👥 You are in team **{}**{left}.", team.name)).await
        }
        Err(TeamError::NotFound(name)) => {
            user_error!(
                "There is no team named **{name}**. Pick one from the list, or ask an admin to create it."
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// Leave your team.
#[poise::command(slash_command, guild_only)]
pub async fn leave(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild_id(ctx)?;
    match ctx
        .data()
        .store
        .leave_team(guild, ctx.author().id.get())
        .await?
    {
        Some(team) => reply_ephemeral(ctx, format!("👋 You left team **{}**.", team.name)).await,
        None => user_error!("You are not in a team. Join one with `/team join`."),
    }
}
