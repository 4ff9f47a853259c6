package coverage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/geo"
)

// The limits of an import.
const (
	MaxImportRows  = 200_000
	MaxImportBytes = 16 << 20
	maxImportCount = 1_000_000_000
)

var errAdminsOnly = apperr.New(apperr.Forbidden, "only administrators import demand")

// Import reads a CSV of lat,lng,count[,hour_of_week] (an optional header
// row naming those columns; points in crs) and stores it, aggregated into
// cells, apart from searched demand. All or nothing; the same file twice is
// a conflict.
func (s *Service) Import(ctx context.Context, by *auth.Principal, body []byte, crs geo.CRS) (Import, error) {
	if !by.IsAdmin() {
		return Import{}, errAdminsOnly
	}
	cells, rows, total, err := ParseImport(body, crs)
	if err != nil {
		return Import{}, err
	}
	imp := Import{ID: uuid.Must(uuid.NewV7()), SHA256: sha256.Sum256(body), ImportedAt: s.now(), ImportedBy: by.StaffID,
		Rows: rows, Total: total, Cells: cells}
	if err := s.store.AddImport(ctx, imp); err != nil {
		return Import{}, err
	}
	return imp, nil
}

// ParseImport reads an import CSV into cells, reporting every bad row (as
// rows[N].column, N the row's line number as a spreadsheet counts it).
func ParseImport(body []byte, crs geo.CRS) (cells []ImportedCell, rows int, total int64, err error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var p apperr.Problems
	type key struct {
		cell CellID
		how  int
	}
	sum := map[key]int64{}
	var order []key
	line := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			p.Add(fmt.Sprintf("rows[%d]", line), "format", "is not valid CSV")
			break
		}
		if line == 1 && isHeader(rec) {
			continue
		}
		rows++
		if rows > MaxImportRows {
			p.Add("body", "too_many", "holds more than %d rows", MaxImportRows)
			break
		}
		at := func(col string) string { return fmt.Sprintf("rows[%d].%s", line, col) }
		if len(rec) != 3 && len(rec) != 4 {
			p.Add(fmt.Sprintf("rows[%d]", line), "format", "must have 3 or 4 columns: lat,lng,count[,hour_of_week]")
			continue
		}
		lat, okLat := number(rec[0], 90)
		lng, okLng := number(rec[1], 180)
		if !okLat {
			p.Add(at("lat"), "out_of_range", "must be a decimal number between %g and %g", -90.0, 90.0)
		}
		if !okLng {
			p.Add(at("lng"), "out_of_range", "must be a decimal number between %g and %g", -180.0, 180.0)
		}
		n, errN := strconv.ParseInt(strings.TrimSpace(rec[2]), 10, 64)
		if errN != nil || n < 1 || n > maxImportCount {
			p.Add(at("count"), "out_of_range", "must be a whole number from 1 to %d", maxImportCount)
		}
		how := -1
		if len(rec) == 4 && strings.TrimSpace(rec[3]) != "" {
			h, errH := strconv.Atoi(strings.TrimSpace(rec[3]))
			if errH != nil || h < 0 || h > 167 || strings.HasPrefix(strings.TrimSpace(rec[3]), "+") {
				p.Add(at("hour_of_week"), "out_of_range", "must be a whole number from 0 (Monday 00:00) to 167 (Sunday 23:00)")
			}
			how = h
		}
		if !okLat || !okLng {
			continue
		}
		pt := geo.ToWGS84(orb.Point{lng, lat}, crs)
		if !geo.InChinaExtent(pt) {
			p.Add(at("lat"), "out_of_range", "the point lies outside China; are lat and lng swapped?")
			continue
		}
		if p.Len() > 0 {
			continue
		}
		k := key{CellOf(pt), how}
		if _, ok := sum[k]; !ok {
			order = append(order, k)
		}
		sum[k] += n
		total += n
	}
	if rows == 0 && p.Len() == 0 {
		p.Add("body", "required", "holds no rows; write lat,lng,count[,hour_of_week] one a line")
	}
	if err := p.Err(); err != nil {
		return nil, 0, 0, err
	}
	cells = make([]ImportedCell, 0, len(order))
	for _, k := range order {
		cells = append(cells, ImportedCell{Cell: k.cell, HourOfWeek: k.how, N: sum[k]})
	}
	return cells, rows, total, nil
}

func isHeader(rec []string) bool {
	return len(rec) >= 3 && strings.EqualFold(strings.TrimSpace(rec[0]), "lat")
}

func number(s string, limit float64) (float64, bool) {
	s = strings.TrimSpace(s)
	if !plainDecimal(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsNaN(f) && f >= -limit && f <= limit
}
