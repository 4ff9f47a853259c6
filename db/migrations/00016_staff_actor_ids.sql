-- Audit columns named staff by username ('staff:pujiang'), and stations and offers are public: anyone
-- could read a staff username and then aim failed logins at it. They now name staff by their opaque
-- account id ('staff:0190…'); the console shows the username to staff. The rewrite touches only
-- values that name an existing account; 'system:…' and 'worker:…' actors stay as they are.

-- +goose Up
UPDATE stations t SET created_by = 'staff:' || s.id FROM staff s WHERE t.created_by = 'staff:' || s.username;
UPDATE stations t SET updated_by = 'staff:' || s.id FROM staff s WHERE t.updated_by = 'staff:' || s.username;
UPDATE station_history t SET changed_by = 'staff:' || s.id FROM staff s WHERE t.changed_by = 'staff:' || s.username;
UPDATE membership_applications t SET decided_by = 'staff:' || s.id FROM staff s WHERE t.decided_by = 'staff:' || s.username;
UPDATE benefit_offers t SET created_by = 'staff:' || s.id FROM staff s WHERE t.created_by = 'staff:' || s.username;
UPDATE benefit_offers t SET updated_by = 'staff:' || s.id FROM staff s WHERE t.updated_by = 'staff:' || s.username;
UPDATE benefit_claims t SET redeemed_by = 'staff:' || s.id FROM staff s WHERE t.redeemed_by = 'staff:' || s.username;

-- +goose Down
UPDATE stations t SET created_by = 'staff:' || s.username FROM staff s WHERE t.created_by = 'staff:' || s.id;
UPDATE stations t SET updated_by = 'staff:' || s.username FROM staff s WHERE t.updated_by = 'staff:' || s.id;
UPDATE station_history t SET changed_by = 'staff:' || s.username FROM staff s WHERE t.changed_by = 'staff:' || s.id;
UPDATE membership_applications t SET decided_by = 'staff:' || s.username FROM staff s WHERE t.decided_by = 'staff:' || s.id;
UPDATE benefit_offers t SET created_by = 'staff:' || s.username FROM staff s WHERE t.created_by = 'staff:' || s.id;
UPDATE benefit_offers t SET updated_by = 'staff:' || s.username FROM staff s WHERE t.updated_by = 'staff:' || s.id;
UPDATE benefit_claims t SET redeemed_by = 'staff:' || s.username FROM staff s WHERE t.redeemed_by = 'staff:' || s.id;
