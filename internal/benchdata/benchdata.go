// Package benchdata makes realistic random stations for benchmarks and loads
// them into PostgreSQL in bulk. Only benchmarks and tests import it.
package benchdata

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/internal/station"
)

// RareAmenity is held by 10% of generated stations: the "10% filter".
const RareAmenity = "nursing_supplies"

var timetables = func() []station.Hours {
	var out []station.Hours
	for _, raw := range []string{
		`{"always_open":true}`,
		`{"weekly":{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]],"wed":[["08:00","20:00"]],"thu":[["08:00","20:00"]],"fri":[["08:00","20:00"]],"sat":[["09:00","17:00"]]}}`,
		`{"weekly":{"mon":[["10:00","02:00"]],"tue":[["10:00","02:00"]],"wed":[["10:00","02:00"]],"thu":[["10:00","02:00"]],"fri":[["10:00","02:00"]],"sat":[["10:00","02:00"]],"sun":[["10:00","02:00"]]},"closed_dates":["2027-02-06"]}`,
		`{"weekly":{"mon":[["04:30","10:00"],["15:00","20:00"]],"wed":[["04:30","10:00"],["15:00","20:00"]],"fri":[["04:30","10:00"],["15:00","20:00"]]}}`,
	} {
		h, err := station.ParseHours([]byte(raw))
		if err != nil {
			panic(err)
		}
		out = append(out, h)
	}
	return out
}()

// Stations returns n active stations clustered in towns over a region the
// size of a few provinces of eastern China, deterministically from seed.
func Stations(n int, seed uint64) []*station.Station {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	towns := make([]orb.Point, 400)
	for i := range towns {
		towns[i] = orb.Point{114 + r.Float64()*8, 24 + r.Float64()*8}
	}
	rare, _ := station.AmenityBit(RareAmenity)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*station.Station, n)
	for i := range out {
		var p orb.Point
		if r.IntN(10) < 8 {
			t := towns[r.IntN(len(towns))]
			p = orb.Point{t[0] + r.NormFloat64()*0.08, t[1] + r.NormFloat64()*0.08}
		} else {
			p = orb.Point{114 + r.Float64()*8, 24 + r.Float64()*8}
		}
		var amen station.AmenitySet
		for b := range len(station.Amenities) {
			if bit := station.AmenitySet(1) << b; bit != rare && r.IntN(2) == 0 {
				amen |= bit
			}
		}
		if r.IntN(10) == 0 {
			amen |= rare
		}
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], uint64(created.UnixMilli())<<16|0x7000|uint64(i>>32)&0xfff)
		binary.BigEndian.PutUint64(id[8:], 0x8000000000000000|uint64(i))
		out[i] = &station.Station{
			ID: id, Name: "驿站", Address: "地址", DistrictCode: "330726", Location: p,
			Host: station.Host{Type: "shop", Name: "便利店"}, Amenities: amen,
			Hours: timetables[r.IntN(len(timetables))], Status: station.Active, Version: 1,
			CreatedAt: created, CreatedBy: "system:bench", UpdatedAt: created, UpdatedBy: "system:bench",
		}
	}
	return out
}

// Copy loads stations into the stations table with COPY, bypassing the
// registry's history: fast enough to fill a million rows for a benchmark.
func Copy(ctx context.Context, conn *pgx.Conn, ss []*station.Station) error {
	rows := make([][]any, len(ss))
	for i, s := range ss {
		hours, err := json.Marshal(s.Hours)
		if err != nil {
			return err
		}
		rows[i] = []any{s.ID, s.Name, s.Address, s.DistrictCode, s.Location[1], s.Location[0], s.Host.Type, s.Host.Name,
			s.Amenities.Codes(), string(hours), string(s.Status), s.Version, s.CreatedAt, s.CreatedBy, s.UpdatedAt, s.UpdatedBy}
	}
	_, err := conn.CopyFrom(ctx, pgx.Identifier{"stations"},
		[]string{"id", "name", "address", "district_code", "lat", "lng", "host_type", "host_name", "amenities", "hours",
			"status", "version", "created_at", "created_by", "updated_at", "updated_by"},
		pgx.CopyFromRows(rows))
	return err
}

// Queries returns n query points near where the stations are.
func Queries(n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]orb.Point, n)
	for i := range out {
		out[i] = orb.Point{114 + r.Float64()*8, 24 + r.Float64()*8}
	}
	return out
}
