package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/internal/station"
)

// The duplicate check must be race-free: two creates of the same point, at
// once, must not both pass it. Each guarded create takes transaction-level
// advisory locks on the coarse grid cells (dupCellDeg degrees square, about
// 1 km) that the AlikeRadius box of each of its new stations touches, in
// key order, before it reads the candidates. Two new stations within
// AlikeRadius of each other both lock the cell of one of them, so the second
// waits for the first to commit or roll back; its read, a later statement
// under READ COMMITTED, then sees the first's row. An import touching more
// than dupMaxCells cells takes one exclusive lock instead, which every
// guarded create also takes shared first, so that a large import does not
// take thousands of locks. Unguarded writes (demo data, PATCH) take none.
const (
	dupCellDeg  = 0.01
	dupMaxCells = 64
	dupAllKey   = int64(0x59495a48414e4450) // "YIZHANDP": the whole map
)

func dupCellKey(x, y int64) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "station_cell:%d:%d", x, y)
	k := int64(h.Sum64())
	if k == dupAllKey {
		k++
	}
	return k
}

// lockNear serialises the transaction against every other guarded create
// near ss, and returns the boxes to read candidates from.
func lockNear(ctx context.Context, tx pgx.Tx, ss []*station.Station) ([]orb.Bound, error) {
	var (
		boxes []orb.Bound
		keys  []int64
		seen  = map[int64]bool{}
	)
	for _, s := range ss {
		if s.Status != station.Active {
			continue
		}
		b := station.SearchBox(s.Location, station.AlikeRadius)
		boxes = append(boxes, b)
		if len(keys) > dupMaxCells {
			continue
		}
		for x := int64(math.Floor(b.Min[0] / dupCellDeg)); x <= int64(math.Floor(b.Max[0]/dupCellDeg)); x++ {
			for y := int64(math.Floor(b.Min[1] / dupCellDeg)); y <= int64(math.Floor(b.Max[1]/dupCellDeg)); y++ {
				if k := dupCellKey(x, y); !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
	}
	if len(boxes) == 0 {
		return nil, nil
	}
	if len(keys) > dupMaxCells {
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, dupAllKey)
		return boxes, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, dupAllKey); err != nil {
		return nil, err
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, k); err != nil {
			return nil, err
		}
	}
	return boxes, nil
}

// activeInBoxes returns the active stations inside any of the boxes.
func activeInBoxes(ctx context.Context, tx pgx.Tx, boxes []orb.Bound) ([]station.Nearby, error) {
	lat0, lat1 := make([]float64, len(boxes)), make([]float64, len(boxes))
	lng0, lng1 := make([]float64, len(boxes)), make([]float64, len(boxes))
	for i, b := range boxes {
		lat0[i], lat1[i], lng0[i], lng1[i] = b.Min[1], b.Max[1], b.Min[0], b.Max[0]
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT s.id, s.name, s.lat, s.lng
		FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[]) AS b(lat0, lat1, lng0, lng1)
		JOIN stations s ON s.status = 'active' AND s.lat BETWEEN b.lat0 AND b.lat1 AND s.lng BETWEEN b.lng0 AND b.lng1`,
		lat0, lat1, lng0, lng1)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (station.Nearby, error) {
		var (
			n        station.Nearby
			lat, lng float64
		)
		err := row.Scan(&n.ID, &n.Name, &lat, &lng)
		n.Location = orb.Point{lng, lat}
		return n, err
	})
}

// guardCreate locks, reads the candidates and asks guard; it returns what
// each station's history records.
func guardCreate(ctx context.Context, tx pgx.Tx, ss []*station.Station, guard station.Guard) (map[uuid.UUID]station.FieldChange, error) {
	boxes, err := lockNear(ctx, tx, ss)
	if err != nil {
		return nil, err
	}
	var nearby []station.Nearby
	if len(boxes) > 0 {
		if nearby, err = activeInBoxes(ctx, tx, boxes); err != nil {
			return nil, err
		}
	}
	return guard(nearby)
}
