-- One wish awaiting review and one open aid application per worker at a time (issue 12 §§2–3).
--
-- A worker whose phone sent a wish or an application twice (a retry after a lost answer) gets 409
-- the second time instead of a duplicate for staff to find; and the review queues stay fair.

-- +goose Up
CREATE UNIQUE INDEX wishes_one_pending_idx ON wishes (worker_id) WHERE status = 'pending';
CREATE UNIQUE INDEX aid_applications_one_open_idx ON aid_applications (worker_id)
    WHERE status IN ('pending', 'awaiting_second_review');

-- +goose Down
DROP INDEX aid_applications_one_open_idx;
DROP INDEX wishes_one_pending_idx;
