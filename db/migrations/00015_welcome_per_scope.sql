-- One published welcome offer per district scope, not one in all: a county's union publishing
-- its own welcome gift no longer blocks every other district's. A welcome offer's scope is its
-- one district code (a county, a city or a province), or none (everywhere); a newly approved
-- member gets the most specific one covering their membership's county (the service picks it).

-- +goose Up
ALTER TABLE benefit_offers ADD CONSTRAINT benefit_offers_welcome_one_scope
    CHECK (NOT welcome OR cardinality(district_codes) <= 1);
DROP INDEX benefit_offers_one_welcome_idx;
CREATE UNIQUE INDEX benefit_offers_one_welcome_per_scope_idx ON benefit_offers ((coalesce(district_codes[1], '')))
    WHERE welcome AND status = 'published';

-- +goose Down
DROP INDEX benefit_offers_one_welcome_per_scope_idx;
CREATE UNIQUE INDEX benefit_offers_one_welcome_idx ON benefit_offers ((true)) WHERE welcome AND status = 'published';
ALTER TABLE benefit_offers DROP CONSTRAINT benefit_offers_welcome_one_scope;
