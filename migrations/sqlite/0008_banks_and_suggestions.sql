-- Several question banks and members' suggestions (SPEC §10).
--
-- A channel's bank: NULL is the default bank, so every existing schedule stays on it.
-- Questions keep being referred to by id; ids outside the default bank carry their
-- bank (`bank/id`) and an approved suggestion's id is `suggestion:N`, so no existing
-- row changes.
ALTER TABLE schedules ADD COLUMN bank TEXT;

CREATE TABLE suggestions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    -- The member's display name when they suggested it, shown as text ("suggested by").
    author_name TEXT    NOT NULL,
    bank        TEXT,
    category    TEXT    NOT NULL,
    difficulty  INTEGER NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
    question    TEXT    NOT NULL,
    hint        TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reason      TEXT,
    decided_by  INTEGER,
    created_at  INTEGER NOT NULL,
    decided_at  INTEGER
) STRICT;

CREATE INDEX suggestions_by_status ON suggestions (guild_id, status, id);
CREATE INDEX suggestions_by_member ON suggestions (guild_id, user_id, id);
