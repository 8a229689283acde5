-- Practice with spaced repetition (SPEC §8): each member's deck per server, every
-- review, and the daily answers not yet fed into the deck.

-- One card per member, server and question: its FSRS memory state.
CREATE TABLE practice_cards (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    question_id    TEXT    NOT NULL,
    due            INTEGER NOT NULL,
    stability      REAL    NOT NULL,
    difficulty     REAL    NOT NULL,
    elapsed_days   INTEGER NOT NULL,
    scheduled_days INTEGER NOT NULL,
    reps           INTEGER NOT NULL,   -- also the card's version: a stale button cannot rate twice
    lapses         INTEGER NOT NULL,
    state          INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),
    last_review    INTEGER NOT NULL,
    introduced_at  INTEGER NOT NULL,
    introduced_by  TEXT    NOT NULL CHECK (introduced_by IN ('practice', 'daily')),
    PRIMARY KEY (guild_id, user_id, question_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE practice_reviews (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    reviewed_at INTEGER NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('practice', 'daily')),
    post_id     INTEGER              -- the daily post whose answer this review is
) STRICT;
CREATE INDEX practice_reviews_member ON practice_reviews (guild_id, user_id, reviewed_at);

-- Daily answers waiting to join their member's deck: kept by a trigger in the
-- answer's own transaction (so none is missed or fed twice), drained by /practice
-- (the FSRS step runs in the bot, not in SQL).
CREATE TABLE practice_inbox (
    post_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    answered_at INTEGER NOT NULL,
    unaided     INTEGER NOT NULL CHECK (unaided IN (0, 1)),
    PRIMARY KEY (post_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX practice_inbox_member ON practice_inbox (guild_id, user_id);

CREATE TRIGGER answers_feed_practice AFTER INSERT ON answers
BEGIN
    INSERT INTO practice_inbox (post_id, user_id, guild_id, question_id, answered_at, unaided)
    SELECT NEW.post_id, NEW.user_id, p.guild_id, p.question_id, NEW.answered_at, NEW.unaided
    FROM daily_posts p WHERE p.id = NEW.post_id
    ON CONFLICT DO NOTHING;
END;

-- Answers given before this version join the decks too.
INSERT INTO practice_inbox (post_id, user_id, guild_id, question_id, answered_at, unaided)
SELECT a.post_id, a.user_id, p.guild_id, p.question_id, a.answered_at, a.unaided
FROM answers a JOIN daily_posts p ON p.id = a.post_id;
