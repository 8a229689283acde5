-- Members' data rights (SPEC §15).

-- A member who left a server's leaderboards (`/privacy hide`): not ranked on any
-- leaderboard nor in season standings; their streaks, practice and team go on.
CREATE TABLE hidden_members (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    hidden_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) STRICT, WITHOUT ROWID;

-- A server that removed the bot (GUILD_DELETE without `unavailable`): every row of
-- it is deleted 30 days after `removed_at` unless the bot is back by then (the row
-- goes then). The deletion takes this row in its transaction: once across processes.
CREATE TABLE server_removals (
    guild_id   INTEGER PRIMARY KEY,
    removed_at INTEGER NOT NULL
) STRICT;
