-- Change tracking for the in-memory search index of every API process.
--
-- Each row carries the id of the transaction that last wrote it. A reader that remembers
-- pg_snapshot_xmin of its previous read and asks for change_xid >= that xmin sees every write
-- committed since, even one whose transaction started before the previous read and committed
-- after it, which a plain sequence number would miss. A statement-level NOTIFY, delivered at
-- commit, wakes the readers at once; the periodic reconcile covers a dropped notification.

-- +goose Up
ALTER TABLE stations ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX stations_change_xid_idx ON stations (change_xid);

-- +goose StatementBegin
CREATE FUNCTION stations_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER stations_stamp_change BEFORE INSERT OR UPDATE ON stations
    FOR EACH ROW EXECUTE FUNCTION stations_stamp_change();

-- +goose StatementBegin
CREATE FUNCTION stations_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('station_changes', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER stations_notify_change AFTER INSERT OR UPDATE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION stations_notify_change();

-- +goose Down
DROP TRIGGER stations_notify_change ON stations;
DROP FUNCTION stations_notify_change();
DROP TRIGGER stations_stamp_change ON stations;
DROP FUNCTION stations_stamp_change();
ALTER TABLE stations DROP COLUMN change_xid;
