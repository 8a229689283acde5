-- Private answers, revealed together (SPEC §13).

-- A channel's answers mode: in the thread (SPEC §5), or private (true).
ALTER TABLE schedules ADD COLUMN private_answers BOOLEAN NOT NULL DEFAULT FALSE;

-- The mode a post was claimed in, and the reveal of its private answers: taken by one
-- process at a time (`answers_show_taken_at`, a lease), finished once
-- (`answers_shown_at`, from which the answers' text is kept ANSWER_RETENTION_DAYS).
ALTER TABLE daily_posts ADD COLUMN private_answers BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE daily_posts ADD COLUMN answers_show_taken_at BIGINT;
ALTER TABLE daily_posts ADD COLUMN answers_shown_at BIGINT;
CREATE INDEX daily_posts_answers_to_show ON daily_posts (reveal_due_at)
    WHERE private_answers = TRUE AND answers_shown_at IS NULL;

-- A member's private answer to a daily post: the one place the bot keeps what a
-- member wrote. `body` and `author_name` are deleted ANSWER_RETENTION_DAYS after
-- the reveal; the row (the fact of answering) stays. `sending_at`: its messages are
-- being sent (after a crash or a failed call, they are looked for in the thread
-- before any is sent again); `message_id`: the first message that showed it.
CREATE TABLE private_answers (
    post_id      BIGINT NOT NULL REFERENCES daily_posts (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    guild_id     BIGINT NOT NULL,
    author_name  TEXT,
    body         TEXT,
    submitted_at BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    sending_at   BIGINT,
    message_id   BIGINT,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX private_answers_by_member ON private_answers (guild_id, user_id);

-- Every message that shows a private answer (a long one takes several): a ⭐ on any
-- of them is a vote for the answer.
CREATE TABLE answer_messages (
    message_id BIGINT PRIMARY KEY,
    post_id    BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    FOREIGN KEY (post_id, user_id) REFERENCES private_answers (post_id, user_id)
        ON DELETE CASCADE
);
CREATE INDEX answer_messages_by_answer ON answer_messages (post_id, user_id);

-- ⭐ votes: one row per member and message (never the author's own, never a bot's).
CREATE TABLE answer_stars (
    message_id BIGINT NOT NULL REFERENCES answer_messages (message_id) ON DELETE CASCADE,
    voter_id   BIGINT NOT NULL,
    PRIMARY KEY (message_id, voter_id)
);
