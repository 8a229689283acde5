-- Indexes that match the queries the bot runs.

-- No query looks daily posts up by message or thread (the in-memory index does),
-- nor member streaks by server and member (server totals live in member_totals).
DROP INDEX daily_posts_by_message;
DROP INDEX daily_posts_by_thread;
DROP INDEX member_streaks_by_guild_user;

-- Store::unfinished_posts runs on every scheduler pass: only the few posts with work
-- left are in this index, so the pass never scans the whole history. Its WHERE is the
-- query's, term for term (SQLite uses a partial index only when the query's WHERE
-- implies it; tests/storage.rs checks the plan).
CREATE INDEX daily_posts_unfinished ON daily_posts (id)
    WHERE message_id IS NULL OR thread_id IS NULL OR reacted = 0
       OR (revealed_at IS NOT NULL AND reveal_shown = 0);
