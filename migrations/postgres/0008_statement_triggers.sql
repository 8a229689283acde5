-- The kept counts of 0001 (member_totals), 0002 (guild_ranked, guild_standings) and
-- 0005 (practice_inbox), kept once per statement instead of once per row.
--
-- The answer writer commits a batch of answers with one INSERT and the batch's
-- streaks with one upsert; row triggers then ran their statements once per answer,
-- three levels deep (answers → practice_inbox; member_streaks → member_totals →
-- guild_standings, guild_ranked). Statement triggers read the statement's rows from
-- transition tables and write each kept count once, summed. Transition tables allow
-- one event per trigger and no column list, so each event has its own trigger, and
-- an update that moves nothing writes nothing.

DROP TRIGGER answers_feed_practice ON answers;
DROP FUNCTION answers_feed_practice();

CREATE FUNCTION answers_feed_practice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO practice_inbox (post_id, user_id, guild_id, question_id, answered_at, unaided)
    SELECT n.post_id, n.user_id, p.guild_id, p.question_id, n.answered_at, n.unaided
    FROM new_answers n JOIN daily_posts p ON p.id = n.post_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER answers_feed_practice AFTER INSERT ON answers
    REFERENCING NEW TABLE AS new_answers
    FOR EACH STATEMENT EXECUTE FUNCTION answers_feed_practice();

-- member_streaks → member_totals: a removed channel's streaks do not count.
DROP TRIGGER member_streaks_insert_totals ON member_streaks;
DROP TRIGGER member_streaks_update_totals ON member_streaks;
DROP FUNCTION member_streaks_totals();

CREATE FUNCTION member_streaks_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_totals AS t (guild_id, user_id, current, best, total)
    SELECT n.guild_id, n.user_id, SUM(n.current), SUM(n.best), SUM(n.total)
    FROM new_streaks n LEFT JOIN schedules s ON s.channel_id = n.channel_id
    WHERE s.removed IS NOT TRUE
    GROUP BY n.guild_id, n.user_id
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        current = t.current + excluded.current,
        best = t.best + excluded.best,
        total = t.total + excluded.total;
    RETURN NULL;
END;
$$;
CREATE TRIGGER member_streaks_insert_totals AFTER INSERT ON member_streaks
    REFERENCING NEW TABLE AS new_streaks
    FOR EACH STATEMENT EXECUTE FUNCTION member_streaks_inserted();

CREATE FUNCTION member_streaks_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE member_totals AS t SET
        current = t.current + d.current,
        best = t.best + d.best,
        total = t.total + d.total
    FROM (
        SELECT n.guild_id, n.user_id,
               SUM(n.current - o.current) AS current,
               SUM(n.best - o.best) AS best,
               SUM(n.total - o.total) AS total
        FROM new_streaks n
        JOIN old_streaks o ON o.channel_id = n.channel_id AND o.user_id = n.user_id
        LEFT JOIN schedules s ON s.channel_id = n.channel_id
        WHERE s.removed IS NOT TRUE
        GROUP BY n.guild_id, n.user_id
    ) AS d
    WHERE t.guild_id = d.guild_id AND t.user_id = d.user_id
      AND (d.current, d.best, d.total) <> (0, 0, 0);
    RETURN NULL;
END;
$$;
CREATE TRIGGER member_streaks_update_totals AFTER UPDATE ON member_streaks
    REFERENCING OLD TABLE AS old_streaks NEW TABLE AS new_streaks
    FOR EACH STATEMENT EXECUTE FUNCTION member_streaks_updated();

-- member_totals → guild_standings, guild_ranked: every ranked row (total > 0) that
-- leaves counts -1 at its old standing, every one that arrives +1 at its new one.
DROP TRIGGER member_totals_ranked ON member_totals;
DROP FUNCTION member_totals_ranked();

CREATE TYPE ranked_change AS (guild_id BIGINT, current BIGINT, best BIGINT, members BIGINT);

CREATE FUNCTION apply_ranked_changes(changes ranked_change[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO guild_standings AS g (guild_id, current, best, members)
    SELECT guild_id, current, best, SUM(members) FROM unnest(changes)
    GROUP BY guild_id, current, best HAVING SUM(members) <> 0
    ON CONFLICT (guild_id, current, best) DO UPDATE SET members = g.members + excluded.members;
    INSERT INTO guild_ranked AS r (guild_id, members)
    SELECT guild_id, SUM(members) FROM unnest(changes)
    GROUP BY guild_id HAVING SUM(members) <> 0
    ON CONFLICT (guild_id) DO UPDATE SET members = r.members + excluded.members;
$$;

CREATE FUNCTION member_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_ranked_changes(ARRAY(
        SELECT ROW(guild_id, current, best, 1)::ranked_change
        FROM new_totals WHERE total > 0));
    RETURN NULL;
END;
$$;
CREATE TRIGGER member_totals_ranked_insert AFTER INSERT ON member_totals
    REFERENCING NEW TABLE AS new_totals
    FOR EACH STATEMENT EXECUTE FUNCTION member_totals_inserted();

CREATE FUNCTION member_totals_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_ranked_changes(ARRAY(
        SELECT ROW(o.guild_id, o.current, o.best, -1)::ranked_change
        FROM old_totals o JOIN new_totals n ON n.guild_id = o.guild_id AND n.user_id = o.user_id
        WHERE o.total > 0 AND (n.total <= 0 OR n.current <> o.current OR n.best <> o.best)
        UNION ALL
        SELECT ROW(n.guild_id, n.current, n.best, 1)::ranked_change
        FROM old_totals o JOIN new_totals n ON n.guild_id = o.guild_id AND n.user_id = o.user_id
        WHERE n.total > 0 AND (o.total <= 0 OR n.current <> o.current OR n.best <> o.best)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER member_totals_ranked_update AFTER UPDATE ON member_totals
    REFERENCING OLD TABLE AS old_totals NEW TABLE AS new_totals
    FOR EACH STATEMENT EXECUTE FUNCTION member_totals_updated();

CREATE FUNCTION member_totals_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_ranked_changes(ARRAY(
        SELECT ROW(guild_id, current, best, -1)::ranked_change
        FROM old_totals WHERE total > 0));
    RETURN NULL;
END;
$$;
CREATE TRIGGER member_totals_ranked_delete AFTER DELETE ON member_totals
    REFERENCING OLD TABLE AS old_totals
    FOR EACH STATEMENT EXECUTE FUNCTION member_totals_deleted();
