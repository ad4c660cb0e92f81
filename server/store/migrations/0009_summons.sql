-- 事进人不进: a department in the hall only as matters is summoned for the ticket being
-- served; its officer acknowledges and arrives, within the hall's SLA (due_at).
CREATE TABLE summons (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall             text        NOT NULL,
    day              date        NOT NULL,  -- the hall's business day it was made on
    department       text        NOT NULL,  -- the configured department's id
    ticket_id        bigint      NOT NULL REFERENCES tickets (id),
    number           text        NOT NULL,
    service          text        NOT NULL,
    window_no        integer     NOT NULL,
    created_by       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    warn_at          timestamptz NOT NULL,  -- yellow from here
    due_at           timestamptz NOT NULL,  -- red from here: the officer is late
    status           text        NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'acknowledged', 'arrived', 'cancelled')),
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    arrived_at       timestamptz,
    arrived_by       text,
    cancelled_at     timestamptz,
    cancelled_by     text
);
-- One open summons per ticket.
CREATE UNIQUE INDEX summons_one_open ON summons (ticket_id) WHERE status IN ('open', 'acknowledged');
CREATE INDEX summons_by_day ON summons (hall, day);
