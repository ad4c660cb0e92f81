-- Kiosk hardware: ticket print jobs, the last reported state of each kiosk's
-- device agent, and short-lived identity tokens from ID-card reads.

-- One row per ticket a kiosk's printer should print. Created in the issuing
-- transaction; the agent reports the outcome, and a job it has reported is
-- never sent again.
CREATE TABLE print_jobs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall        text        NOT NULL,
    device_id   text        NOT NULL,
    ticket_id   bigint      NOT NULL REFERENCES tickets (id),
    payload     jsonb       NOT NULL,  -- the printed ticket (printers.ticket.TicketPrint fields)
    status      text        NOT NULL CHECK (status IN ('pending', 'sent', 'printed', 'failed')),
    attempts    integer     NOT NULL DEFAULT 0,  -- times sent to an agent
    error       text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX print_jobs_open ON print_jobs (hall, device_id, id) WHERE status IN ('pending', 'sent');
CREATE INDEX print_jobs_by_ticket ON print_jobs (ticket_id);

-- What each kiosk's agent last reported. `session` names the agent connection
-- that set `connected`, so a connection that ends late cannot mark a newer one offline.
CREATE TABLE device_status (
    hall            text        NOT NULL,
    device_id       text        NOT NULL,
    connected       boolean     NOT NULL,
    session         text,
    reader          text,                  -- ok | offline
    printer         text,                  -- printers.status.PrinterState values
    printer_detail  text,
    agent           text,                  -- the agent's own description of itself
    changed_at      timestamptz NOT NULL,  -- last change of connected/reader/printer
    updated_at      timestamptz NOT NULL,  -- last report
    PRIMARY KEY (hall, device_id)
);

-- An ID card read at a kiosk, as a single-use token the kiosk sends with its
-- ticket request. Only the keyed hash and masked forms are kept, never the
-- ID number or the name; rows are deleted soon after they expire.
CREATE TABLE card_reads (
    token_hash     text PRIMARY KEY,
    hall           text        NOT NULL,
    device_id      text        NOT NULL,
    identity_hash  text        NOT NULL,
    id_masked      text        NOT NULL,
    name_masked    text        NOT NULL,
    birth_date     date,
    card_type      text        NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX card_reads_expiry ON card_reads (expires_at);
