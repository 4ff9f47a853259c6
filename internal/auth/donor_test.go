package auth

import (
	"testing"

	"github.com/google/uuid"
)

// A donor account signs in but is no staff member: no district powers, no
// scope, no administration.
func TestDonorHasNoDistrictPowers(t *testing.T) {
	donor := &Principal{StaffID: uuid.New(), Username: "aixin", Role: Donor}
	if donor.IsStaff() || donor.IsAdmin() || !donor.IsDonor() || !donor.MaySignIn() || donor.AccountID() != donor.StaffID {
		t.Errorf("donor: staff %v admin %v donor %v sign-in %v", donor.IsStaff(), donor.IsAdmin(), donor.IsDonor(), donor.MaySignIn())
	}
	if donor.CanManageDistrict("330726") {
		t.Error("a donor manages a district")
	}
	if codes, all := donor.DistrictScope(); all || len(codes) != 0 {
		t.Errorf("a donor's scope: %v %v", codes, all)
	}
	// Even a donor row that somehow held districts acts in none.
	donor.Districts = []string{"330000"}
	if donor.CanManageDistrict("330726") {
		t.Error("a donor with districts manages them")
	}
	staff := &Principal{StaffID: uuid.New(), Role: DistrictStaff, Districts: []string{"330726"}}
	if !staff.IsStaff() || staff.IsDonor() || !staff.MaySignIn() {
		t.Error("district staff")
	}
	worker := &Principal{WorkerID: uuid.New()}
	if worker.MaySignIn() || worker.IsDonor() || worker.AccountID() != uuid.Nil {
		t.Error("a worker")
	}
	var none *Principal
	if none.IsDonor() || none.MaySignIn() {
		t.Error("nil")
	}
}
