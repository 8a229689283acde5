-- The kept counts (server totals, standings, ranked members, the practice inbox) by
-- one mechanism: statement triggers with transition tables. Each fires once per
-- statement and writes the net change of all the rows that statement wrote, so a
-- batch of answers costs one trigger run per table, not one per row, and every
-- write keeps the counts the same way (recording answers, repairs, freezes, removing
-- and restoring channels, migrate-db's copies). This replaces the row triggers and the
-- recording statement's own count-keeping (0008), and with them `qotd.kept_counts`.

DROP TRIGGER member_streaks_insert_totals ON member_streaks;
DROP TRIGGER member_streaks_update_totals ON member_streaks;
DROP TRIGGER member_totals_ranked ON member_totals;
DROP TRIGGER answers_feed_practice ON answers;
DROP FUNCTION member_streaks_totals();
DROP FUNCTION member_totals_ranked();
DROP FUNCTION answers_feed_practice();

-- Streaks of a channel that is not removed add up to each member's server totals.
CREATE FUNCTION member_streaks_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO member_totals AS t (guild_id, user_id, current, best, total)
        SELECT n.guild_id, n.user_id, SUM(n.current), SUM(n.best), SUM(n.total)
        FROM new_rows n
        WHERE (SELECT removed FROM schedules WHERE channel_id = n.channel_id) IS NOT TRUE
        GROUP BY n.guild_id, n.user_id
        ON CONFLICT (guild_id, user_id) DO UPDATE SET
            current = t.current + excluded.current,
            best = t.best + excluded.best,
            total = t.total + excluded.total;
    ELSE
        INSERT INTO member_totals AS t (guild_id, user_id, current, best, total)
        SELECT d.guild_id, d.user_id, SUM(d.current), SUM(d.best), SUM(d.total) FROM (
            SELECT guild_id, user_id, channel_id, current, best, total FROM new_rows
            UNION ALL
            SELECT guild_id, user_id, channel_id, -current, -best, -total FROM old_rows
        ) AS d
        WHERE (SELECT removed FROM schedules WHERE channel_id = d.channel_id) IS NOT TRUE
        GROUP BY d.guild_id, d.user_id
        HAVING SUM(d.current) != 0 OR SUM(d.best) != 0 OR SUM(d.total) != 0
        ON CONFLICT (guild_id, user_id) DO UPDATE SET
            current = t.current + excluded.current,
            best = t.best + excluded.best,
            total = t.total + excluded.total;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER member_streaks_insert_totals AFTER INSERT ON member_streaks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_streaks_totals();
CREATE TRIGGER member_streaks_update_totals AFTER UPDATE ON member_streaks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_streaks_totals();

-- A member is ranked while their total is above 0; each ranked member counts once in
-- the standing (current, best) they hold. A standing one member leaves and another
-- enters in the same statement is written once, with its net change.
CREATE FUNCTION member_totals_ranked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- The standings left (-1) and entered (+1) by the statement's rows: only the
    -- transition tables its event has are read.
    guilds BIGINT[] := '{}';
    currents BIGINT[] := '{}';
    bests BIGINT[] := '{}';
    moves BIGINT[] := '{}';
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT guilds || array_agg(guild_id), currents || array_agg(current),
            bests || array_agg(best), moves || array_agg(-1::BIGINT)
        INTO guilds, currents, bests, moves
        FROM old_rows WHERE total > 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT guilds || array_agg(guild_id), currents || array_agg(current),
            bests || array_agg(best), moves || array_agg(1::BIGINT)
        INTO guilds, currents, bests, moves
        FROM new_rows WHERE total > 0;
    END IF;
    WITH m AS (
        SELECT * FROM unnest(guilds, currents, bests, moves) AS m(guild_id, current, best, members)
    ), standings AS (
        INSERT INTO guild_standings AS g (guild_id, current, best, members)
        SELECT guild_id, current, best, SUM(members) FROM m
        GROUP BY guild_id, current, best HAVING SUM(members) != 0
        ON CONFLICT (guild_id, current, best) DO UPDATE SET members = g.members + excluded.members
    )
    INSERT INTO guild_ranked AS r (guild_id, members)
    SELECT guild_id, SUM(members) FROM m
    GROUP BY guild_id HAVING SUM(members) != 0
    ON CONFLICT (guild_id) DO UPDATE SET members = r.members + excluded.members;
    RETURN NULL;
END;
$$;

CREATE TRIGGER member_totals_insert_ranked AFTER INSERT ON member_totals
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_totals_ranked();
CREATE TRIGGER member_totals_update_ranked AFTER UPDATE ON member_totals
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_totals_ranked();
CREATE TRIGGER member_totals_delete_ranked AFTER DELETE ON member_totals
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_totals_ranked();

-- Every daily answer joins the member's practice inbox.
CREATE FUNCTION answers_feed_practice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO practice_inbox (post_id, user_id, guild_id, question_id, answered_at, unaided)
    SELECT n.post_id, n.user_id, p.guild_id, p.question_id, n.answered_at, n.unaided
    FROM new_rows n JOIN daily_posts p ON p.id = n.post_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER answers_feed_practice AFTER INSERT ON answers
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION answers_feed_practice();
