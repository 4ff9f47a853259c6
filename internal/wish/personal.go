package wish

import "unicode"

// Personal data a worker might put in a wish's words, which would expose
// them to every reader of the public wall.
const (
	PhoneNumber = "phone_number" // a mainland mobile number, or a landline with its area code
	IDNumber    = "id_number"    // an 18-digit resident identity card number with a valid check digit
)

// FindPersonalData reports the first kind of personal data in s, or "".
// Digits may be split by spaces, dashes or dots (138 1234 5678,
// 138-1234-5678) and may be full-width (１３８…) or Chinese numerals
// (一三八…, 幺三八…, 壹叁捌…); a run of digits is
// searched whole, so a phone number inside a longer number is found too:
// refusing a harmless long number costs less than publishing a phone.
func FindPersonalData(s string) string {
	for _, run := range digitRuns(s) {
		if hasIDNumber(run) {
			return IDNumber
		}
		if hasPhone(run) {
			return PhoneNumber
		}
	}
	return ""
}

// digitRuns returns the runs of digits in s, joined across a few
// separators between digits (up to maxGap); an X or x right after a digit ends a run and
// is kept (an ID number's check digit).
func digitRuns(s string) [][]byte {
	var (
		runs [][]byte
		cur  []byte
		gap  int // separators since the last digit
	)
	flush := func() {
		if len(cur) > 0 {
			runs = append(runs, cur)
		}
		cur, gap = nil, 0
	}
	for _, r := range s {
		switch d, ok := digit(r); {
		case ok:
			cur = append(cur, d)
			gap = 0
		case (r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ') && len(cur) > 0 && gap == 0:
			cur = append(cur, 'X')
			flush()
		case isSeparator(r) && len(cur) > 0 && gap < maxGap:
			gap++
		default:
			flush()
		}
	}
	flush()
	return runs
}

func digit(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= '０' && r <= '９':
		return byte(r-'０') + '0', true
	}
	if d, ok := chineseDigits[r]; ok {
		return d, true
	}
	return 0, false
}

// chineseDigits are the numerals a number may be spelled with: the
// everyday ones, 〇 and 幺 as a phone number is read aloud, and the
// financial forms.
var chineseDigits = map[rune]byte{
	'〇': '0', '零': '0', '一': '1', '幺': '1', '壹': '1', '二': '2', '贰': '2', '三': '3', '叁': '3',
	'四': '4', '肆': '4', '五': '5', '伍': '5', '六': '6', '陆': '6', '七': '7', '柒': '7',
	'八': '8', '捌': '8', '九': '9', '玖': '9',
}

func isSeparator(r rune) bool {
	switch r {
	case '-', '－', '‐', '‑', '–', '—', '.', '．', '·', '_':
		return true
	}
	return unicode.IsSpace(r)
}

// maxGap is the most separators between two digits of one run: "138 - 1234".
const maxGap = 3

// hasPhone reports whether run holds a mobile number (1[3-9] and nine more
// digits) or a landline with its area code (0, a non-zero digit, and 8 to
// 10 more digits in all, such as 0579-84123456).
func hasPhone(run []byte) bool {
	for i := 0; i+11 <= len(run); i++ {
		if run[i] == '1' && run[i+1] >= '3' && run[i+1] <= '9' && allDigits(run[i:i+11]) {
			return true
		}
	}
	if n := len(run); run[0] == '0' && n >= 10 && n <= 12 && run[1] != '0' && allDigits(run) {
		return true
	}
	return false
}

// hasIDNumber reports whether run holds 17 digits and a check digit (0-9
// or X) that is right by ISO 7064 MOD 11-2, as GB 11643 defines it.
func hasIDNumber(run []byte) bool {
	for i := 0; i+18 <= len(run); i++ {
		if validIDNumber(run[i : i+18]) {
			return true
		}
	}
	return false
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idChecks = "10X98765432"

func validIDNumber(id []byte) bool {
	if len(id) != 18 || !allDigits(id[:17]) {
		return false
	}
	sum := 0
	for i, w := range idWeights {
		sum += int(id[i]-'0') * w
	}
	return id[17] == idChecks[sum%11]
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
