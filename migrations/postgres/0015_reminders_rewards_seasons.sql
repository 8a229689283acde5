-- Reminders, role rewards and seasons (SPEC §14).

-- A member's reminders in a server (a row: on). `last_sent_on`: the local date (in
-- the server's zone) of the last reminder taken for sending: at most one a day,
-- across processes.
CREATE TABLE reminders (
    guild_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    hours_before BIGINT NOT NULL,
    last_sent_on TEXT,
    PRIMARY KEY (guild_id, user_id)
);

-- A role given for reaching a best streak. `refused_at`: Discord refused to give it
-- (hierarchy, Manage Roles): the admins were alerted once, and it is not tried again
-- until an admin sets it again.
CREATE TABLE role_rewards (
    guild_id   BIGINT NOT NULL,
    role_id    BIGINT NOT NULL,
    streak     BIGINT NOT NULL,
    refused_at BIGINT,
    PRIMARY KEY (guild_id, role_id)
);

-- A reward role a member got (once: kept when the streak breaks). `taken_at`: a
-- process is giving it (a lease); `given_at`: Discord added the role.
CREATE TABLE rewards_given (
    guild_id BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    role_id  BIGINT NOT NULL,
    taken_at BIGINT NOT NULL,
    given_at BIGINT,
    PRIMARY KEY (guild_id, user_id, role_id)
);

-- The role the season's champion holds, and whether Discord refused it (as above).
ALTER TABLE guild_settings ADD COLUMN champion_role_id BIGINT;
ALTER TABLE guild_settings ADD COLUMN champion_refused_at BIGINT;

-- A season's final standings in a daily channel, posted once: `taken_at` a lease,
-- `message_id` once sent. `season` is `YYYY-MM`.
CREATE TABLE season_posts (
    channel_id BIGINT NOT NULL,
    season     TEXT NOT NULL,
    guild_id   BIGINT NOT NULL,
    taken_at   BIGINT NOT NULL,
    message_id BIGINT,
    PRIMARY KEY (channel_id, season)
);

-- A server's season champion (NULL: nobody answered), and the move of the champion
-- role to them: `taken_at` a lease, `moved_at` once done.
CREATE TABLE season_champions (
    guild_id BIGINT NOT NULL,
    season   TEXT NOT NULL,
    user_id  BIGINT,
    taken_at BIGINT NOT NULL,
    moved_at BIGINT,
    PRIMARY KEY (guild_id, season)
);
