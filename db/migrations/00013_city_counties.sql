-- A prefecture-level city with no counties under it (东莞 441900, 中山 442000, 儋州 460400,
-- 嘉峪关 620200) is its own county: its workers' home county and their applications carry a code
-- ending in 00, which 00003 refused. Which codes exist is checked by the code against the national
-- table (internal/district); the schema keeps the shape, as it does for stations.

-- +goose Up
ALTER TABLE workers DROP CONSTRAINT workers_district_code_check,
    ADD CONSTRAINT workers_district_code_check CHECK (district_code ~ '^[1-9][0-9]{5}$');
ALTER TABLE membership_applications DROP CONSTRAINT membership_applications_district_code_check,
    ADD CONSTRAINT membership_applications_district_code_check CHECK (district_code ~ '^[1-9][0-9]{5}$');

-- +goose Down
ALTER TABLE workers DROP CONSTRAINT workers_district_code_check,
    ADD CONSTRAINT workers_district_code_check CHECK (district_code ~ '^[1-9][0-9]{3}(0[1-9]|[1-9][0-9])$');
ALTER TABLE membership_applications DROP CONSTRAINT membership_applications_district_code_check,
    ADD CONSTRAINT membership_applications_district_code_check CHECK (district_code ~ '^[1-9][0-9]{3}(0[1-9]|[1-9][0-9])$');
