-- Partner access for rider platforms (issue 15 §3). An admin issues a partner (美团, 饿了么) an API
-- key; the partner sends it as X-Api-Key on the public search endpoints, under its own rate limit and
-- daily quota instead of the per-address limits.
--
-- Only the key's SHA-256 is kept: the key is 256 random bits, so the hash cannot be reversed or
-- guessed, and an unsalted fast hash lets a request find its partner by an index lookup. key_prefix
-- (the key's first characters) lets an admin tell keys apart in a list; it grants nothing.
--
-- A partner's name is unique among the partners not revoked: revoking 美团 and issuing it a new key
-- keeps the old row (and its usage) for the record.

-- +goose Up
CREATE TABLE partners (
    id              uuid PRIMARY KEY,
    name            text NOT NULL CHECK (name <> '' AND char_length(name) <= 64),
    key_hash        bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    key_prefix      text NOT NULL CHECK (key_prefix <> ''),
    rate_per_second double precision NOT NULL CHECK (rate_per_second > 0 AND rate_per_second <= 100000),
    burst           integer NOT NULL CHECK (burst >= 1 AND burst <= 1000000),
    daily_quota     bigint NOT NULL CHECK (daily_quota >= 1 AND daily_quota <= 1000000000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL,
    revoked_at      timestamptz,
    revoked_by      text,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

CREATE UNIQUE INDEX partners_active_name ON partners (lower(name)) WHERE revoked_at IS NULL;

-- One row per partner and Shanghai calendar day. Every API process reserves blocks of the day's
-- quota here (reserved grows under a row lock) and answers from its block without a database round
-- trip; it later adds what it answered to used and gives back what it did not use. The CHECKs are
-- the promise itself: however many processes share the database, no more than daily_quota requests
-- are ever admitted (reserved never passes it, and every admitted request was reserved first).
CREATE TABLE partner_usage (
    partner_id  uuid NOT NULL REFERENCES partners (id),
    day         date NOT NULL,
    daily_quota bigint NOT NULL CHECK (daily_quota >= 1),
    reserved    bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    used        bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (partner_id, day),
    CONSTRAINT partner_usage_within_quota CHECK (reserved <= daily_quota),
    CONSTRAINT partner_usage_used_reserved CHECK (used <= reserved)
);

-- Every process listens here and reloads its partners at once: a revocation stops the key on every
-- replica within milliseconds.
-- +goose StatementBegin
CREATE FUNCTION partners_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('partner_changes', '');
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER partners_notify AFTER INSERT OR UPDATE OR DELETE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION partners_notify();

-- +goose Down
DROP TRIGGER partners_notify ON partners;
DROP FUNCTION partners_notify();
DROP TABLE partner_usage;
DROP TABLE partners;
