-- 好差评: one rating per service given ("一次一评、一事一评"), tied to the stay at
-- the window that finished it (the servings row ended 'done'), from the window's
-- evaluation tablet or the ticket's phone page, whichever comes first.
-- A finished stay without a row here is 未评价 once its tablet's time is over
-- (a rule read from the stay's end and the hall's settings: server/ratings.py).
CREATE TABLE ratings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall        text        NOT NULL,
    day         date        NOT NULL,   -- the stay's business day
    serving_id  bigint      NOT NULL UNIQUE REFERENCES servings (id),
    ticket_id   bigint      NOT NULL REFERENCES tickets (id),
    window_no   integer     NOT NULL,
    staff_id    text,
    service     text        NOT NULL,
    zone        text        NOT NULL,
    department  text        NOT NULL,   -- the service's department when it was rated
    level       text        NOT NULL CHECK (level IN
                    ('very_satisfied', 'satisfied', 'basic', 'dissatisfied', 'very_dissatisfied')),
    score       smallint    NOT NULL CHECK (score BETWEEN 1 AND 5),
    reasons     text[]      NOT NULL DEFAULT '{}',  -- codes of the hall's checklist
    comment     text,                   -- the citizen's words, ID and mobile numbers masked; never public
    channel     text        NOT NULL CHECK (channel IN ('tablet', 'phone')),
    device_id   text,                   -- the tablet's id; NULL from the phone
    rated_at    timestamptz NOT NULL,
    -- 差评 (the bottom two) name their reasons; the others none
    CHECK ((score <= 2) = (cardinality(reasons) > 0)),
    CHECK (score <= 2 OR comment IS NULL)
);
CREATE INDEX ratings_by_day ON ratings (hall, day);

CREATE FUNCTION ratings_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ratings are immutable';
END $$;
CREATE TRIGGER ratings_immutable BEFORE UPDATE OR DELETE ON ratings
    FOR EACH ROW EXECUTE FUNCTION ratings_are_immutable();

-- The done stays of a window, latest first: what its tablet asks about.
CREATE INDEX servings_done_at_window ON servings (hall, window_no, ended_at) WHERE outcome = 'done';
