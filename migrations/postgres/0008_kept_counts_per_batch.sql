-- Recording answers writes its kept counts itself, once per batch: the server totals,
-- standings and ranked members, and the practice inbox (the write statement of
-- `src/storage/queries/answers.rs`, `WRITE_ROUND`). Its transaction sets
-- `qotd.kept_counts` to 'per batch' (`SET LOCAL`: gone at commit or rollback), and the
-- row triggers stand aside for it; every other write keeps them. A row trigger cost
-- more than the answer's own insert (three levels of them per answer).

DROP TRIGGER member_streaks_insert_totals ON member_streaks;
CREATE TRIGGER member_streaks_insert_totals AFTER INSERT ON member_streaks
    FOR EACH ROW WHEN (current_setting('qotd.kept_counts', TRUE) IS DISTINCT FROM 'per batch')
    EXECUTE FUNCTION member_streaks_totals();

DROP TRIGGER member_streaks_update_totals ON member_streaks;
CREATE TRIGGER member_streaks_update_totals AFTER UPDATE OF current, best, total ON member_streaks
    FOR EACH ROW WHEN (current_setting('qotd.kept_counts', TRUE) IS DISTINCT FROM 'per batch')
    EXECUTE FUNCTION member_streaks_totals();

DROP TRIGGER member_totals_ranked ON member_totals;
CREATE TRIGGER member_totals_ranked
    AFTER INSERT OR UPDATE OF current, best, total OR DELETE ON member_totals
    FOR EACH ROW WHEN (current_setting('qotd.kept_counts', TRUE) IS DISTINCT FROM 'per batch')
    EXECUTE FUNCTION member_totals_ranked();

DROP TRIGGER answers_feed_practice ON answers;
CREATE TRIGGER answers_feed_practice AFTER INSERT ON answers
    FOR EACH ROW WHEN (current_setting('qotd.kept_counts', TRUE) IS DISTINCT FROM 'per batch')
    EXECUTE FUNCTION answers_feed_practice();
