-- TOTP second factors (RFC 6238) for staff. totp_secret is the confirmed secret (base32), asked for at
-- every login once set; totp_pending is an enrolment shown to the user but not yet confirmed with a
-- code, so that starting an enrolment never locks anyone out. totp_last_step is the last 30-second
-- step a code was accepted for: a code is good once.

-- +goose Up
ALTER TABLE staff
    ADD COLUMN totp_secret    text CHECK (totp_secret ~ '^[A-Z2-7]{16,128}$'),
    ADD COLUMN totp_pending   text CHECK (totp_pending ~ '^[A-Z2-7]{16,128}$'),
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE staff DROP COLUMN totp_secret, DROP COLUMN totp_pending, DROP COLUMN totp_last_step;
