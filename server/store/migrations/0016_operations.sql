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
