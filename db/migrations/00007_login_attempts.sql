-- A staff login is recorded as failed before its password is checked, and the record is taken
-- back when the password was right: counted after the check, concurrent wrong guesses all read
-- the count from before any of them, and got past the limit together. The attempt column ties a
-- login's records together, so that a success removes its own and no other's.

-- +goose Up
ALTER TABLE login_failures ADD COLUMN attempt uuid;
CREATE INDEX login_failures_attempt_idx ON login_failures (attempt) WHERE attempt IS NOT NULL;

-- +goose Down
DROP INDEX login_failures_attempt_idx;
ALTER TABLE login_failures DROP COLUMN attempt;
