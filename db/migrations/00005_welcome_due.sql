-- A membership approval owes the new member the welcome benefit. The debt is written in the
-- approval's own transaction and settled by the grant — which claims the welcome offer, or finds
-- that nothing is owed (no open welcome offer, sold out, the worker erased) — so a process that
-- stops between the approval's commit and the grant loses nothing: any process's sweeper settles
-- what is left, however long ago it was approved.

-- +goose Up
CREATE TABLE welcome_due (
    worker_id   uuid PRIMARY KEY REFERENCES workers (id) ON DELETE CASCADE,
    approved_at timestamptz NOT NULL
);
CREATE INDEX welcome_due_approved_at_idx ON welcome_due (approved_at);

-- +goose Down
DROP TABLE welcome_due;
