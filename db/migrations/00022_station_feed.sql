-- The change feed of stations for the mini-program's offline cache (GET /v1/stations/changes).
--
-- A page is the stations whose last write (change_xid, id) lies after the client's cursor and
-- below the xmin of the reading snapshot: every transaction with a smaller id has ended, so no
-- row can ever join that range later; a transaction that took its id earlier but commits later
-- is below no such xmin until it has committed. The keyset index serves the scan in that order.
--
-- A station that leaves a district (district_code changed) must reach the caches of the district
-- it left as removed, but its row names only the district it is in now. So each such move is
-- logged with the district left and the moving transaction's id, read by the feed in the same
-- order as the rows.

-- +goose Up
DROP INDEX stations_change_xid_idx;
CREATE INDEX stations_change_xid_id_idx ON stations (change_xid, id);
CREATE INDEX stations_district_change_idx ON stations (district_code, change_xid, id);

CREATE TABLE station_district_exits (
    station_id    uuid NOT NULL REFERENCES stations (id),
    district_code text NOT NULL CHECK (district_code ~ '^[1-9][0-9]{5}$'),
    change_xid    xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX station_district_exits_change_idx ON station_district_exits (change_xid, station_id);
CREATE INDEX station_district_exits_district_idx ON station_district_exits (district_code, change_xid, station_id);

-- +goose StatementBegin
CREATE FUNCTION stations_log_district_exit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO station_district_exits (station_id, district_code) VALUES (OLD.id, OLD.district_code);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER stations_log_district_exit AFTER UPDATE OF district_code ON stations
    FOR EACH ROW WHEN (OLD.district_code IS DISTINCT FROM NEW.district_code)
    EXECUTE FUNCTION stations_log_district_exit();

-- +goose Down
DROP TRIGGER stations_log_district_exit ON stations;
DROP FUNCTION stations_log_district_exit();
DROP TABLE station_district_exits;
DROP INDEX stations_district_change_idx;
DROP INDEX stations_change_xid_id_idx;
CREATE INDEX stations_change_xid_idx ON stations (change_xid);
