package console

import (
	"errors"
	"math"

	"github.com/google/uuid"

	"yizhan/internal/station"
)

// A new station near an active one (station.NearRadius, or AlikeRadius with
// an alike name) is refused with possible_duplicate; the form then lists
// the candidates, each a link to its page, and a 仍然保存 button that
// submits the form again with allow_duplicate=true.

// duplicateView is one candidate as the form shows it.
type duplicateView struct {
	ID, Name, Distance, Rule string
	// Row and OtherRow, on an import, are the 1-based rows of the new
	// station and of the other new one it may duplicate (0 when it is an
	// existing station, ID).
	Row, OtherRow int
}

// duplicateViews returns the candidates of a possible_duplicate refusal, or
// nil when err is not one. rowOf numbers an import's features as the staff
// member's file does (a sheet's rows as Excel shows them); nil counts from 1.
func duplicateViews(err error, rowOf func(feature int) int) []duplicateView {
	var d *station.DuplicateError
	if !errors.As(err, &d) {
		return nil
	}
	if rowOf == nil {
		rowOf = func(i int) int { return i + 1 }
	}
	out := make([]duplicateView, 0, len(d.Candidates))
	for _, c := range d.Candidates {
		v := duplicateView{Name: c.Name, Distance: t("dup.distance", int(math.Round(c.DistanceM))), Rule: t("dup.rule." + c.Rule)}
		if d.Imported {
			v.Row = rowOf(c.Feature)
		}
		if c.ID == uuid.Nil {
			v.OtherRow = rowOf(c.OtherFeature)
		} else {
			v.ID = c.ID.String()
		}
		out = append(out, v)
	}
	return out
}

var dupZhCN = map[string]string{
	"dup.title":            "可能与已有驿站重复",
	"dup.lead":             "附近已有以下在用驿站，可能是同一驿站。请先核对；如确认不是同一驿站，再点“仍然保存”。",
	"dup.distance":         "相距 %d 米",
	"dup.rule.near":        "25 米以内",
	"dup.rule.alike_name":  "100 米以内且名称相近",
	"dup.save_anyway":      "仍然保存",
	"dup.save_anyway_hint": "保存后，驿站的修改记录会注明是在提示重复后仍然保存的。",
	"dup.import_lead":      "以下行可能与在用驿站或文件中的其他行重复，尚未导入。请先核对；如确认不是重复，再点“仍然导入”。",
	"dup.row":              "第 %d 行",
	"dup.other_row":        "文件第 %d 行",
	"dup.import_anyway":    "仍然导入",
}

func init() {
	for k, v := range dupZhCN {
		if _, dup := zhCN[k]; dup {
			panic("console: catalogue key " + k + " defined twice")
		}
		zhCN[k] = v
	}
}
