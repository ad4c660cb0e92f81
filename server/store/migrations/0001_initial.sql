-- Every table carries the hall, so many halls can share one database.

CREATE TABLE ticket_counters (
    hall        text    NOT NULL,
    day         date    NOT NULL,
    prefix      text    NOT NULL,
    last_value  integer NOT NULL,
    PRIMARY KEY (hall, day, prefix)
);

CREATE TABLE tickets (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall             text        NOT NULL,
    day              date        NOT NULL,
    prefix           text        NOT NULL,
    seq              integer     NOT NULL,
    number           text        NOT NULL,
    service          text        NOT NULL,
    zone             text        NOT NULL,
    priority         text        NOT NULL CHECK (priority IN ('green', 'appointment', 'normal')),
    status           text        NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled')),
    issued_at        timestamptz NOT NULL,
    queued_at        timestamptz NOT NULL,  -- when it (re)joined its current queue: waits count from here
    arrival_at       timestamptz NOT NULL,  -- queue-order key: appointment slot, issue time, or rejoin place
    appointment_at   timestamptz,
    appointment_code text,
    target_window    integer,               -- transferred to one window: only that window may call it
    window_no        integer,               -- window it is called to or served at
    staff_id         text,
    first_called_at  timestamptz,
    called_at        timestamptz,
    call_count       integer     NOT NULL DEFAULT 0,
    started_at       timestamptz,
    finished_at      timestamptz,
    identity_hash    text,                  -- keyed hash of the ID number, never the number
    identity_masked  text,
    holder_masked    text,
    idempotency_key  text,
    status_token     text        NOT NULL UNIQUE,
    device_id        text,
    note             text,
    UNIQUE (hall, day, prefix, seq),
    UNIQUE (hall, idempotency_key)
);
CREATE INDEX tickets_waiting ON tickets (hall, service, arrival_at) WHERE status = 'waiting';
CREATE INDEX tickets_by_day ON tickets (hall, day, status);
CREATE INDEX tickets_by_identity ON tickets (hall, day, identity_hash) WHERE identity_hash IS NOT NULL;

-- One row per stay of a ticket at a window, from the call to its outcome:
-- the basis of per-window, per-staff waiting and handling times.
CREATE TABLE servings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall        text        NOT NULL,
    day         date        NOT NULL,
    ticket_id   bigint      NOT NULL REFERENCES tickets (id),
    window_no   integer     NOT NULL,
    staff_id    text,
    service     text        NOT NULL,
    zone        text        NOT NULL,
    queued_at   timestamptz NOT NULL,
    called_at   timestamptz NOT NULL,
    started_at  timestamptz,
    ended_at    timestamptz,
    outcome     text CHECK (outcome IN ('done', 'transferred', 'no_show', 'cancelled'))
);
CREATE INDEX servings_by_day ON servings (hall, day);
CREATE UNIQUE INDEX servings_open ON servings (ticket_id) WHERE outcome IS NULL;

CREATE TABLE windows (
    hall            text        NOT NULL,
    number          integer     NOT NULL,
    state           text        NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'paused')),
    staff_id        text,
    post            text,
    pause_reason    text,
    current_ticket  bigint REFERENCES tickets (id),
    changed_at      timestamptz,
    PRIMARY KEY (hall, number)
);

CREATE TABLE staff_sessions (
    token_hash  text PRIMARY KEY,
    hall        text        NOT NULL,
    staff_id    text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

-- 全程留痕: every action on every ticket and window, append-only.
-- seq is claimed from event_counters inside the acting transaction, so the
-- row lock orders commits and a reader never sees seq N+1 before seq N.
CREATE TABLE event_counters (
    hall      text PRIMARY KEY,
    last_seq  bigint NOT NULL
);

CREATE TABLE events (
    hall       text        NOT NULL,
    seq        bigint      NOT NULL,
    at         timestamptz NOT NULL,
    kind       text        NOT NULL,
    ticket_id  bigint,
    window_no  integer,
    zone       text,
    staff_id   text,
    payload    jsonb       NOT NULL,
    PRIMARY KEY (hall, seq)
);
CREATE INDEX events_by_ticket ON events (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
