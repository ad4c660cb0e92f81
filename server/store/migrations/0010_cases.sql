-- 差评整改: every bad rating (不满意, 非常不满意) opens one follow-up case in the
-- rating's transaction, due by the end of a working day on the hall calendar and
-- assigned to the department of the rated service. Managers record the callback
-- to the citizen (回访: each attempt, reached or not) and the fix (整改); the case
-- closes with the step that completes both (server/follow_ups.py).
CREATE TABLE follow_ups (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall        text        NOT NULL,
    rating_id   bigint      NOT NULL UNIQUE REFERENCES ratings (id),
    day         date        NOT NULL,   -- the rating's business day: the period a case counts in
    department  text        NOT NULL,
    opened_at   timestamptz NOT NULL,
    deadline    date        NOT NULL,   -- the last working day
    warn_at     timestamptz NOT NULL,   -- yellow from here (the start of the warn days)
    due_at      timestamptz NOT NULL,   -- the end of the deadline day in hall time: red after
    fix_note    text,
    fix_by      text,
    fix_at      timestamptz,
    closed_at   timestamptz,
    CHECK ((fix_at IS NULL) = (fix_note IS NULL)),
    CHECK (closed_at IS NULL OR fix_at IS NOT NULL)
);
CREATE INDEX follow_ups_open ON follow_ups (hall, due_at) WHERE closed_at IS NULL;
CREATE INDEX follow_ups_by_day ON follow_ups (hall, day);

-- Every callback attempt, reached or not: 回访 leaves a trace of each try.
CREATE TABLE follow_up_callbacks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     bigint      NOT NULL REFERENCES follow_ups (id),
    reached     boolean     NOT NULL,
    note        text        NOT NULL,
    by_staff    text        NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX follow_up_callbacks_of_case ON follow_up_callbacks (case_id, id);
