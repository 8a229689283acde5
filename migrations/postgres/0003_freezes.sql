-- Streak freezes (SPEC §9): held per member and channel, the last question the streak
-- covers (answered, or bridged by a freeze), and every freeze spent (for /streak and
-- the calendar).
ALTER TABLE member_streaks ADD COLUMN freezes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE member_streaks ADD COLUMN last_kept_seq BIGINT;
ALTER TABLE member_streaks ADD COLUMN last_freeze_seq BIGINT;
UPDATE member_streaks SET last_kept_seq = last_answered_seq;

CREATE TABLE streak_freezes (
    channel_id BIGINT NOT NULL REFERENCES schedules (channel_id),
    user_id    BIGINT NOT NULL,
    seq        BIGINT NOT NULL,   -- the daily question the freeze bridged
    PRIMARY KEY (channel_id, user_id, seq)
);
