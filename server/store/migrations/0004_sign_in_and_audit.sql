-- Failed sign-ins per account and per client address, shared by every server
-- process: growing delays after a few failures, and a lockout of the account.
CREATE TABLE sign_in_attempts (
    key            text PRIMARY KEY,  -- "account:<hall>:<staff id>" or "address:<ip>"
    failures       integer     NOT NULL,
    last_at        timestamptz NOT NULL,
    blocked_until  timestamptz,       -- no attempt before then (the growing delay)
    locked_until   timestamptz        -- a locked account, until then or until a manager lifts it
);

-- Who did what to whom, from where, and with what outcome: sign-ins and
-- their failures, lockouts, unlocks, sign-outs, take-overs. Append-only.
CREATE TABLE audit_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL,
    hall     text        NOT NULL,
    actor    text,                    -- staff or device id; NULL when not signed in
    action   text        NOT NULL,
    subject  text,                    -- what it acted on: a staff id, "window:15"
    address  text,                    -- the client's address
    outcome  text        NOT NULL,
    detail   text
);
CREATE INDEX audit_log_by_hall ON audit_log (hall, at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
