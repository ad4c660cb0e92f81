-- The parts of the monthly 100-point assessment the centre enters (on-site leadership, hygiene,
-- IT discipline, complaints, letters of praise, banners …): one row per entry, with who entered
-- it and when. Append-only: a correction is a new entry naming the one it corrects
-- (server/reports/entries.py).
CREATE TABLE assessment_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall        text        NOT NULL,
    month       date        NOT NULL CHECK (extract(day FROM month) = 1),  -- the month it counts in
    window_no   integer     NOT NULL,
    category    text        NOT NULL,
    amount      numeric(7, 2) NOT NULL,  -- a count, or points off for the parts scored by hand
    note        text        NOT NULL,
    corrects    bigint REFERENCES assessment_entries (id),
    entered_by  text        NOT NULL,
    entered_at  timestamptz NOT NULL
);
CREATE INDEX assessment_entries_of_month ON assessment_entries (hall, month, window_no);

CREATE FUNCTION assessment_entries_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'assessment entries are append-only: a correction is a new entry';
END $$;
CREATE TRIGGER assessment_entries_append_only BEFORE UPDATE OR DELETE ON assessment_entries
    FOR EACH ROW EXECUTE FUNCTION assessment_entries_are_append_only();
