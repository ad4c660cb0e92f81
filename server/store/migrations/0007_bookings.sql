-- Appointments (预约): one counter row per bookable slot, and the bookings themselves.

-- A slot's places taken, and whether a manager closed it. Every booking of the slot
-- locks its row in its transaction (INSERT … ON CONFLICT DO UPDATE … WHERE booked <
-- capacity), so the places are never over-booked, whichever server process books.
CREATE TABLE booking_slots (
    hall        text        NOT NULL,
    service     text        NOT NULL,
    starts_at   timestamptz NOT NULL,
    booked      integer     NOT NULL DEFAULT 0 CHECK (booked >= 0),
    closed_at   timestamptz,
    closed_by   text,
    PRIMARY KEY (hall, service, starts_at)
);

CREATE TABLE bookings (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall             text        NOT NULL,
    number           text        NOT NULL,          -- 8 random digits, typed at a kiosk's keypad
    token_hash       text        NOT NULL UNIQUE,   -- the QR code's and the manage link's secret, hashed
    service          text        NOT NULL,
    zone             text        NOT NULL,
    day              date        NOT NULL,          -- the hall day of the slot
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    identity_hash    text        NOT NULL,          -- keyed hash of the ID number (never the number)
    identity_masked  text        NOT NULL,
    holder_masked    text        NOT NULL,
    mobile           text        NOT NULL,          -- where its reminders go
    created_at       timestamptz NOT NULL,
    cancelled_at     timestamptz,
    cancelled_by     text CHECK (cancelled_by IN ('citizen', 'hall')),
    ticket_id        bigint REFERENCES tickets (id),  -- the ticket its check-in issued
    checked_in_at    timestamptz,
    late             boolean     NOT NULL DEFAULT false,  -- checked in after its window: a walk-in
    reminded_day_before boolean  NOT NULL DEFAULT false,
    reminded_soon    boolean     NOT NULL DEFAULT false,
    UNIQUE (hall, number)
);
-- One booking per person, service and day (cancelled ones aside): a concurrent twin fails here.
CREATE UNIQUE INDEX bookings_one_per_person ON bookings (hall, identity_hash, service, day)
    WHERE cancelled_at IS NULL;
CREATE INDEX bookings_by_day ON bookings (hall, day, service, starts_at);
CREATE INDEX bookings_by_identity ON bookings (hall, identity_hash, starts_at);
CREATE INDEX bookings_to_remind ON bookings (hall, starts_at)
    WHERE cancelled_at IS NULL AND ticket_id IS NULL AND NOT reminded_soon;
