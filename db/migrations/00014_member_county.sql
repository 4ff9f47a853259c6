-- Which county's benefits a worker may claim must not rest on a field the worker sets at will.
--
-- A member's county is the county of their approved membership: member_district_code is written
-- by the approval, from the application its county's staff decided, and never changes afterwards;
-- the profile's district_code no longer decides a member's eligibility. A non-member's home county
-- (district_code) may change at most once per 30 days: district_changed_at records the last
-- change, and a change must record a time at least 30 days after it. The times come from the
-- application's clock (tests move it); the trigger holds the rule whatever code writes the row.

-- +goose Up
ALTER TABLE workers
    ADD COLUMN member_district_code text CHECK (member_district_code ~ '^[1-9][0-9]{5}$'),
    ADD COLUMN district_changed_at timestamptz;

UPDATE workers w SET member_district_code = a.district_code
    FROM membership_applications a
    WHERE a.worker_id = w.id AND a.status = 'approved' AND w.membership_no IS NOT NULL;

-- A live member has a membership county; a live non-member has none. An erased worker keeps the
-- county for anonymous counts, as it keeps district_code.
ALTER TABLE workers ADD CONSTRAINT workers_member_county
    CHECK (deleted_at IS NOT NULL OR (membership_no IS NULL) = (member_district_code IS NULL));

-- +goose StatementBegin
CREATE FUNCTION workers_guard_counties() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.member_district_code IS NOT NULL AND NEW.member_district_code IS DISTINCT FROM OLD.member_district_code THEN
        RAISE EXCEPTION 'worker %: a membership''s county never changes', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'workers_member_county_fixed';
    END IF;
    IF NEW.deleted_at IS NULL AND NEW.membership_no IS NULL AND NEW.district_code IS DISTINCT FROM OLD.district_code
        AND (NEW.district_changed_at IS NULL OR NEW.district_changed_at < OLD.district_changed_at + interval '30 days') THEN
        RAISE EXCEPTION 'worker %: the home county may change once per 30 days', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'workers_district_change_interval';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER workers_guard_counties BEFORE UPDATE ON workers
    FOR EACH ROW EXECUTE FUNCTION workers_guard_counties();

-- +goose Down
DROP TRIGGER workers_guard_counties ON workers;
DROP FUNCTION workers_guard_counties();
ALTER TABLE workers DROP CONSTRAINT workers_member_county;
ALTER TABLE workers DROP COLUMN district_changed_at, DROP COLUMN member_district_code;
