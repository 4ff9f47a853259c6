-- A tally's Idempotency-Key remembers the request it was first used for ("add:1", "set:37"), so
-- that the same key sent with another amount is refused (409) instead of answered as a replay of
-- the first. Keys stored before this migration have none and replay as before.

-- +goose Up
ALTER TABLE station_service_tally_keys ADD COLUMN request text
    CHECK (request ~ '^(add|set):[0-9]{1,7}$');

-- +goose Down
ALTER TABLE station_service_tally_keys DROP COLUMN request;
