-- Activities and courses (issue 12 §1): union staff publish an activity with a capacity, workers
-- sign up, the overflow waits in line, a cancellation promotes the first in line, and staff check
-- people in at the door with the sign-up's code.
--
-- The rules that must never break are held by the schema: no more confirmed places than the
-- capacity (the counters on the activity row, which every sign-up, cancellation and promotion
-- updates under its row lock), one active sign-up per worker and activity, one sign-up per
-- (worker, Idempotency-Key), a sign-up's status and its timestamps in step.

-- +goose Up
CREATE TABLE activities (
    id                uuid PRIMARY KEY,
    title             text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 60),
    description       text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    category          text NOT NULL CHECK (category IN ('course', 'event', 'health_check', 'legal_aid', 'other')),
    -- The place: a station, or an address with a point (WGS-84).
    station_id        uuid REFERENCES stations (id),
    address           text CHECK (char_length(address) BETWEEN 1 AND 200),
    lat               double precision CHECK (lat BETWEEN -90 AND 90),
    lng               double precision CHECK (lng BETWEEN -180 AND 180),
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    capacity          integer NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
    -- The sign-up window; NULL: from publication (published_at) until the start.
    signup_opens_at   timestamptz,
    signup_closes_at  timestamptz,
    members_only      boolean NOT NULL DEFAULT false,
    occupations       text[] NOT NULL DEFAULT '{}',
    district_codes    text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL CHECK (status IN ('draft', 'published', 'cancelled', 'finished')),
    published_at      timestamptz,
    -- Counters kept in the row every sign-up locks: confirmed places taken, workers waiting, and
    -- the last sign-up number handed out (each sign-up's queue_no).
    confirmed         integer NOT NULL DEFAULT 0 CHECK (confirmed >= 0),
    waitlisted        integer NOT NULL DEFAULT 0 CHECK (waitlisted >= 0),
    queue_seq         bigint NOT NULL DEFAULT 0 CHECK (queue_seq >= 0),
    -- The queue_no of the last sign-up that found a free place when it was made: how the one
    -- statement of a sign-up learns which it got (PostgreSQL 15's RETURNING sees only the new row).
    placed_seq        bigint NOT NULL DEFAULT 0 CHECK (placed_seq BETWEEN 0 AND queue_seq),
    version           bigint NOT NULL CHECK (version >= 1),
    created_at        timestamptz NOT NULL,
    created_by        text NOT NULL,
    updated_at        timestamptz NOT NULL,
    updated_by        text NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (confirmed <= capacity),
    CHECK ((station_id IS NULL) = (address IS NOT NULL)),
    CHECK (num_nulls(address, lat, lng) IN (0, 3)),
    CHECK (signup_closes_at IS NULL OR signup_closes_at <= starts_at),
    CHECK (signup_opens_at IS NULL OR signup_opens_at < coalesce(signup_closes_at, starts_at)),
    CHECK ((status = 'draft') = (published_at IS NULL) OR status = 'cancelled')
);
-- Workers' listing: what is published and not over yet.
CREATE INDEX activities_upcoming_idx ON activities (starts_at) WHERE status = 'published';

CREATE TABLE activity_signups (
    id              uuid PRIMARY KEY,
    activity_id     uuid NOT NULL REFERENCES activities (id),
    worker_id       uuid NOT NULL REFERENCES workers (id),
    -- Shown at the door: 8 characters without 0/O and 1/I, unique within the activity.
    code            text NOT NULL CHECK (code ~ '^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$'),
    status          text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'checked_in')),
    -- The order of sign-up on the activity (its queue_seq when made): the waiting line is the
    -- waitlisted sign-ups in this order.
    queue_no        bigint NOT NULL CHECK (queue_no >= 1),
    created_at      timestamptz NOT NULL,
    promoted_at     timestamptz,
    cancelled_at    timestamptz,
    checked_in_at   timestamptz,
    checked_in_by   text CHECK (char_length(checked_in_by) BETWEEN 1 AND 100),
    UNIQUE (activity_id, code),
    UNIQUE (activity_id, queue_no),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CHECK ((status = 'checked_in') = (checked_in_at IS NOT NULL)),
    CHECK ((checked_in_at IS NULL) = (checked_in_by IS NULL))
);
-- A worker holds at most one sign-up per activity; a cancelled one does not count.
CREATE UNIQUE INDEX activity_signups_one_per_worker ON activity_signups (activity_id, worker_id) WHERE status <> 'cancelled';
-- The waiting line, first come first.
CREATE INDEX activity_signups_queue ON activity_signups (activity_id, queue_no) WHERE status = 'waitlisted';
-- A worker's sign-ups: their last one on an activity, their no-shows. (The roster reads the unique
-- (activity_id, queue_no); every index here is written under the activity's lock by each sign-up.)
CREATE INDEX activity_signups_worker_idx ON activity_signups (worker_id, activity_id);

-- The Idempotency-Key of every sign-up made, so a retry answers the sign-up it made.
CREATE TABLE activity_signup_keys (
    worker_id       uuid NOT NULL REFERENCES workers (id),
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    signup_id       uuid NOT NULL UNIQUE REFERENCES activity_signups (id),
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (worker_id, idempotency_key)
);

-- +goose Down
DROP TABLE activity_signup_keys;
DROP TABLE activity_signups;
DROP TABLE activities;
