-- Staff accounts can be disabled (a clerk who left, a lost phone) and enabled again. A disabled
-- account's sessions stop working at once: every session lookup joins on disabled_at IS NULL, and
-- disabling also revokes the open sessions, so that enabling the account again does not bring
-- them back.

-- +goose Up
ALTER TABLE staff ADD COLUMN disabled_at timestamptz;

-- +goose Down
ALTER TABLE staff DROP COLUMN disabled_at;
