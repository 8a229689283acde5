-- /qotd stats (SPEC §10): the answers and unaided answers of each closed daily post,
-- written once in the transaction that claims the channel's next post (answers after
-- that do not count for the streak, nor here), so the statistics read one row per
-- post instead of every answer of the channel's history. The open post is counted
-- live.
CREATE TABLE post_answer_counts (
    post_id BIGINT PRIMARY KEY REFERENCES daily_posts (id) ON DELETE CASCADE,
    answers BIGINT NOT NULL,
    unaided BIGINT NOT NULL
);

INSERT INTO post_answer_counts (post_id, answers, unaided)
SELECT a.post_id, COUNT(*) FILTER (WHERE a.counted),
    COUNT(*) FILTER (WHERE a.counted AND a.unaided)
FROM answers a
WHERE a.post_id NOT IN (SELECT MAX(id) FROM daily_posts GROUP BY channel_id)
GROUP BY a.post_id;
