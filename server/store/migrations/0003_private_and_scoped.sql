-- Idempotency keys belong to one caller (device or staff member) on one hall
-- day, and remember a fingerprint of the request they were first sent with.
ALTER TABLE tickets DROP CONSTRAINT tickets_hall_idempotency_key_key;
ALTER TABLE tickets ADD COLUMN caller text;               -- device:<id> or staff:<id>
ALTER TABLE tickets ADD COLUMN request_fingerprint text;  -- hash of the body fields that define the ticket
CREATE UNIQUE INDEX tickets_idempotency ON tickets (hall, day, caller, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Staff free text is split: `note` is internal (staff and managers), `message`
-- is for the citizen and may be shown in public. Both are kept with ID and
-- mobile numbers masked.
ALTER TABLE tickets ADD COLUMN message text;

-- A pause gives a reason code (its label is what screens show), an internal
-- note and an optional message for the citizens waiting.
UPDATE windows SET pause_reason = 'other' WHERE pause_reason IS NOT NULL;
ALTER TABLE windows ADD COLUMN pause_note text;
ALTER TABLE windows ADD COLUMN pause_message text;

-- A card read keeps only what the rules use of the birth date.
ALTER TABLE card_reads DROP COLUMN birth_date;
ALTER TABLE card_reads ADD COLUMN green_eligible boolean NOT NULL DEFAULT false;
