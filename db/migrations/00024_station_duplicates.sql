-- The duplicate check (issue 11 §3) reads the active stations in a small latitude/longitude box
-- around each new one, inside the creating transaction; this index serves it (a 200 m band of
-- latitude, then longitude).

-- +goose Up
CREATE INDEX stations_active_lat_lng_idx ON stations (lat, lng) WHERE status = 'active';

-- +goose Down
DROP INDEX stations_active_lat_lng_idx;
