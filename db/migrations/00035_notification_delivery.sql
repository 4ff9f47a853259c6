-- Delivery of the notification outbox (00025) as WeChat subscribe messages (issue 12 section 4).
--
-- Every API process delivers: it leases due rows (status pending, next_attempt_at passed) with
-- FOR UPDATE SKIP LOCKED by moving next_attempt_at past the lease, sends them, and records the
-- outcome. A process that stops mid-send leaves the row to be sent again when its lease ends:
-- delivery is at least once. A finished row keeps its dedup_key (so the change that caused it,
-- done again, writes no second event) but not its data: the message's words are forgotten once
-- it is sent or dropped, and the row itself 30 days later.

-- +goose Up
ALTER TABLE notification_outbox
    ADD COLUMN status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dropped')),
    ADD COLUMN attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- An acceptance of the template was taken for this message (kept across retries, so a retry
    -- never takes a second one).
    ADD COLUMN reserved        boolean NOT NULL DEFAULT false,
    -- When it was sent or dropped, and why: sent, no_template, no_acceptance, unsubscribed,
    -- erased, rejected or expired. While pending, result is the last failed attempt's (retry).
    ADD COLUMN delivered_at    timestamptz,
    ADD COLUMN result          text CHECK (result ~ '^[a-z_]{1,30}$'),
    -- WeChat's errcode of the last failed attempt, or 0 for a transport failure; never the data.
    ADD COLUMN last_errcode    integer,
    ADD CONSTRAINT notification_outbox_finished CHECK ((status = 'pending') = (delivered_at IS NULL)),
    ADD CONSTRAINT notification_outbox_result CHECK (status = 'pending' OR result IS NOT NULL),
    ADD CONSTRAINT notification_outbox_sent CHECK ((status = 'sent') = (result = 'sent'));
-- The deliverers' queue, and the outbox age metric.
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX notification_outbox_pending_created ON notification_outbox (created_at) WHERE status = 'pending';
CREATE INDEX notification_outbox_worker ON notification_outbox (worker_id);
-- Finished rows are deleted 30 days on (notify.Retention).
CREATE INDEX notification_outbox_finished_at ON notification_outbox (delivered_at) WHERE status <> 'pending';

-- The one-time subscribe-message acceptances a worker gave in the mini-program
-- (wx.requestSubscribeMessage): each allows one message of that template. A send takes one; the
-- count never goes below zero, and stops at 100 (WeChat keeps no more use for more).
CREATE TABLE notification_subscriptions (
    worker_id   uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    template_id text NOT NULL CHECK (template_id ~ '^[A-Za-z0-9_-]{1,128}$'),
    remaining   integer NOT NULL CHECK (remaining BETWEEN 0 AND 100),
    accepted    bigint NOT NULL DEFAULT 0 CHECK (accepted >= 0), -- acceptances ever recorded
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (worker_id, template_id)
);

-- WeChat's access token, shared by every API process: one row per app id, replaced under the
-- row's lock by whichever process finds it about to expire (or refused by WeChat).
CREATE TABLE wechat_access_tokens (
    appid        text PRIMARY KEY CHECK (char_length(appid) BETWEEN 1 AND 64),
    token        text NOT NULL CHECK (char_length(token) <= 2048),
    expires_at   timestamptz NOT NULL,
    refreshed_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE wechat_access_tokens;
DROP TABLE notification_subscriptions;
DROP INDEX notification_outbox_finished_at;
DROP INDEX notification_outbox_worker;
DROP INDEX notification_outbox_pending_created;
DROP INDEX notification_outbox_due;
ALTER TABLE notification_outbox
    DROP CONSTRAINT notification_outbox_sent,
    DROP CONSTRAINT notification_outbox_result,
    DROP CONSTRAINT notification_outbox_finished,
    DROP COLUMN last_errcode,
    DROP COLUMN result,
    DROP COLUMN delivered_at,
    DROP COLUMN reserved,
    DROP COLUMN attempts,
    DROP COLUMN next_attempt_at,
    DROP COLUMN status;
