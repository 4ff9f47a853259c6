package coverage

import (
	"math"

	"github.com/paulmach/orb"

	"yizhan/internal/geo"
)

// Supply is the stations that count, in an index the nearest search uses
// (geo.Index: exact great-circle k-nearest).
type Supply struct {
	ix *geo.Index
	n  int
}

// NewSupply indexes the stations' WGS-84 points.
func NewSupply(points []orb.Point) *Supply {
	items := make([]geo.Item, len(points))
	for i, p := range points {
		items[i] = geo.Item{Point: p, Ref: int32(i)}
		// Keys break ties in distance; any distinct key will do.
		items[i].Key[0], items[i].Key[1], items[i].Key[2], items[i].Key[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
	}
	return &Supply{ix: geo.NewIndex(items), n: len(points)}
}

// Len is the number of stations.
func (s *Supply) Len() int { return s.n }

// An Assessed cell is a cell and what stands near it.
type Assessed struct {
	Cell
	// NearestM is the distance from the cell's centre to the nearest
	// station that counts; NaN when none does.
	NearestM float64
	// InReach is how many stations stand within reach, counted up to the
	// number asked for.
	InReach int
	Covered bool
}

// Totals are the demand covered and uncovered, and the covered share (0 when
// there is no demand at all).
type Totals struct {
	Covered, Uncovered int64
	CoveredShare       float64
	CellsCovered       int
	CellsUncovered     int
}

// Assess tells, for each cell, whether at least minStations stations stand
// within reachM metres of its centre (great-circle distance, inclusive),
// and the distance to the nearest.
func Assess(cells []Cell, s *Supply, reachM float64, minStations int) ([]Assessed, Totals) {
	out := make([]Assessed, len(cells))
	var t Totals
	var buf []geo.Neighbor
	for i, c := range cells {
		a := Assessed{Cell: c, NearestM: math.NaN()}
		buf = s.ix.Nearest(geo.Query{Point: c.ID.Centre(), K: minStations}, buf)
		if len(buf) > 0 {
			a.NearestM = buf[0].Distance
		}
		for _, n := range buf {
			if n.Distance <= reachM {
				a.InReach++
			}
		}
		a.Covered = a.InReach >= minStations
		if a.Covered {
			t.Covered += c.Count
			t.CellsCovered++
		} else {
			t.Uncovered += c.Count
			t.CellsUncovered++
		}
		out[i] = a
	}
	if all := t.Covered + t.Uncovered; all > 0 {
		t.CoveredShare = float64(t.Covered) / float64(all)
	}
	return out, t
}
