-- /qotd stats (SPEC §10): answers and unaided answers per daily post, kept by a
-- trigger in the answer's own transaction, so the statistics read one row per post
-- instead of every answer of the channel's history.
CREATE TABLE post_answer_counts (
    post_id BIGINT PRIMARY KEY REFERENCES daily_posts (id) ON DELETE CASCADE,
    answers BIGINT NOT NULL,
    unaided BIGINT NOT NULL
);

CREATE FUNCTION answers_count_per_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_answer_counts AS c (post_id, answers, unaided)
    VALUES (NEW.post_id, 1, CASE WHEN NEW.unaided THEN 1 ELSE 0 END)
    ON CONFLICT (post_id) DO UPDATE SET
        answers = c.answers + 1, unaided = c.unaided + excluded.unaided;
    RETURN NULL;
END;
$$;
CREATE TRIGGER answers_count_per_post AFTER INSERT ON answers
    FOR EACH ROW EXECUTE FUNCTION answers_count_per_post();

INSERT INTO post_answer_counts (post_id, answers, unaided)
SELECT post_id, COUNT(*), COUNT(*) FILTER (WHERE unaided) FROM answers GROUP BY post_id;
