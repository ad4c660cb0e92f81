-- Notifications to citizens (SMS / WeChat through the hall's gateway): a row
-- written in the transaction of the action that causes it, delivered by a
-- worker that retries with the same delivery id until the gateway accepts.
CREATE TABLE notifications (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id      uuid        NOT NULL UNIQUE,
    hall             text        NOT NULL,
    kind             text        NOT NULL,
    cause            text        NOT NULL,  -- one notification per cause: "ahead:<ticket>", "called:<seq>"
    recipient        text        NOT NULL,  -- the mobile number it goes to
    body             jsonb       NOT NULL,  -- what the gateway receives, less the delivery id
    created_at       timestamptz NOT NULL,  -- on the hall's clock
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),  -- wall clock: retries are real time
    give_up_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    last_error       text,
    UNIQUE (hall, cause)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_by_hall ON notifications (hall, id);

-- How far each hall's queue reminders have read the event log.
CREATE TABLE reminder_cursors (
    hall      text PRIMARY KEY,
    last_seq  bigint NOT NULL
);

-- A ticket's holder may leave a mobile number for queue reminders.
ALTER TABLE tickets ADD COLUMN reminder_mobile text;
ALTER TABLE tickets ADD COLUMN ahead_reminded boolean NOT NULL DEFAULT false;
CREATE INDEX tickets_awaiting_reminder ON tickets (hall, day)
    WHERE reminder_mobile IS NOT NULL AND NOT ahead_reminded AND status = 'waiting';
