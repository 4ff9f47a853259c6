package sheet

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

// MaxRows is the most data rows one sheet may hold.
const MaxRows = 5000

// Column is one column of a station sheet.
type Column struct {
	Key      string // the English header, also accepted
	Label    string // the Chinese header, which exports and the template use
	Required bool
	// Path is the field of the station document the column fills; problems
	// under it are reported under the column.
	Path string
}

// Columns are the columns of a station sheet, in the order exports write.
var Columns = []Column{
	{"name", "名称", true, "name"},
	{"address", "地址", true, "address"},
	{"lat", "纬度", true, "location.lat"},
	{"lng", "经度", true, "location.lng"},
	{"crs", "坐标系", false, "location.crs"},
	{"district_code", "区县代码", true, "district_code"},
	{"amenities", "设施", false, "amenities"},
	{"hours", "开放时间", true, "hours"},
	{"contact_phone", "联系电话", false, "contact_phone"},
	{"host_name", "主办单位", false, "host.name"},
	{"host_type", "主办类型", false, "host.type"},
}

// Table is a sheet read into station import items. Row and column names let
// problems be reported as rows[N].<header>, N being the row as a spreadsheet
// numbers it (the header is row 1) and the header as the file wrote it.
type Table struct {
	Items   []station.ImportItem
	rowNums []int             // the spreadsheet row of each item
	headers map[string]string // document path → header as written
}

