-- A channel Discord keeps refusing (SPEC §12): the local days in a row on which its
-- post was refused (the first and the last, YYYY-MM-DD; NULL: none). Three in a row
-- pause the schedule; a post that goes out, or /qotd resume, clears them.
ALTER TABLE schedules ADD COLUMN refused_first TEXT;
ALTER TABLE schedules ADD COLUMN refused_last TEXT;
