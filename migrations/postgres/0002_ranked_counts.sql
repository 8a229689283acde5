-- How many members each server ranks (member_totals rows with total > 0), kept by a
-- trigger in the same transaction as every change of member_totals, so the
-- server-wide /leaderboard reads its count instead of counting every member.
CREATE TABLE guild_ranked (
    guild_id BIGINT PRIMARY KEY,
    members  BIGINT NOT NULL DEFAULT 0
);

INSERT INTO guild_ranked (guild_id, members)
SELECT guild_id, COUNT(*) FROM member_totals WHERE total > 0 GROUP BY guild_id;

CREATE FUNCTION member_totals_ranked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT := 0;
    guild BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        guild := NEW.guild_id;
        change := CASE WHEN NEW.total > 0 THEN 1 ELSE 0 END;
    ELSIF TG_OP = 'UPDATE' THEN
        guild := NEW.guild_id;
        change := (CASE WHEN NEW.total > 0 THEN 1 ELSE 0 END)
                - (CASE WHEN OLD.total > 0 THEN 1 ELSE 0 END);
    ELSE
        guild := OLD.guild_id;
        change := -(CASE WHEN OLD.total > 0 THEN 1 ELSE 0 END);
    END IF;
    IF change != 0 THEN
        INSERT INTO guild_ranked AS r (guild_id, members) VALUES (guild, change)
        ON CONFLICT (guild_id) DO UPDATE SET members = r.members + excluded.members;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER member_totals_ranked AFTER INSERT OR UPDATE OF total OR DELETE ON member_totals
    FOR EACH ROW EXECUTE FUNCTION member_totals_ranked();
