-- A member's streak just before the channel's latest post was applied to it, as JSON
-- `{"seq": n, "streak": {...}}` (core::streak_rules::BeforePost): written when that
-- post changed the streak (reset it, or spent a freeze) or when the member answered
-- since. An answer made before that post was claimed but recorded after it (another
-- process posted first, `/qotd post` came first, or the answer was held through a
-- database fault) is then applied as if it had been recorded in time (SPEC §5).
ALTER TABLE member_streaks ADD COLUMN before_latest_post TEXT;
