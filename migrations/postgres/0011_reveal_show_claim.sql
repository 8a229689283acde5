-- The hint's edit and announcement are made by one process at a time (SPEC §12): the
-- one that takes the post's `reveal_show_taken_at` while nobody holds it, or while its
-- holder has been silent for longer than the lease (a crash). Milliseconds since
-- the epoch; NULL: nobody is showing it.
ALTER TABLE daily_posts ADD COLUMN reveal_show_taken_at BIGINT;
