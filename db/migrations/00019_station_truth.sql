-- Station truth: workers' check-ins and reports, staff notices and visits.
--
-- Privacy (PIPL): a check-in's point is used to check that the worker stands within 300 m of the
-- station and is never stored; nothing here holds a location. What the public sees of a station
-- (last_confirmed_at, amenity_checks, notices) names no worker.

-- +goose Up
ALTER TABLE stations
    -- Counts every write of the row, those that keep version (the editors' ETag) too, so that the
    -- search index of every process takes the newest copy. The stamp trigger keeps it.
    ADD COLUMN revision          bigint NOT NULL DEFAULT 1 CHECK (revision >= 1),
    ADD COLUMN last_confirmed_at timestamptz,
    -- {"hot_water": {"confirmed_at": "…", "reported_broken_at": "…"}, …}
    ADD COLUMN amenity_checks    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(amenity_checks) = 'object'),
    ADD COLUMN verified_at       timestamptz,
    ADD COLUMN verified_by       text CHECK (char_length(verified_by) BETWEEN 1 AND 100),
    ADD COLUMN needs_review      boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT stations_verified_by_whom CHECK ((verified_at IS NULL) = (verified_by IS NULL));
CREATE INDEX stations_needs_review_idx ON stations (id) WHERE needs_review;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION stations_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id();
    IF TG_OP = 'UPDATE' THEN
        NEW.revision := OLD.revision + 1;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- One row per check-in, without the point. The unique key is the rule "one check-in per worker per
-- station per hour", kept by the database whatever number of API processes race.
CREATE TABLE station_checkins (
    id            uuid PRIMARY KEY,
    station_id    uuid NOT NULL REFERENCES stations (id),
    worker_id     uuid NOT NULL REFERENCES workers (id),
    checked_in_at timestamptz NOT NULL,
    hour          timestamptz NOT NULL CHECK (extract(epoch FROM hour)::bigint % 3600 = 0),
    working       text[] NOT NULL DEFAULT '{}',
    broken        text[] NOT NULL DEFAULT '{}',
    note          text CHECK (char_length(note) BETWEEN 1 AND 500),
    CHECK (hour <= checked_in_at AND checked_in_at < hour + interval '1 hour'),
    CONSTRAINT station_checkins_once_an_hour UNIQUE (worker_id, station_id, hour)
);
CREATE INDEX station_checkins_station_idx ON station_checkins (station_id, checked_in_at);

CREATE TABLE station_reports (
    id            uuid PRIMARY KEY,
    station_id    uuid NOT NULL REFERENCES stations (id),
    worker_id     uuid NOT NULL REFERENCES workers (id),
    category      text NOT NULL CHECK (category IN ('closed_when_open', 'amenity_missing', 'amenity_broken',
                                                    'wrong_location', 'unsafe', 'dirty', 'other')),
    amenity       text CHECK (amenity ~ '^[a-z_]{1,40}$'),
    note          text CHECK (char_length(note) BETWEEN 1 AND 500),
    status        text NOT NULL CHECK (status IN ('open', 'resolved', 'dismissed')),
    created_at    timestamptz NOT NULL,
    decided_at    timestamptz,
    decided_by    text CHECK (char_length(decided_by) BETWEEN 1 AND 100),
    decision_note text CHECK (char_length(decision_note) BETWEEN 1 AND 500),
    CHECK ((status = 'open') = (decided_at IS NULL)),
    CHECK ((status = 'open') = (decided_by IS NULL)),
    CHECK ((status = 'open') = (decision_note IS NULL)),
    CHECK (category NOT IN ('amenity_missing', 'amenity_broken') OR amenity IS NOT NULL),
    CHECK (decided_at >= created_at)
);
CREATE INDEX station_reports_open_idx ON station_reports (station_id, created_at) WHERE status = 'open';
CREATE INDEX station_reports_worker_idx ON station_reports (worker_id, id);
CREATE INDEX station_reports_status_idx ON station_reports (status, id);

-- Reports per worker per Shanghai calendar day. Each report adds one in its own transaction
-- (INSERT … ON CONFLICT DO UPDATE, which locks the row), so the CHECK refuses the sixth however many
-- arrive at once.
CREATE TABLE worker_report_days (
    worker_id uuid NOT NULL REFERENCES workers (id),
    day       date NOT NULL,
    reports   integer NOT NULL,
    PRIMARY KEY (worker_id, day),
    CONSTRAINT worker_report_days_at_most_five CHECK (reports BETWEEN 1 AND 5)
);

-- Staff notices about a station, in force from starts_at until ends_at (exclusive). Nothing sweeps
-- them: readers evaluate them at the instant they ask about.
CREATE TABLE station_notices (
    id         uuid PRIMARY KEY,
    station_id uuid NOT NULL REFERENCES stations (id),
    kind       text NOT NULL CHECK (kind IN ('temporarily_closed', 'amenity_unavailable')),
    amenity    text CHECK (amenity ~ '^[a-z_]{1,40}$'),
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    message    text NOT NULL CHECK (char_length(message) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL CHECK (char_length(created_by) BETWEEN 1 AND 100),
    CHECK (ends_at > starts_at),
    CHECK ((kind = 'amenity_unavailable') = (amenity IS NOT NULL))
);
CREATE INDEX station_notices_station_idx ON station_notices (station_id, ends_at);

-- +goose Down
DROP TABLE station_notices;
DROP TABLE worker_report_days;
DROP TABLE station_reports;
DROP TABLE station_checkins;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION stations_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
DROP INDEX stations_needs_review_idx;
ALTER TABLE stations DROP CONSTRAINT stations_verified_by_whom, DROP COLUMN needs_review, DROP COLUMN verified_by,
    DROP COLUMN verified_at, DROP COLUMN amenity_checks, DROP COLUMN last_confirmed_at, DROP COLUMN revision;
