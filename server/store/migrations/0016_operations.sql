-- Closing-time close-out: a ticket still waiting when its day closes is left unserved.
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check
    CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled', 'unserved'));

-- One row per hall day and stage once it is closed out: claimed inside the close-out's
-- transaction, so of several server processes exactly one closes a day out, exactly once.
CREATE TABLE day_close_outs (
    hall      text        NOT NULL,
    day       date        NOT NULL,
    stage     text        NOT NULL CHECK (stage IN ('closing', 'day_end')),
    at        timestamptz NOT NULL,
    tickets   integer     NOT NULL,  -- left unserved by it
    PRIMARY KEY (hall, day, stage)
);

-- The hall definition each hall runs with, as a digest: of several processes taking one
-- reload, the first to record the new digest announces it (hall.reloaded), the others find it done.
CREATE TABLE hall_definitions (
    hall    text        PRIMARY KEY,
    digest  text        NOT NULL,
    at      timestamptz NOT NULL
);

-- Retention (server/archive.py): rows older than a hall's [retention] days move here, as their
-- JSON, in one transaction per batch. One table for tickets, stays and events, so a column
-- added to them later needs no change here.
CREATE TABLE archive (
    source       text        NOT NULL CHECK (source IN ('tickets', 'servings', 'events')),
    hall         text        NOT NULL,
    key          bigint      NOT NULL,  -- the row's id (events: its seq)
    day          date        NOT NULL,  -- the hall business day it belongs to
    row          jsonb       NOT NULL,
    archived_at  timestamptz NOT NULL,
    PRIMARY KEY (source, hall, key)
);
CREATE INDEX archive_by_day ON archive (hall, day);

-- The events stay append-only: only the archive's own transaction (SET LOCAL hallq.archiving)
-- may delete, and it deletes only a hall's oldest events, so the live sequence stays gap-free.
CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('hallq.archiving', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'events are append-only';
END $$;

-- Ratings, summons, bookings and print jobs of an archived ticket stay live (ratings and their
-- follow-ups are the 好差评 record, and small): they keep the archived ticket's id.
ALTER TABLE ratings DROP CONSTRAINT IF EXISTS ratings_serving_id_fkey;
ALTER TABLE ratings DROP CONSTRAINT IF EXISTS ratings_ticket_id_fkey;
ALTER TABLE summons DROP CONSTRAINT IF EXISTS summons_ticket_id_fkey;
ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_ticket_id_fkey;
ALTER TABLE print_jobs DROP CONSTRAINT IF EXISTS print_jobs_ticket_id_fkey;
