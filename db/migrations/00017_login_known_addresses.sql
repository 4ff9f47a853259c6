-- Where each staff member signed in successfully lately, so that failed logins for their username from
-- elsewhere cannot lock them out at the places they work from (see internal/auth/throttle.go). An
-- address is remembered by its network (IPv4 /24, IPv6 /48), and only as a SHA-256 of the username and
-- that network: the table does not list where staff are at a glance. Rows older than 30 days are
-- forgotten as the account signs in again.

-- +goose Up
CREATE TABLE staff_known_networks (
    staff_id        uuid NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    network_hash    bytea NOT NULL CHECK (length(network_hash) = 32),
    last_success_at timestamptz NOT NULL,
    PRIMARY KEY (staff_id, network_hash)
);

-- +goose Down
DROP TABLE staff_known_networks;
