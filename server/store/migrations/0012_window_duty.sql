-- The staffing advice compares its counts with the windows that were open: each window's duty
-- changes (sign-in, pause, resume, sign-out) on a day, and the last one before it. Read per window
-- from this index, a hall's years of events are never scanned for them.
CREATE INDEX events_window_duty ON events (hall, window_no, at) WHERE kind LIKE 'window.%';
