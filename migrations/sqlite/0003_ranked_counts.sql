-- Kept counts for the server-wide /leaderboard, so that it reads a bounded number of
-- rows whatever the number of members: how many members each server ranks
-- (member_totals rows with total > 0), and how many share each (current, best)
-- standing. A member's rank is one plus the members of the better standings plus
-- those of their own standing with a higher total. Kept by triggers in the same
-- transaction as every change of member_totals.
CREATE TABLE guild_ranked (
    guild_id INTEGER PRIMARY KEY,
    members  INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE guild_standings (
    guild_id INTEGER NOT NULL,
    current  INTEGER NOT NULL,
    best     INTEGER NOT NULL,
    members  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, current, best)
) STRICT, WITHOUT ROWID;

INSERT INTO guild_ranked (guild_id, members)
SELECT guild_id, COUNT(*) FROM member_totals WHERE total > 0 GROUP BY guild_id;
INSERT INTO guild_standings (guild_id, current, best, members)
SELECT guild_id, current, best, COUNT(*) FROM member_totals WHERE total > 0
GROUP BY guild_id, current, best;

CREATE TRIGGER member_totals_insert_ranked AFTER INSERT ON member_totals
WHEN NEW.total > 0
BEGIN
    INSERT INTO guild_ranked (guild_id, members) VALUES (NEW.guild_id, 1)
    ON CONFLICT (guild_id) DO UPDATE SET members = guild_ranked.members + 1;
    INSERT INTO guild_standings (guild_id, current, best, members)
    VALUES (NEW.guild_id, NEW.current, NEW.best, 1)
    ON CONFLICT (guild_id, current, best) DO UPDATE SET members = guild_standings.members + 1;
END;

CREATE TRIGGER member_totals_update_ranked AFTER UPDATE OF total ON member_totals
WHEN (OLD.total > 0) != (NEW.total > 0)
BEGIN
    INSERT INTO guild_ranked (guild_id, members)
    VALUES (NEW.guild_id, CASE WHEN NEW.total > 0 THEN 1 ELSE -1 END)
    ON CONFLICT (guild_id) DO UPDATE SET members = guild_ranked.members + excluded.members;
END;

CREATE TRIGGER member_totals_update_standings AFTER UPDATE OF current, best, total ON member_totals
WHEN OLD.current != NEW.current OR OLD.best != NEW.best OR (OLD.total > 0) != (NEW.total > 0)
BEGIN
    UPDATE guild_standings SET members = members - 1
    WHERE OLD.total > 0 AND guild_id = OLD.guild_id AND current = OLD.current AND best = OLD.best;
    INSERT INTO guild_standings (guild_id, current, best, members)
    SELECT NEW.guild_id, NEW.current, NEW.best, 1 WHERE NEW.total > 0
    ON CONFLICT (guild_id, current, best) DO UPDATE SET members = guild_standings.members + 1;
END;

CREATE TRIGGER member_totals_delete_ranked AFTER DELETE ON member_totals
WHEN OLD.total > 0
BEGIN
    UPDATE guild_ranked SET members = members - 1 WHERE guild_id = OLD.guild_id;
    UPDATE guild_standings SET members = members - 1
    WHERE guild_id = OLD.guild_id AND current = OLD.current AND best = OLD.best;
END;
