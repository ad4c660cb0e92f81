-- The audit query (全程留痕): the event log and the audit trail read together, newest
-- first, by hall and time, by window, staff member, ticket or kind; each index ends
-- in (at, seq|id) so a page continues from its cursor with an index range, never OFFSET.

-- The second staff member an entry concerns: the holder a take-over took the window from.
ALTER TABLE audit_log ADD COLUMN counterpart text;

CREATE INDEX events_by_time ON events (hall, at, seq);
CREATE INDEX events_by_staff ON events (hall, staff_id, at, seq) WHERE staff_id IS NOT NULL;
CREATE INDEX events_by_window ON events (hall, window_no, at, seq) WHERE window_no IS NOT NULL;
CREATE INDEX events_by_kind ON events (hall, kind, at, seq);

DROP INDEX audit_log_by_hall;
CREATE INDEX audit_log_by_time ON audit_log (hall, at, id);
CREATE INDEX audit_log_by_actor ON audit_log (hall, actor, at, id) WHERE actor IS NOT NULL;
CREATE INDEX audit_log_by_subject ON audit_log (hall, subject, at, id) WHERE subject IS NOT NULL;
CREATE INDEX audit_log_by_counterpart ON audit_log (hall, counterpart, at, id) WHERE counterpart IS NOT NULL;
