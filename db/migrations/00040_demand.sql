-- +goose Up
-- Coverage (issue 13): anonymous demand. A count is a number of searches in
-- one S2 level-13 cell (about 1.3 km²) in one hour; nothing else is kept,
-- no worker, token, point or address. The CHECK on cell refuses an id of
-- any other level: the lowest set bit of a level-13 id is bit 34, so no
-- finer, more precise cell can be stored here.

CREATE TABLE demand_searches (
    cell         bigint   NOT NULL CHECK (cell & 34359738367 = 17179869184),
    day          date     NOT NULL, -- Shanghai date
    hour_of_week smallint NOT NULL CHECK (hour_of_week BETWEEN 0 AND 167), -- 0: Monday 00:00–01:00 Shanghai
    count        bigint   NOT NULL CHECK (count > 0),
    PRIMARY KEY (cell, day, hour_of_week),
    CONSTRAINT demand_searches_hour_in_day CHECK (hour_of_week / 24 = extract(isodow FROM day)::int - 1)
);
CREATE INDEX demand_searches_day ON demand_searches (day);

-- Demand from elsewhere (a delivery platform's anonymised order heat),
-- kept apart from searches. sha256 is the file's, so that it is imported once.
CREATE TABLE demand_imports (
    id          uuid        PRIMARY KEY,
    sha256      bytea       NOT NULL UNIQUE CHECK (length(sha256) = 32),
    imported_at timestamptz NOT NULL,
    imported_by uuid        NOT NULL REFERENCES staff (id),
    rows        integer     NOT NULL CHECK (rows > 0),
    total       bigint      NOT NULL CHECK (total > 0)
);
CREATE INDEX demand_imports_at ON demand_imports (imported_at);

CREATE TABLE demand_imported (
    import_id    uuid     NOT NULL REFERENCES demand_imports (id) ON DELETE CASCADE,
    cell         bigint   NOT NULL CHECK (cell & 34359738367 = 17179869184),
    hour_of_week smallint NOT NULL CHECK (hour_of_week BETWEEN -1 AND 167), -- -1: the file gave no hour
    count        bigint   NOT NULL CHECK (count > 0),
    PRIMARY KEY (import_id, cell, hour_of_week)
);
CREATE INDEX demand_imported_cell ON demand_imported (cell);

-- +goose Down
DROP TABLE demand_imported;
DROP TABLE demand_imports;
DROP TABLE demand_searches;
