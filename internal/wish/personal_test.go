package wish

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkDigit computes an ID number's check digit the way GB 11643 states
// it — (12 − Σ aᵢ·2^(17−i) mod 11) mod 11, with 10 written X — apart from
// the table validIDNumber uses.
func checkDigit(first17 string) string {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * (1 << (17 - i) % 11)
	}
	c := (12 - sum%11) % 11
	if c == 10 {
		return "X"
	}
	return fmt.Sprint(c)
}

func TestIDNumberChecksumAgainstTheStandardsFormula(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		base := fmt.Sprintf("3307261990%02d%02d%03d", 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000))
		right := base + checkDigit(base)
		if got := FindPersonalData("我的身份证 " + right); got != IDNumber {
			t.Fatalf("%s: got %q, want id_number", right, got)
		}
		for _, d := range "0123456789X" {
			if s := base + string(d); s != right && validIDNumber([]byte(s)) {
				t.Fatalf("%s has a wrong check digit but passes", s)
			}
		}
	}
}

func TestFindPersonalData(t *testing.T) {
	id := "11010519491231002X" // the standard's own example
	base := "33072620050101123"
	wrongID := base + "0"
	if checkDigit(base) == "0" {
		wrongID = base + "1"
	}
	for _, tc := range []struct {
		in, want string
	}{
		{"想要一个电动车头盔", ""},
		{"给孩子买 2 本练习册，每本 13 元", ""},
		{"2026-12-02 之前能送到吗", ""},
		{"一个500元以内的保温饭盒", ""},
		{"请联系我 13812345678", PhoneNumber},
		{"请联系我 138 1234 5678", PhoneNumber},
		{"请联系我 138-1234-5678", PhoneNumber},
		{"电话：+86 138-1234-5678", PhoneNumber},
		{"电话：１３８１２３４５６７８", PhoneNumber},
		{"座机 0579-84123456", PhoneNumber},
		{"证件 " + id, IDNumber},
		{"证件 110105 19491231 002X", IDNumber},
		{"证件 110105-1949-1231-002x", IDNumber},
		{"证件 " + wrongID, ""}, // a wrong check digit, and no phone inside
		{"订单 12345", ""},
		{"电话一三八零零一三八零零零", PhoneNumber},
		{"打幺三八 幺二三四 五六七八", PhoneNumber},
		{"壹叁捌壹贰叁肆伍陆柒捌", PhoneNumber},
		{"电话一三八〇〇一三八〇〇〇", PhoneNumber},
		{"给孩子买一二年级的练习册，二〇二六年用", ""},
		{"一个头盔，三双手套，五瓶水", ""},
	} {
		if got := FindPersonalData(tc.in); got != tc.want {
			t.Errorf("FindPersonalData(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
