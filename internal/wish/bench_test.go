package wish

import (
	"strings"
	"testing"

	"yizhan/internal/apperr"
	yztext "yizhan/internal/text"
)

// A story of 285 characters (300 are allowed) with digits in it.
var benchStory = strings.Repeat("想换一个新的头盔 2026 年 12 月，", 15)

// BenchmarkFindPersonalData is the phone and ID-card search over a story;
// BenchmarkTextField, the normalisation every story already goes through,
// is its baseline.
func BenchmarkFindPersonalData(b *testing.B) {
	for b.Loop() {
		_ = FindPersonalData(benchStory)
	}
}

func BenchmarkTextField(b *testing.B) {
	for b.Loop() {
		var p apperr.Problems
		_ = yztext.Field(&p, "story", benchStory, yztext.Rule{Max: 1000, Multiline: true})
	}
}
