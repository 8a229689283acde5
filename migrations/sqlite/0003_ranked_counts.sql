-- How many members each server ranks (member_totals rows with total > 0), kept by
-- triggers in the same transaction as every change of member_totals, so the
-- server-wide /leaderboard reads its count instead of counting every member.
CREATE TABLE guild_ranked (
    guild_id INTEGER PRIMARY KEY,
    members  INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO guild_ranked (guild_id, members)
SELECT guild_id, COUNT(*) FROM member_totals WHERE total > 0 GROUP BY guild_id;

CREATE TRIGGER member_totals_insert_ranked AFTER INSERT ON member_totals
WHEN NEW.total > 0
BEGIN
    INSERT INTO guild_ranked (guild_id, members) VALUES (NEW.guild_id, 1)
    ON CONFLICT (guild_id) DO UPDATE SET members = guild_ranked.members + 1;
END;

CREATE TRIGGER member_totals_update_ranked AFTER UPDATE OF total ON member_totals
WHEN (OLD.total > 0) != (NEW.total > 0)
BEGIN
    INSERT INTO guild_ranked (guild_id, members)
    VALUES (NEW.guild_id, CASE WHEN NEW.total > 0 THEN 1 ELSE -1 END)
    ON CONFLICT (guild_id) DO UPDATE SET members = guild_ranked.members + excluded.members;
END;

CREATE TRIGGER member_totals_delete_ranked AFTER DELETE ON member_totals
WHEN OLD.total > 0
BEGIN
    UPDATE guild_ranked SET members = members - 1 WHERE guild_id = OLD.guild_id;
END;
