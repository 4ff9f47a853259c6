-- The station registry and the staff who maintain it.

-- +goose Up
CREATE TABLE staff (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{2,39}$'),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'district_staff')),
    -- district_staff act only inside these administrative division codes; admins everywhere.
    districts     text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (role = 'admin' OR cardinality(districts) > 0)
);

-- Bearer tokens. Only a SHA-256 of the token is stored, so a leaked table grants nothing.
CREATE TABLE staff_sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    staff_id   uuid NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id);

-- Failed logins, kept for a short while to throttle guessing across every API process.
-- subject is 'user:<username>' or 'addr:<client address>'.
CREATE TABLE login_failures (
    subject   text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_subject_idx ON login_failures (subject, failed_at);

CREATE TABLE stations (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    address       text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 300),
    district_code text NOT NULL CHECK (district_code ~ '^[1-9][0-9]{5}$'),
    -- WGS-84, always; conversions to GCJ-02 and BD-09 happen at the edge.
    lat           double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng           double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    host_type     text NOT NULL CHECK (host_type IN ('bank', 'restaurant', 'shop', 'union_office', 'government',
                                                     'transport_hub', 'enterprise', 'community', 'other')),
    host_name     text NOT NULL DEFAULT '' CHECK (char_length(host_name) <= 100),
    amenities     text[] NOT NULL DEFAULT '{}',
    hours         jsonb NOT NULL CHECK (jsonb_typeof(hours) = 'object'),
    contact_phone text CHECK (contact_phone ~ '^[0-9+-]{5,20}$'),
    status        text NOT NULL CHECK (status IN ('active', 'suspended', 'closed')),
    demo          boolean NOT NULL DEFAULT false,
    version       bigint NOT NULL CHECK (version >= 1),
    created_at    timestamptz NOT NULL,
    created_by    text NOT NULL,
    updated_at    timestamptz NOT NULL,
    updated_by    text NOT NULL
);
CREATE INDEX stations_district_idx ON stations (district_code, id);
CREATE INDEX stations_status_idx ON stations (status, id);

-- Every change to a station, with the values before and after, for audit.
CREATE TABLE station_history (
    station_id uuid NOT NULL REFERENCES stations (id),
    version    bigint NOT NULL,
    action     text NOT NULL CHECK (action IN ('create', 'update', 'close', 'import')),
    changed_at timestamptz NOT NULL,
    changed_by text NOT NULL,
    changes    jsonb NOT NULL,
    PRIMARY KEY (station_id, version)
);

-- +goose Down
DROP TABLE station_history;
DROP TABLE stations;
DROP TABLE login_failures;
DROP TABLE staff_sessions;
DROP TABLE staff;