// Parse reads the records of a sheet, the first being the header. Blank
// rows are skipped. Returns Invalid naming the header or the row and column.
func Parse(records [][]string) (*Table, error) {
	var p apperr.Problems
	if len(records) == 0 {
		p.Add("rows", "required", "the sheet is empty; its first row must name the columns, e.g. %s", headerExample())
		return nil, p.Err()
	}
	t := &Table{headers: map[string]string{}}
	colOf := make([]int, len(records[0])) // file column → index in Columns, -1 for none
	seen := make([]bool, len(Columns))
	for i, h := range records[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		colOf[i] = -1
		if h == "" {
			continue
		}
		k := columnIndex(h)
		field := fmt.Sprintf("header[%d]", i)
		switch {
		case k < 0:
			p.Add(field, "unknown", "%q is not a known column; the columns are %s", h, headerExample())
		case seen[k]:
			p.Add(field, "duplicate", "%q is listed twice", h)
		default:
			seen[k], colOf[i] = true, k
			t.headers[Columns[k].Path] = h
		}
	}
	for k, c := range Columns {
		if c.Required && !seen[k] {
			p.Add("header", "required", "the column %s (%s) is missing", c.Label, c.Key)
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	for r, rec := range records[1:] {
		if blank(rec) {
			continue
		}
		if len(t.Items) == MaxRows {
			p.Add("rows", "too_many", "must hold at most %d rows", MaxRows)
			return nil, p.Err()
		}
		cells := make([]string, len(Columns))
		for i, v := range rec {
			if i < len(colOf) && colOf[i] >= 0 {
				cells[colOf[i]] = strings.TrimSpace(v)
			} else if strings.TrimSpace(v) != "" {
				p.Add(fmt.Sprintf("rows[%d]", r+2), "unknown", "column %d has no header", i+1)
			}
		}
		t.Items = append(t.Items, item(cells))
		t.rowNums = append(t.rowNums, r+2)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

func columnIndex(h string) int {
	for k, c := range Columns {
		if strings.EqualFold(h, c.Key) || h == c.Label {
			return k
		}
	}
	return -1
}

func headerExample() string {
	var s []string
	for _, c := range Columns {
		s = append(s, c.Label+"/"+c.Key)
	}
	return strings.Join(s, ", ")
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// item makes the station document of one row; cells are in Columns order.
// Cells that cannot be read are reported under "properties.<path>", where a
// GeoJSON feature's problems go, and the document is validated as well so
// that every problem of the row is reported at once.
func item(cells []string) station.ImportItem {
	var (
		p   apperr.Problems
		doc station.Document
		bad = map[string]bool{}
	)
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	num := func(path, s string) *float64 {
		if s == "" {
			return nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			p.Add("properties."+path, "format", "must be a number, not %q", s)
			bad[path] = true
			return nil
		}
		return &v
	}
	doc.Name, doc.Address, doc.DistrictCode = str(cells[0]), str(cells[1]), str(cells[5])
	doc.ContactPhone = str(cells[8])
	loc := station.LocationDoc{Lat: num("location.lat", cells[2]), Lng: num("location.lng", cells[3]), CRS: "wgs84"}
	if c := strings.ToLower(strings.ReplaceAll(cells[4], "-", "")); c != "" {
		loc.CRS = c
	}
	if loc.Lat != nil || loc.Lng != nil || bad["location.lat"] || bad["location.lng"] {
		doc.Location = &loc
	}
	host := station.HostDoc{Name: str(cells[9])}
	ht := "other"
	if cells[10] != "" {
		if code, ok := HostType(cells[10]); ok {
			ht = code
		} else {
			p.Add("properties.host.type", "unknown", "%q is not a host type; write one of 银行, 餐饮, 商店, 工会, 政府机关, 交通场站, 企业, 社区, 其他", cells[10])
			bad["host.type"] = true
		}
	}
	host.Type = &ht
	doc.Host = &host
	if cells[6] != "" {
		a := Amenities(cells[6])
		doc.Amenities = &a
	}
	if cells[7] != "" {
		if raw, ok := ParseHours(&p, "properties.hours", cells[7]); ok {
			doc.Hours = &raw
		} else {
			bad["hours"] = true
		}
	}
	if len(bad) == 0 {
		return station.ImportItem{Doc: doc}
	}
	// Report the row's other problems too, leaving out what the cells
	// already explain.
	if _, err := doc.Validate(nil); err != nil {
		var e *apperr.Error
		if errors.As(err, &e) {
			for _, f := range e.Fields {
				path := f.Field
				if path == "location" && (bad["location.lat"] || bad["location.lng"]) {
					continue
				}
				if path == "location.lat" || path == "location.lng" {
					if bad["location.lat"] || bad["location.lng"] {
						continue
					}
				}
				if bad[path] || bad[strings.SplitN(path, "[", 2)[0]] {
					continue
				}
				f.Field = "properties." + path
				p.AddField(f)
			}
		}
	}
	return station.ImportItem{Doc: doc, Problem: p.Err()}
}

// Rename rewrites the field paths of an import's error from the GeoJSON
// form (features[i].properties.<path>) to the sheet's: rows[N].<header>,
// and "features" to "rows". Other errors are returned as they are.
func (t *Table) Rename(err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = t.rename(f.Field)
		out.Fields[i] = f
	}
	return &out
}

func (t *Table) rename(field string) string {
	rest, ok := strings.CutPrefix(field, "features[")
	if !ok {
		if field == "features" {
			return "rows"
		}
		return field
	}
	idx, rest, ok := strings.Cut(rest, "]")
	n, err := strconv.Atoi(idx)
	if !ok || err != nil || n < 0 || n >= len(t.rowNums) {
		return field
	}
	row := fmt.Sprintf("rows[%d]", t.rowNums[n])
	path := strings.TrimPrefix(strings.TrimPrefix(rest, "."), "properties")
	path = strings.TrimPrefix(path, ".")
	if path == "" {
		return row
	}
	// The column whose path is the longest prefix of the field's.
	best, sub := "", ""
	for _, c := range Columns {
		if (path == c.Path || strings.HasPrefix(path, c.Path+".") || strings.HasPrefix(path, c.Path+"[")) && len(c.Path) > len(best) {
			best, sub = c.Path, path[len(c.Path):]
		}
	}
	switch {
	case best == "hours", best == "amenities":
		// hours.weekly.mon[0] and amenities[2] keep their detail.
	case best != "":
		sub = ""
	case path == "location":
		best = "location.lat"
	case path == "host":
		best = "host.type"
	default:
		return row + "." + path
	}
	h := t.headers[best]
	if h == "" {
		h = columnLabel(best)
	}
	return row + "." + h + sub
}

func columnLabel(path string) string {
	for _, c := range Columns {
		if c.Path == path {
			return c.Label
		}
	}
	return path
}

// Row is the spreadsheet row of item i (the header is row 1).
func (t *Table) Row(i int) int {
	if i < 0 || i >= len(t.rowNums) {
		return i + 2
	}
	return t.rowNums[i]
}
