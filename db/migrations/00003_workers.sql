-- Workers who sign in from the WeChat mini-program, their sessions, and their applications to
-- join the union.
--
-- Personal data (PIPL): a worker's precise location is never stored. DELETE /v1/me erases every
-- field that identifies or reaches the worker and keeps an anonymous row, so that counts (workers
-- and members by county and occupation) stay right. The checks below make an erased row that still
-- holds personal data, or a live one without its WeChat identity, impossible to store.

-- +goose Up
CREATE TABLE workers (
    id            uuid PRIMARY KEY,
    -- The WeChat identity: openid is per mini-program, unionid (when WeChat sends one) across the
    -- union's apps.
    openid        text UNIQUE CHECK (char_length(openid) BETWEEN 1 AND 128),
    unionid       text CHECK (char_length(unionid) BETWEEN 1 AND 128),
    nickname      text CHECK (char_length(nickname) BETWEEN 1 AND 40),
    phone         text CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    occupation    text CHECK (occupation IN ('food_delivery', 'express_courier', 'ride_hailing', 'truck_driver',
                                             'sanitation', 'domestic_service', 'other')),
    -- The platform or employer the worker works for, such as 美团 or 顺丰.
    employer      text CHECK (char_length(employer) BETWEEN 1 AND 60),
    -- Home county; never a finer location.
    district_code text CHECK (district_code ~ '^[1-9][0-9]{3}(0[1-9]|[1-9][0-9])$'),
    membership_no text UNIQUE CHECK (membership_no ~ '^YZ[0-9]{10}$'),
    member_since  timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    CHECK ((deleted_at IS NULL) = (openid IS NOT NULL)),
    CHECK (deleted_at IS NULL OR num_nonnulls(unionid, nickname, phone, employer, membership_no) = 0),
    CHECK (deleted_at IS NOT NULL OR (membership_no IS NULL) = (member_since IS NULL))
);

-- Workers' bearer tokens (yzw_…), like staff_sessions: only a SHA-256 of the token is stored.
CREATE TABLE worker_sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    worker_id  uuid NOT NULL REFERENCES workers (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX worker_sessions_worker_idx ON worker_sessions (worker_id) WHERE revoked_at IS NULL;

-- Mini-program logins, per client address, to throttle them across every API process. Rows older
-- than the throttling window are deleted as new attempts arrive.
CREATE TABLE worker_login_attempts (
    subject      text NOT NULL,
    attempted_at timestamptz NOT NULL
);
CREATE INDEX worker_login_attempts_subject_idx ON worker_login_attempts (subject, attempted_at);
CREATE INDEX worker_login_attempts_at_idx ON worker_login_attempts (attempted_at);

-- Applications to join the union (入会申请). Every decision is audited in the row itself: who
-- (decided_by, such as 'staff:pujiang'), when (decided_at) and, for a rejection, why (reason).
-- 'withdrawn' is set by the service when the worker erases their account while pending.
CREATE TABLE membership_applications (
    id            uuid PRIMARY KEY,
    worker_id     uuid NOT NULL REFERENCES workers (id),
    status        text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    -- Personal data, erased (NULL) when the worker erases their account.
    real_name     text CHECK (char_length(real_name) BETWEEN 1 AND 50),
    phone         text CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    employer      text CHECK (char_length(employer) BETWEEN 1 AND 60),
    occupation    text NOT NULL CHECK (occupation IN ('food_delivery', 'express_courier', 'ride_hailing', 'truck_driver',
                                                      'sanitation', 'domestic_service', 'other')),
    district_code text NOT NULL CHECK (district_code ~ '^[1-9][0-9]{3}(0[1-9]|[1-9][0-9])$'),
    -- When the worker consented to the union processing these data (PIPL art. 14).
    consented_at  timestamptz NOT NULL,
    created_at    timestamptz NOT NULL,
    decided_at    timestamptz,
    decided_by    text CHECK (char_length(decided_by) BETWEEN 1 AND 100),
    reason        text CHECK (char_length(reason) BETWEEN 1 AND 200),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK ((status = 'pending') = (decided_by IS NULL)),
    CHECK ((status IN ('rejected', 'withdrawn')) = (reason IS NOT NULL)),
    CHECK (decided_at >= created_at),
    CHECK (status <> 'pending' OR num_nulls(real_name, phone) = 0)
);
-- One open application per worker: a second pending one is refused by the database itself.
CREATE UNIQUE INDEX membership_applications_one_open_idx ON membership_applications (worker_id) WHERE status = 'pending';
-- And a member joined once: at most one approved application per worker.
CREATE UNIQUE INDEX membership_applications_one_approved_idx ON membership_applications (worker_id) WHERE status = 'approved';
CREATE INDEX membership_applications_worker_idx ON membership_applications (worker_id, created_at);
CREATE INDEX membership_applications_district_idx ON membership_applications (district_code, id);

-- Membership numbers, YZ followed by 10 digits. A rolled-back approval leaves a gap, never a repeat.
CREATE SEQUENCE membership_no_seq AS bigint MINVALUE 1 MAXVALUE 9999999999 NO CYCLE;

-- +goose Down
DROP SEQUENCE membership_no_seq;
DROP TABLE membership_applications;
DROP TABLE worker_login_attempts;
DROP TABLE worker_sessions;
DROP TABLE workers;
