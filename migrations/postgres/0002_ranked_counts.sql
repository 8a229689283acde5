-- Kept counts for the server-wide /leaderboard, so that it reads a bounded number of
-- rows whatever the number of members: how many members each server ranks
-- (member_totals rows with total > 0), and how many share each (current, best)
-- standing. A member's rank is one plus the members of the better standings plus
-- those of their own standing with a higher total. Kept by a trigger in the same
-- transaction as every change of member_totals.
CREATE TABLE guild_ranked (
    guild_id BIGINT PRIMARY KEY,
    members  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE guild_standings (
    guild_id BIGINT NOT NULL,
    current  BIGINT NOT NULL,
    best     BIGINT NOT NULL,
    members  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, current, best)
);

INSERT INTO guild_ranked (guild_id, members)
SELECT guild_id, COUNT(*) FROM member_totals WHERE total > 0 GROUP BY guild_id;
INSERT INTO guild_standings (guild_id, current, best, members)
SELECT guild_id, current, best, COUNT(*) FROM member_totals WHERE total > 0
GROUP BY guild_id, current, best;

CREATE FUNCTION member_totals_ranked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_ranked BOOLEAN := TG_OP IN ('UPDATE', 'DELETE') AND OLD.total > 0;
    is_ranked BOOLEAN := TG_OP IN ('INSERT', 'UPDATE') AND NEW.total > 0;
BEGIN
    -- An answer usually moves a ranked member's standing: only that is written.
    IF was_ranked AND is_ranked AND OLD.current = NEW.current AND OLD.best = NEW.best THEN
        RETURN NULL;
    END IF;
    IF was_ranked THEN
        UPDATE guild_standings SET members = members - 1
        WHERE guild_id = OLD.guild_id AND current = OLD.current AND best = OLD.best;
    END IF;
    IF is_ranked THEN
        INSERT INTO guild_standings AS s (guild_id, current, best, members)
        VALUES (NEW.guild_id, NEW.current, NEW.best, 1)
        ON CONFLICT (guild_id, current, best) DO UPDATE SET members = s.members + 1;
    END IF;
    IF was_ranked != is_ranked THEN
        INSERT INTO guild_ranked AS r (guild_id, members)
        VALUES (COALESCE(NEW.guild_id, OLD.guild_id), CASE WHEN is_ranked THEN 1 ELSE -1 END)
        ON CONFLICT (guild_id) DO UPDATE SET members = r.members + excluded.members;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER member_totals_ranked
    AFTER INSERT OR UPDATE OF current, best, total OR DELETE ON member_totals
    FOR EACH ROW EXECUTE FUNCTION member_totals_ranked();
