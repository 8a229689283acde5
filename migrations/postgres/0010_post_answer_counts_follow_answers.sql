-- /qotd stats' counts of each daily post follow its answers as they are written, by
-- statement trigger like the other kept counts (0009), instead of being frozen when
-- the channel's next post is claimed: a claim that is refused or not yet confirmed
-- leaves the previous post open, and the answers it still took were never counted.
DELETE FROM post_answer_counts;
INSERT INTO post_answer_counts (post_id, answers, unaided)
SELECT a.post_id, COUNT(*) FILTER (WHERE a.counted),
    COUNT(*) FILTER (WHERE a.counted AND a.unaided)
FROM answers a
GROUP BY a.post_id;

CREATE FUNCTION answers_count_per_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO post_answer_counts AS c (post_id, answers, unaided)
        SELECT n.post_id, COUNT(*), COUNT(*) FILTER (WHERE n.unaided)
        FROM new_rows n WHERE n.counted
        GROUP BY n.post_id
        ON CONFLICT (post_id) DO UPDATE SET
            answers = c.answers + excluded.answers,
            unaided = c.unaided + excluded.unaided;
    ELSE
        UPDATE post_answer_counts AS c SET answers = c.answers - d.answers,
            unaided = c.unaided - d.unaided
        FROM (SELECT o.post_id, COUNT(*) AS answers, COUNT(*) FILTER (WHERE o.unaided) AS unaided
              FROM old_rows o WHERE o.counted GROUP BY o.post_id) AS d
        WHERE c.post_id = d.post_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER answers_count_per_post AFTER INSERT ON answers
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION answers_count_per_post();
CREATE TRIGGER answers_uncount_per_post AFTER DELETE ON answers
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION answers_count_per_post();
