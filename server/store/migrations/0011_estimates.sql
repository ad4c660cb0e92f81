-- The wait a citizen was told at issue, in whole minutes as told, kept on the ticket so
-- that the estimates can be measured against the waits the citizens then had
-- (server/estimate_accuracy.py). Written once, in the issuing transaction, never changed.
-- NULL: no estimate was told (no signed-in window could serve the ticket, or it was issued
-- before estimates were kept). low..high: the estimate's range, NULL when it had none.
ALTER TABLE tickets ADD COLUMN estimated_wait_minutes integer CHECK (estimated_wait_minutes >= 0);
ALTER TABLE tickets ADD COLUMN estimated_wait_low integer CHECK (estimated_wait_low >= 0);
ALTER TABLE tickets ADD COLUMN estimated_wait_high integer CHECK (estimated_wait_high >= estimated_wait_low);
