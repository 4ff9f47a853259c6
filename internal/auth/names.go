package auth

import (
	"context"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// NameStore finds staff accounts' usernames by their ids, the ids audit
// records name them by (ActorName).
type NameStore interface {
	// StaffNames returns the username of each id that names an account;
	// ids without one are left out.
	StaffNames(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]string, error)
}

// StaffNames returns the usernames of the staff accounts with these ids, for
// staff pages that show who changed what. Audit records keep the opaque id
// (usernames are aimed at by login guessing, and stations are public); staff
// may see their colleagues' names. Returns Forbidden unless by is staff.
func (s *Service) StaffNames(ctx context.Context, by *Principal, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	if !by.IsStaff() {
		return nil, apperr.New(apperr.Forbidden, "this endpoint is for union staff")
	}
	if len(ids) == 0 {
		return map[uuid.UUID]string{}, nil
	}
	return s.store.StaffNames(ctx, ids)
}
