package postgres

import (
	"context"

	"github.com/google/uuid"
)

// StaffNames implements auth.NameStore.
func (s *AuthStore) StaffNames(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT id, username FROM staff WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, interpretError(err, "staff account")
	}
	defer rows.Close()
	out := make(map[uuid.UUID]string, len(ids))
	for rows.Next() {
		var (
			id   uuid.UUID
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, interpretError(err, "staff account")
		}
		out[id] = name
	}
	return out, interpretError(rows.Err(), "staff account")
}
