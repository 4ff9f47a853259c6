-- Micro-wishes (微心愿), hardship aid (困难帮扶) and donor accounts (issue 12 §§2–3).
--
-- Donor accounts belong to caring units (爱心单位): they pledge wishes and have no district powers,
-- so a donor account holds no district codes.
--
-- A wish's every state has its timestamp: the checks below tie each status to the timestamps of
-- the steps that led to it, so a wish can never be pledged without having been published, nor
-- delivered without a pledge. Exactly one pledge wins: the pledge is an UPDATE … WHERE status =
-- 'published', which the row lock serialises.
--
-- Aid applications hold health and financial data (sensitive personal information, PIPL art. 28):
-- the worker's separate consent (art. 29) is recorded, and DELETE /v1/me erases the narrative and
-- keeps only the category, the amounts and the dates, for the union's accounts.

-- +goose Up
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff DROP CONSTRAINT staff_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check CHECK (role IN ('admin', 'district_staff', 'donor'));
ALTER TABLE staff ADD CONSTRAINT staff_check CHECK (role = 'admin' OR role = 'donor' OR cardinality(districts) > 0);
ALTER TABLE staff ADD CONSTRAINT staff_donor_no_districts CHECK (role <> 'donor' OR cardinality(districts) = 0);

CREATE TABLE wishes (
    id            uuid PRIMARY KEY,
    worker_id     uuid NOT NULL REFERENCES workers (id),
    -- The county of the worker's membership and their occupation when they wished: all that the
    -- public ever learns of who wished (浦江县·外卖骑手).
    district_code text NOT NULL CHECK (district_code ~ '^[1-9][0-9]{3}(0[1-9]|[1-9][0-9])$'),
    occupation    text NOT NULL CHECK (occupation IN ('food_delivery', 'express_courier', 'ride_hailing', 'truck_driver',
                                                      'sanitation', 'domestic_service', 'other')),
    category      text NOT NULL CHECK (category IN ('daily_goods', 'study', 'health', 'family', 'other')),
    -- The worker's words, erased (NULL) when the worker erases their account.
    title         text CHECK (char_length(title) BETWEEN 1 AND 40),
    story         text CHECK (char_length(story) BETWEEN 1 AND 300),
    value_yuan    integer NOT NULL CHECK (value_yuan BETWEEN 1 AND 500),
    status        text NOT NULL CHECK (status IN ('pending', 'rejected', 'published', 'pledged', 'delivered', 'confirmed', 'withdrawn')),
    created_at    timestamptz NOT NULL,
    reviewed_at   timestamptz,
    reviewed_by   uuid REFERENCES staff (id),
    reject_reason text CHECK (char_length(reject_reason) BETWEEN 1 AND 200),
    pledged_at    timestamptz,
    pledged_by    uuid REFERENCES staff (id),
    delivered_at  timestamptz,
    delivered_by  uuid REFERENCES staff (id),
    confirmed_at  timestamptz,
    -- Withdrawn when the worker erased their account before receiving it.
    withdrawn_at  timestamptz,
    erased_at     timestamptz,
    CHECK ((reviewed_at IS NULL) = (reviewed_by IS NULL)),
    CHECK ((pledged_at IS NULL) = (pledged_by IS NULL)),
    CHECK ((delivered_at IS NULL) = (delivered_by IS NULL)),
    CHECK (status = 'withdrawn' OR (reviewed_at IS NOT NULL) = (status <> 'pending')),
    CHECK (status = 'withdrawn' OR (pledged_at IS NOT NULL) = (status IN ('pledged', 'delivered', 'confirmed'))),
    CHECK (status = 'withdrawn' OR (delivered_at IS NOT NULL) = (status IN ('delivered', 'confirmed'))),
    CHECK ((confirmed_at IS NOT NULL) = (status = 'confirmed')),
    CHECK ((withdrawn_at IS NOT NULL) = (status = 'withdrawn')),
    CHECK ((reject_reason IS NOT NULL) = (status = 'rejected')),
    CHECK (reviewed_at >= created_at),
    CHECK (pledged_at IS NULL OR (reviewed_at IS NOT NULL AND reject_reason IS NULL AND pledged_at >= reviewed_at)),
    CHECK (delivered_at IS NULL OR (pledged_at IS NOT NULL AND delivered_at >= pledged_at)),
    CHECK (confirmed_at IS NULL OR (delivered_at IS NOT NULL AND confirmed_at >= delivered_at)),
    CHECK (withdrawn_at IS NULL OR (delivered_at IS NULL AND withdrawn_at >= created_at)),
    -- An erased wish holds none of the worker's words; a live one holds both.
    CHECK ((erased_at IS NULL) = (title IS NOT NULL)),
    CHECK ((erased_at IS NULL) = (story IS NOT NULL))
);
CREATE INDEX wishes_worker_idx ON wishes (worker_id, id);
CREATE INDEX wishes_district_status_idx ON wishes (district_code, status, id);
CREATE INDEX wishes_status_idx ON wishes (status, id);

