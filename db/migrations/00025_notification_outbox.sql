-- The transactional outbox of notifications to workers (WeChat subscribe messages).
--
-- A row is written in the same transaction as the change that caused it (a membership decided, a
-- waitlist place freed, …), so a notification exists exactly when its change committed. Any API
-- process may deliver it. dedup_key makes a retried change write its event once: a change that is
-- done again finds the row already there (INSERT … ON CONFLICT DO NOTHING).
--
-- data holds the template's field values, already in Chinese, and never a worker's precise
-- location, health or finances beyond what the message itself must say.

-- +goose Up
CREATE TABLE notification_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    worker_id   uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    event       text NOT NULL CHECK (event ~ '^[a-z][a-z_]{1,39}$'),
    dedup_key   text NOT NULL UNIQUE CHECK (char_length(dedup_key) BETWEEN 1 AND 200),
    data        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_outbox_created ON notification_outbox (created_at);

-- +goose Down
DROP TABLE notification_outbox;
