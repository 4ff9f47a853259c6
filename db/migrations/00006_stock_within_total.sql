-- A limited offer never has more items left than its total: stock returned twice (a claim expired
-- twice, a total lowered without its stock) is what would let a gift be claimed more often than it
-- exists. The code keeps this; the schema holds it too. The check runs at commit, so a transaction
-- may move stock between slots and the total in any order, and it runs only when stock goes up
-- or the total changes: a claim, which only takes stock, pays nothing for it.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION benefit_check_stock(offer uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    total integer;
    left_over integer;
BEGIN
    SELECT o.total_stock, (SELECT coalesce(sum(s.remaining), 0) FROM benefit_stock s WHERE s.offer_id = o.id)
        INTO total, left_over
        FROM benefit_offers o WHERE o.id = offer;
    IF FOUND AND left_over > coalesce(total, 0) THEN
        RAISE EXCEPTION 'offer % has % items left, more than its total %', offer, left_over, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'benefit_stock_within_total';
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION benefit_stock_within_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM benefit_check_stock(NEW.offer_id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION benefit_total_covers_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM benefit_check_stock(NEW.id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER benefit_stock_inserted_within_total
    AFTER INSERT ON benefit_stock DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION benefit_stock_within_total();
CREATE CONSTRAINT TRIGGER benefit_stock_returned_within_total
    AFTER UPDATE OF remaining ON benefit_stock DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.remaining > OLD.remaining) EXECUTE FUNCTION benefit_stock_within_total();
CREATE CONSTRAINT TRIGGER benefit_total_covers_stock
    AFTER UPDATE OF total_stock ON benefit_offers DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.total_stock IS DISTINCT FROM OLD.total_stock) EXECUTE FUNCTION benefit_total_covers_stock();

-- +goose Down
DROP TRIGGER benefit_total_covers_stock ON benefit_offers;
DROP TRIGGER benefit_stock_returned_within_total ON benefit_stock;
DROP TRIGGER benefit_stock_inserted_within_total ON benefit_stock;
DROP FUNCTION benefit_total_covers_stock();
DROP FUNCTION benefit_stock_within_total();
DROP FUNCTION benefit_check_stock(uuid);