CREATE TABLE aid_applications (
    id                     uuid PRIMARY KEY,
    worker_id              uuid NOT NULL REFERENCES workers (id),
    -- The county of the worker's membership: its reviewers decide.
    district_code          text NOT NULL CHECK (district_code ~ '^[1-9][0-9]{3}(0[1-9]|[1-9][0-9])$'),
    category               text NOT NULL CHECK (category IN ('illness', 'injury', 'disaster', 'family_hardship', 'education', 'other')),
    amount_requested_yuan  integer NOT NULL CHECK (amount_requested_yuan BETWEEN 1 AND 1000000),
    -- The narrative: sensitive, erased (NULL) with the worker's account.
    description            text CHECK (char_length(description) BETWEEN 1 AND 2000),
    -- The worker's separate consent to the processing of sensitive data (PIPL art. 29).
    consented_at           timestamptz NOT NULL,
    status                 text NOT NULL CHECK (status IN ('pending', 'awaiting_second_review', 'approved', 'rejected')),
    created_at             timestamptz NOT NULL,
    first_reviewed_at      timestamptz,
    first_reviewed_by      uuid REFERENCES staff (id),
    first_amount_yuan      integer CHECK (first_amount_yuan > 0 AND first_amount_yuan <= amount_requested_yuan),
    second_reviewed_at     timestamptz,
    second_reviewed_by     uuid REFERENCES staff (id),
    amount_approved_yuan   integer CHECK (amount_approved_yuan > 0 AND amount_approved_yuan <= amount_requested_yuan),
    decided_at             timestamptz,
    reject_reason          text CHECK (char_length(reject_reason) BETWEEN 1 AND 200),
    erased_at              timestamptz,
    CHECK (consented_at <= created_at),
    CHECK ((first_reviewed_at IS NULL) = (status = 'pending') OR status = 'rejected'),
    CHECK ((first_reviewed_at IS NULL) = (first_reviewed_by IS NULL)),
    CHECK ((second_reviewed_at IS NULL) = (second_reviewed_by IS NULL)),
    -- The second approval comes from a different staff member.
    CHECK (second_reviewed_by <> first_reviewed_by),
    CHECK (second_reviewed_at IS NULL OR first_reviewed_at IS NOT NULL AND first_amount_yuan IS NOT NULL AND second_reviewed_at >= first_reviewed_at),
    CHECK (status <> 'awaiting_second_review' OR (first_amount_yuan IS NOT NULL AND second_reviewed_at IS NULL AND decided_at IS NULL)),
    CHECK ((decided_at IS NOT NULL) = (status IN ('approved', 'rejected'))),
    CHECK ((amount_approved_yuan IS NOT NULL) = (status = 'approved')),
    CHECK ((reject_reason IS NOT NULL) = (status = 'rejected')),
    CHECK (first_reviewed_at >= created_at),
    CHECK (decided_at >= created_at),
    CHECK ((erased_at IS NULL) = (description IS NOT NULL))
);
CREATE INDEX aid_applications_worker_idx ON aid_applications (worker_id, id);
CREATE INDEX aid_applications_district_idx ON aid_applications (district_code, status, id);

-- Every decision on an application: who, when, and the amount (or why not).
CREATE TABLE aid_decisions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES aid_applications (id),
    step           smallint NOT NULL CHECK (step IN (1, 2)),
    decision       text NOT NULL CHECK (decision IN ('approve', 'reject', 'withdraw')),
    -- NULL only for a withdrawal: the worker erased their account.
    staff_id       uuid REFERENCES staff (id),
    amount_yuan    integer CHECK (amount_yuan > 0),
    reason         text CHECK (char_length(reason) BETWEEN 1 AND 200),
    decided_at     timestamptz NOT NULL,
    UNIQUE (application_id, step),
    CHECK ((staff_id IS NULL) = (decision = 'withdraw')),
    CHECK ((amount_yuan IS NOT NULL) = (decision = 'approve')),
    CHECK ((reason IS NOT NULL) = (decision <> 'approve'))
);

-- +goose Down
DROP TABLE aid_decisions;
DROP TABLE aid_applications;
DROP TABLE wishes;
DELETE FROM staff WHERE role = 'donor';
ALTER TABLE staff DROP CONSTRAINT staff_donor_no_districts;
ALTER TABLE staff DROP CONSTRAINT staff_check;
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check CHECK (role IN ('admin', 'district_staff'));
ALTER TABLE staff ADD CONSTRAINT staff_check CHECK (role = 'admin' OR cardinality(districts) > 0);
