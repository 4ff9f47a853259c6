-- Benefits: limited-stock offers defined by union staff, workers' claims on them, and their
-- redemption at stations.
--
-- The rules that must never break are held by the schema itself: stock never below zero, one claim
-- per (worker, Idempotency-Key), one published welcome offer, a claim's status
-- and its timestamps in step.

-- +goose Up
CREATE TABLE benefit_offers (
    id                uuid PRIMARY KEY,
    title             text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 60),
    description       text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    category          text NOT NULL CHECK (category IN ('gift_pack', 'phone_credit', 'voucher', 'meal', 'service', 'other')),
    -- NULL: unlimited. Otherwise the items left are held in benefit_stock.
    total_stock       integer CHECK (total_stock BETWEEN 0 AND 10000000),
    per_worker_count  integer NOT NULL CHECK (per_worker_count BETWEEN 1 AND 100),
    per_worker_period text NOT NULL CHECK (per_worker_period IN ('once', 'day', 'week', 'month')),
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    -- An optional weekly schedule, Asia/Shanghai: days 0 (Sunday) to 6, minutes after midnight.
    weekly_days       smallint[],
    weekly_from       smallint,
    weekly_to         smallint,
    members_only      boolean NOT NULL DEFAULT false,
    occupations       text[] NOT NULL DEFAULT '{}',
    district_codes    text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL CHECK (status IN ('draft', 'published', 'paused', 'ended')),
    welcome           boolean NOT NULL DEFAULT false,
    version           bigint NOT NULL CHECK (version >= 1),
    created_at        timestamptz NOT NULL,
    created_by        text NOT NULL,
    updated_at        timestamptz NOT NULL,
    updated_by        text NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (num_nulls(weekly_days, weekly_from, weekly_to) IN (0, 3)),
    CHECK (cardinality(weekly_days) BETWEEN 1 AND 7 AND weekly_days <@ '{0,1,2,3,4,5,6}'::smallint[]),
    CHECK (weekly_from >= 0 AND weekly_to <= 1440 AND weekly_from < weekly_to)
);
CREATE INDEX benefit_offers_open_idx ON benefit_offers (ends_at) WHERE status = 'published';
-- One welcome offer at a time: the one granted on membership approval.
CREATE UNIQUE INDEX benefit_offers_one_welcome_idx ON benefit_offers ((true)) WHERE welcome AND status = 'published';

-- The items left of a limited offer: its total less its claims not expired, split over 16 slots.
-- A claim takes one item from a slot with a conditional UPDATE (remaining > 0), picking a slot no
-- other claim holds (FOR UPDATE SKIP LOCKED), so that claims on one busy offer commit side by side
-- instead of queueing on one row until each commit is flushed. An unlimited offer has no slots.
CREATE TABLE benefit_stock (
    offer_id  uuid NOT NULL REFERENCES benefit_offers (id) ON DELETE CASCADE,
    slot      smallint NOT NULL CHECK (slot BETWEEN 0 AND 15),
    remaining integer NOT NULL CHECK (remaining >= 0),
    PRIMARY KEY (offer_id, slot)
);

-- The stations where an offer's claims are collected; none means any active station of the
-- offer's districts.
CREATE TABLE benefit_offer_stations (
    offer_id   uuid NOT NULL REFERENCES benefit_offers (id) ON DELETE CASCADE,
    station_id uuid NOT NULL REFERENCES stations (id),
    PRIMARY KEY (offer_id, station_id)
);

CREATE TABLE benefit_claims (
    id                  uuid PRIMARY KEY,
    offer_id            uuid NOT NULL REFERENCES benefit_offers (id),
    worker_id           uuid NOT NULL REFERENCES workers (id),
    -- Shown to station staff: 8 characters without 0/O and 1/I.
    code                text NOT NULL UNIQUE CHECK (code ~ '^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$'),
    status              text NOT NULL CHECK (status IN ('claimed', 'redeemed', 'expired')),
    welcome             boolean NOT NULL DEFAULT false,
    claimed_at          timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    redeemed_at         timestamptz,
    redeemed_station_id uuid REFERENCES stations (id),
    redeemed_by         text CHECK (char_length(redeemed_by) BETWEEN 1 AND 100),
    expired_at          timestamptz,
    CHECK (expires_at > claimed_at),
    CHECK ((status = 'redeemed') = (num_nonnulls(redeemed_at, redeemed_station_id, redeemed_by) = 3)),
    CHECK (num_nonnulls(redeemed_at, redeemed_station_id, redeemed_by) IN (0, 3)),
    CHECK ((status = 'expired') = (expired_at IS NOT NULL)),
    CHECK (redeemed_at IS NULL OR redeemed_at < expires_at)
);
-- Per-worker limits count a worker's claims on an offer by time.
CREATE INDEX benefit_claims_worker_offer_idx ON benefit_claims (worker_id, offer_id, claimed_at);
CREATE INDEX benefit_claims_worker_idx ON benefit_claims (worker_id, id);
CREATE INDEX benefit_claims_offer_idx ON benefit_claims (offer_id, claimed_at);
-- The sweeper's queue.
CREATE INDEX benefit_claims_due_idx ON benefit_claims (expires_at) WHERE status = 'claimed';

-- The Idempotency-Key of every claim made, so a retry returns the first answer. Stored in the
-- claim's transaction; a refused claim stores nothing and a retry is decided afresh.
CREATE TABLE benefit_claim_keys (
    worker_id       uuid NOT NULL REFERENCES workers (id),
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    offer_id        uuid NOT NULL REFERENCES benefit_offers (id),
    claim_id        uuid NOT NULL UNIQUE REFERENCES benefit_claims (id),
    created_at      timestamptz NOT NULL,
    UNIQUE (worker_id, idempotency_key)
);

-- +goose Down
DROP TABLE benefit_claim_keys;
DROP TABLE benefit_claims;
DROP TABLE benefit_offer_stations;
DROP TABLE benefit_stock;
DROP TABLE benefit_offers;
