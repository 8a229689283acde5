-- qotd schema, version 1. Append-only: later changes go in new migration files.
-- Discord ids (snowflakes) are INTEGER (they fit in 63 bits); instants are INTEGER
-- milliseconds since the Unix epoch (UTC); local dates are TEXT 'YYYY-MM-DD'.

-- One row per server that configured something.
CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    alerts_channel_id INTEGER
) STRICT;

-- A channel's daily series. Removing a schedule keeps the row (and its history).
CREATE TABLE schedules (
    channel_id           INTEGER PRIMARY KEY,
    guild_id             INTEGER NOT NULL,
    post_time            TEXT    NOT NULL,              -- 'HH:MM', local
    timezone             TEXT    NOT NULL,              -- IANA name
    reveal_after_minutes INTEGER NOT NULL CHECK (reveal_after_minutes BETWEEN 1 AND 1440),
    reveal_reactions     INTEGER NOT NULL CHECK (reveal_reactions BETWEEN 1 AND 25),
    category             TEXT,                          -- NULL: the whole bank
    paused               INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    removed              INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    active_since         INTEGER NOT NULL,              -- set up / resumed at: earlier post times are not owed
    rotation_seed        INTEGER NOT NULL,
    rotation_pass        INTEGER NOT NULL DEFAULT 1 CHECK (rotation_pass >= 1),
    alert                TEXT,                          -- the open problem, if any
    alert_at             INTEGER,
    updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX schedules_by_guild ON schedules (guild_id);

-- One daily question of a channel. UNIQUE (channel_id, local_date) makes a second
-- post for the same channel and local date impossible: the row is claimed before the
-- message is sent, and message_id is filled in once Discord confirms it. A claim whose
-- send Discord refused for good is deleted (the day is skipped).
CREATE TABLE daily_posts (
    id               INTEGER PRIMARY KEY,
    channel_id       INTEGER NOT NULL REFERENCES schedules (channel_id),
    guild_id         INTEGER NOT NULL,
    local_date       TEXT    NOT NULL,
    seq              INTEGER NOT NULL CHECK (seq >= 1),  -- number in the series
    question_id      TEXT    NOT NULL,
    pass             INTEGER NOT NULL,
    nonce            TEXT    NOT NULL,
    claimed_at       INTEGER NOT NULL,
    message_id       INTEGER,
    thread_id        INTEGER,
    reacted          INTEGER NOT NULL DEFAULT 0 CHECK (reacted IN (0, 1)),
    reveal_reactions INTEGER NOT NULL,
    reveal_due_at    INTEGER NOT NULL,
    revealed_at      INTEGER,                           -- claimed by the one revealer
    reveal_reason    TEXT,
    reveal_shown     INTEGER NOT NULL DEFAULT 0 CHECK (reveal_shown IN (0, 1)),  -- post edited, thread told
    UNIQUE (channel_id, local_date),
    UNIQUE (channel_id, seq)
) STRICT;
CREATE INDEX daily_posts_unrevealed ON daily_posts (reveal_due_at) WHERE revealed_at IS NULL;
CREATE INDEX daily_posts_by_message ON daily_posts (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX daily_posts_by_thread ON daily_posts (thread_id) WHERE thread_id IS NOT NULL;

-- Distinct members who reacted 💡 to a daily post (until its reveal).
CREATE TABLE reveal_reactors (
    post_id INTEGER NOT NULL REFERENCES daily_posts (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
) STRICT, WITHOUT ROWID;

-- Questions skipped by /qotd skip: they count as asked in their pass.
CREATE TABLE rotation_skips (
    channel_id  INTEGER NOT NULL REFERENCES schedules (channel_id),
    pass        INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    skipped_at  INTEGER NOT NULL,
    PRIMARY KEY (channel_id, pass, question_id)
) STRICT, WITHOUT ROWID;

-- Who answered which daily post, and when: never the message text.
CREATE TABLE answers (
    post_id     INTEGER NOT NULL REFERENCES daily_posts (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    answered_at INTEGER NOT NULL,
    unaided     INTEGER NOT NULL CHECK (unaided IN (0, 1)),
    counted     INTEGER NOT NULL CHECK (counted IN (0, 1)),  -- 0: arrived after the next question
    PRIMARY KEY (post_id, user_id)
) STRICT, WITHOUT ROWID;

-- A member's streak in one channel, kept up to date on every answer and post so that
-- reading or updating it never scans history.
CREATE TABLE member_streaks (
    channel_id        INTEGER NOT NULL REFERENCES schedules (channel_id),
    user_id           INTEGER NOT NULL,
    guild_id          INTEGER NOT NULL,
    current           INTEGER NOT NULL DEFAULT 0,
    best              INTEGER NOT NULL DEFAULT 0,
    total             INTEGER NOT NULL DEFAULT 0,
    unaided           INTEGER NOT NULL DEFAULT 0,
    last_answered_seq INTEGER,
    PRIMARY KEY (channel_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX member_streaks_leaderboard
    ON member_streaks (channel_id, current DESC, best DESC, total DESC, user_id);
CREATE INDEX member_streaks_by_guild_user ON member_streaks (guild_id, user_id);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,   -- lowercase name: names are unique per server, ignoring case
    created_at INTEGER NOT NULL,
    UNIQUE (guild_id, name_key)
) STRICT;

-- One team per member per server.
CREATE TABLE team_members (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX team_members_by_team ON team_members (team_id);

-- Questions posted on demand by /quiz: no series, no streaks.
CREATE TABLE quiz_posts (
    message_id  INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    reveal_reactions INTEGER NOT NULL,
    posted_at   INTEGER NOT NULL,
    revealed_at INTEGER
) STRICT;

CREATE TABLE quiz_reactors (
    message_id INTEGER NOT NULL REFERENCES quiz_posts (message_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id)
) STRICT, WITHOUT ROWID;

-- Each member's streaks summed over the server's active daily channels, for the
-- server-wide leaderboard: kept up to date by the triggers below in the same
-- transaction as every streak change, so ranking a server never aggregates its history.
-- Removing a schedule subtracts its channel; setting it up again adds it back
-- (Store::remove_schedule / Store::upsert_schedule).
CREATE TABLE member_totals (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    current  INTEGER NOT NULL DEFAULT 0,
    best     INTEGER NOT NULL DEFAULT 0,
    total    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX member_totals_leaderboard
    ON member_totals (guild_id, current DESC, best DESC, total DESC, user_id);

CREATE TRIGGER member_streaks_insert_totals AFTER INSERT ON member_streaks
WHEN (SELECT removed FROM schedules WHERE channel_id = NEW.channel_id) = 0
BEGIN
    INSERT INTO member_totals (guild_id, user_id, current, best, total)
    VALUES (NEW.guild_id, NEW.user_id, NEW.current, NEW.best, NEW.total)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        current = current + excluded.current,
        best = best + excluded.best,
        total = total + excluded.total;
END;

CREATE TRIGGER member_streaks_update_totals AFTER UPDATE OF current, best, total ON member_streaks
WHEN (SELECT removed FROM schedules WHERE channel_id = NEW.channel_id) = 0
BEGIN
    UPDATE member_totals SET
        current = current + NEW.current - OLD.current,
        best = best + NEW.best - OLD.best,
        total = total + NEW.total - OLD.total
    WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
END;
