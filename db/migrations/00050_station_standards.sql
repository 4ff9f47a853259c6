-- Station standards (issue 15 §2 and §4): listings on the map apps (上图), inspections against the
-- national guideline's checklist, the star level they give, the 最美站点 recognition, and the
-- daily service tallies (服务人次).

-- +goose Up
-- The star level is computed by internal/standard from the latest inspection and the map listings
-- (its rule is configurable: STAR_RULE) and kept here, so that station answers and the search index
-- carry it without a join; every write that could change it rewrites it in the same transaction.
ALTER TABLE stations
    ADD COLUMN star_level        smallint CHECK (star_level BETWEEN 1 AND 5),
    ADD COLUMN last_inspected_at timestamptz,
    ADD COLUMN most_beautiful_at timestamptz,
    ADD COLUMN most_beautiful_by text CHECK (char_length(most_beautiful_by) BETWEEN 1 AND 100),
    ADD CONSTRAINT stations_stars_need_an_inspection CHECK ((star_level IS NULL) = (last_inspected_at IS NULL)),
    ADD CONSTRAINT stations_most_beautiful_by_whom CHECK ((most_beautiful_at IS NULL) = (most_beautiful_by IS NULL));

-- One row per station and platform once staff set it; no row means not_submitted.
CREATE TABLE station_map_listings (
    station_id  uuid NOT NULL REFERENCES stations (id),
    platform    text NOT NULL CHECK (platform IN ('amap', 'baidu', 'tencent')),
    status      text NOT NULL CHECK (status IN ('not_submitted', 'submitted', 'listed', 'rejected')),
    status_date date NOT NULL,
    note        text CHECK (char_length(note) BETWEEN 1 AND 500),
    updated_at  timestamptz NOT NULL,
    updated_by  text NOT NULL CHECK (char_length(updated_by) BETWEEN 1 AND 100),
    PRIMARY KEY (station_id, platform)
);
CREATE INDEX station_map_listings_listed_idx ON station_map_listings (platform, station_id) WHERE status = 'listed';

-- Inspections against the checklist. items maps every checklist code to pass (true) or fail; the
-- codes are checked by internal/standard. photo_ids name photos of the photos feature (issue 15
-- §1, another branch); they are kept as uuids without a foreign key until that table exists.
CREATE TABLE station_inspections (
    id           uuid PRIMARY KEY,
    station_id   uuid NOT NULL REFERENCES stations (id),
    inspected_at timestamptz NOT NULL,
    inspected_by text NOT NULL CHECK (char_length(inspected_by) BETWEEN 1 AND 100),
    items        jsonb NOT NULL CHECK (jsonb_typeof(items) = 'object'),
    passed       smallint NOT NULL CHECK (passed >= 0),
    notes        text CHECK (char_length(notes) BETWEEN 1 AND 2000),
    photo_ids    uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(photo_ids) <= 20),
    star_level   smallint NOT NULL CHECK (star_level BETWEEN 1 AND 5)
);
CREATE INDEX station_inspections_station_idx ON station_inspections (station_id, inspected_at DESC, id DESC);

-- Services counted per station per Shanghai calendar day. A +1 is one INSERT … ON CONFLICT DO UPDATE
-- SET count = count + 1, which locks the row, so concurrent +1s are never lost.
CREATE TABLE station_service_days (
    station_id uuid NOT NULL REFERENCES stations (id),
    day        date NOT NULL,
    count      integer NOT NULL CHECK (count BETWEEN 0 AND 1000000),
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL CHECK (char_length(updated_by) BETWEEN 1 AND 100),
    PRIMARY KEY (station_id, day)
);

-- Idempotency keys of tally changes: a retry with the same key by the same staff member answers
-- the first result and counts nothing more.
CREATE TABLE station_service_tally_keys (
    actor      text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 100),
    key        text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    station_id uuid NOT NULL REFERENCES stations (id),
    day        date NOT NULL,
    count      integer NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (actor, key)
);

-- +goose Down
DROP TABLE station_service_tally_keys;
DROP TABLE station_service_days;
DROP TABLE station_inspections;
DROP TABLE station_map_listings;
ALTER TABLE stations DROP CONSTRAINT stations_most_beautiful_by_whom, DROP CONSTRAINT stations_stars_need_an_inspection,
    DROP COLUMN most_beautiful_by, DROP COLUMN most_beautiful_at, DROP COLUMN last_inspected_at, DROP COLUMN star_level;
