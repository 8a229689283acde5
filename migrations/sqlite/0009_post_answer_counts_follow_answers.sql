-- /qotd stats' counts of each daily post follow its answers as they are written, by
-- row trigger like SQLite's other kept counts, instead of being frozen when the
-- channel's next post is claimed: a claim that is refused or not yet confirmed leaves
-- the previous post open, and the answers it still took were never counted.
DELETE FROM post_answer_counts;
INSERT INTO post_answer_counts (post_id, answers, unaided)
SELECT a.post_id, SUM(a.counted), SUM(a.counted * a.unaided) FROM answers a
GROUP BY a.post_id;

CREATE TRIGGER answers_count_per_post AFTER INSERT ON answers WHEN NEW.counted = 1
BEGIN
    INSERT INTO post_answer_counts (post_id, answers, unaided)
    VALUES (NEW.post_id, 1, NEW.unaided)
    ON CONFLICT (post_id) DO UPDATE SET
        answers = answers + 1,
        unaided = unaided + excluded.unaided;
END;

CREATE TRIGGER answers_uncount_per_post AFTER DELETE ON answers WHEN OLD.counted = 1
BEGIN
    UPDATE post_answer_counts SET answers = answers - 1, unaided = unaided - OLD.unaided
    WHERE post_id = OLD.post_id;
END;
