-- Devices and staff live here, seeded from the hall files: a row the file lists but the table
-- lacks is inserted at start; a row the table has is the truth and is never overwritten by the file.
-- A revoked row stays (the audit trail names it) and is refused at once: every request looks its
-- token up here, in every server process.
CREATE TABLE hall_devices (
    hall          text        NOT NULL,
    id            text        NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('kiosk', 'screen', 'evaluator')),
    token_hash    text        NOT NULL UNIQUE,  -- server.credentials.hash_token; never the token
    settings      jsonb       NOT NULL,         -- zones, screen, window, printer, floor, voice, common
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    -- the last heartbeat of a screen or tablet: when, its page's version, its resolution
    seen_at       timestamptz,
    page_version  text,
    resolution    text,
    silent_since  timestamptz,  -- set once when it falls silent (its alarm raised), cleared when heard again
    PRIMARY KEY (hall, id)
);

CREATE TABLE hall_staff (
    hall           text        NOT NULL,
    id             text        NOT NULL,
    name           text        NOT NULL,
    role           text        NOT NULL CHECK (role IN ('clerk', 'manager', 'admin', 'officer')),
    password_hash  text        NOT NULL,
    windows        integer[],            -- a clerk's windows; NULL: every window
    halls          text[]      NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    PRIMARY KEY (hall, id)
);
