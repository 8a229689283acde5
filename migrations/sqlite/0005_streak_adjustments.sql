-- Streak repairs by admins (/qotd streak-set): one row per change, who and when,
-- old → new.
CREATE TABLE streak_adjustments (
    id          INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL REFERENCES schedules (channel_id),
    user_id     INTEGER NOT NULL,
    admin_id    INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    old_current INTEGER NOT NULL,
    new_current INTEGER NOT NULL,
    old_best    INTEGER NOT NULL,
    new_best    INTEGER NOT NULL
) STRICT;
CREATE INDEX streak_adjustments_by_member ON streak_adjustments (channel_id, user_id, at);
