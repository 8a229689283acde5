-- /qotd stats (SPEC §10): answers and unaided answers per daily post, kept by a
-- trigger in the answer's own transaction, so the statistics read one row per post
-- instead of every answer of the channel's history.
CREATE TABLE post_answer_counts (
    post_id INTEGER PRIMARY KEY REFERENCES daily_posts (id) ON DELETE CASCADE,
    answers INTEGER NOT NULL,
    unaided INTEGER NOT NULL
) STRICT;

CREATE TRIGGER answers_count_per_post AFTER INSERT ON answers
BEGIN
    INSERT INTO post_answer_counts (post_id, answers, unaided)
    VALUES (NEW.post_id, 1, NEW.unaided)
    ON CONFLICT (post_id) DO UPDATE SET
        answers = answers + 1, unaided = unaided + excluded.unaided;
END;

INSERT INTO post_answer_counts (post_id, answers, unaided)
SELECT post_id, COUNT(*), SUM(unaided) FROM answers GROUP BY post_id;
