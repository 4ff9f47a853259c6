-- Station photos (issue 15 §1): staff upload up to ten photos per station, one of them the entrance
-- (门头照), so that a courier at night recognises the door. The images themselves live in PHOTO_DIR
-- under content-addressed names (the sha256 of their bytes); a row names its two files, written and
-- fsync'd before the row commits, so no row ever lacks its files. Files with no row are swept.
--
-- Privacy (PIPL): every image is decoded and re-encoded before it is stored, so no EXIF (a staff
-- phone's GPS position among it) reaches the disk; nothing here holds a location.

-- +goose Up
CREATE TABLE station_photos (
    id               uuid PRIMARY KEY,
    station_id       uuid NOT NULL REFERENCES stations (id),
    -- A photo takes one of ten slots: the unique key and the CHECK are the "at most ten per
    -- station" rule, kept by the schema whatever number of uploads race.
    slot             smallint NOT NULL CHECK (slot BETWEEN 1 AND 10),
    entrance         boolean NOT NULL DEFAULT false,
    -- The 1600 px version and the 400 px thumbnail, each by the sha256 of its JPEG bytes.
    full_name        text NOT NULL CHECK (full_name ~ '^[0-9a-f]{64}$'),
    thumb_name       text NOT NULL CHECK (thumb_name ~ '^[0-9a-f]{64}$'),
    width            integer NOT NULL CHECK (width BETWEEN 1 AND 1600),
    height           integer NOT NULL CHECK (height BETWEEN 1 AND 1600),
    thumb_width      integer NOT NULL CHECK (thumb_width BETWEEN 1 AND 400),
    thumb_height     integer NOT NULL CHECK (thumb_height BETWEEN 1 AND 400),
    bytes            integer NOT NULL CHECK (bytes > 0),
    created_at       timestamptz NOT NULL,
    created_by       text NOT NULL CHECK (char_length(created_by) BETWEEN 1 AND 100),
    CONSTRAINT station_photos_at_most_ten UNIQUE (station_id, slot),
    -- The same image twice on one station is one photo (a retried upload).
    CONSTRAINT station_photos_once UNIQUE (station_id, full_name)
);
-- At most one entrance photo per station.
CREATE UNIQUE INDEX station_photos_one_entrance ON station_photos (station_id) WHERE entrance;
-- The sweep asks whether any row still names a file.
CREATE INDEX station_photos_full_idx ON station_photos (full_name);
CREATE INDEX station_photos_thumb_idx ON station_photos (thumb_name);

-- What every station answer shows of its photos, kept in the station's row in the same transaction as
-- the photos (writing it raises the revision, so every search index takes the change): how many, and
-- the entrance photo {"id", "full", "thumb", "width", "height"} or NULL.
ALTER TABLE stations
    ADD COLUMN photo_count    smallint NOT NULL DEFAULT 0 CHECK (photo_count BETWEEN 0 AND 10),
    ADD COLUMN entrance_photo jsonb CHECK (jsonb_typeof(entrance_photo) = 'object');

-- +goose Down
ALTER TABLE stations DROP COLUMN entrance_photo, DROP COLUMN photo_count;
DROP TABLE station_photos;
