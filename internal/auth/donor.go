package auth

import "github.com/google/uuid"

// IsDonor reports whether the principal is a caring unit's donor account.
func (p *Principal) IsDonor() bool { return p != nil && p.Role == Donor && p.WorkerID == uuid.Nil }

// MaySignIn reports whether the principal holds a staff or donor account:
// those sign in with a password (the console, the staff login).
func (p *Principal) MaySignIn() bool { return p.IsStaff() || p.IsDonor() }

// AccountID is the id of the staff or donor account, or the zero id.
func (p *Principal) AccountID() uuid.UUID {
	if !p.MaySignIn() {
		return uuid.Nil
	}
	return p.StaffID
}
