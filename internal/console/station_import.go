package console

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"yizhan/internal/apperr"
	"yizhan/internal/geo"
	"yizhan/internal/sheet"
	"yizhan/internal/station"
)

// importPage is the data of station_import.html: the upload form, then the
// preview of every row.
type importPage struct {
	CRS      string
	CRSs     []option
	Preview  bool
	Total    int
	Rows     []importRow // the rows with errors, or (when none has any) the first rows
	Shown    int
	Valid    bool
	Problem  string // what is wrong with the file as a whole
	More     bool   // more problems than listed
	GeoJSON  string // the GeoJSON file, carried to the confirming POST
	Sheet    string // or the spreadsheet, in base64
	FileName string
}

// importRow is one feature of the file.
type importRow struct {
	N                       int // 1-based
	Name, Address, District string
	Errors                  []string
}

// importPreviewRows is how many valid rows the preview shows.
const importPreviewRows = 100

func (h *handler) importForm(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("template") == "xlsx" {
		var buf bytes.Buffer
		if err := sheet.WriteTemplate(&buf); err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="stations-template.xlsx"`)
		_, _ = w.Write(buf.Bytes())
		return
	}
	h.render(w, r, "station_import.html", "stations", importPage{CRS: string(geo.WGS84), CRSs: crsOptions(string(geo.WGS84))})
}

// importStations previews an uploaded GeoJSON file or station spreadsheet
// (CSV or XLSX, by its name; see internal/sheet), listing every row's
// problems and storing nothing; the confirming POST (action=confirm) carries
// the same file and stores all of it or none, through the same service as
// POST /v1/stations/import.
func (h *handler) importStations(w http.ResponseWriter, r *http.Request) {
	crs, err := geo.ParseCRS(r.PostFormValue("crs"))
	if err != nil {
		crs = geo.WGS84
	}
	page := importPage{CRS: string(crs), CRSs: crsOptions(string(crs)), Preview: true}
	var (
		body    []byte
		isSheet bool
	)
	if r.PostFormValue("action") == "confirm" {
		page.FileName = r.PostFormValue("filename")
		if b64 := r.PostFormValue("sheet"); b64 != "" {
			var err error
			if body, err = base64.StdEncoding.DecodeString(b64); err != nil {
				page.Preview, page.Problem = false, t("import.not_geojson")
				h.render(w, r, "station_import.html", "stations", page)
				return
			}
			isSheet = true
		} else {
			body = []byte(r.PostFormValue("geojson"))
		}
	} else {
		file, hdr, err := r.FormFile("file")
		if err != nil {
			page.Preview, page.Problem = false, t("import.no_file")
			h.render(w, r, "station_import.html", "stations", page)
			return
		}
		defer file.Close()
		body, err = io.ReadAll(io.LimitReader(file, uploadLimit))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		page.FileName = hdr.Filename
		name := strings.ToLower(hdr.Filename)
		isSheet = strings.HasSuffix(name, ".csv") || strings.HasSuffix(name, ".xlsx")
	}
	var (
		items []station.ImportItem
		table *sheet.Table
	)
	if isSheet {
		page.Sheet = base64.StdEncoding.EncodeToString(body)
		table, err = readSheet(body)
		if err != nil {
			page.Problem = sheetProblem(err)
			h.render(w, r, "station_import.html", "stations", page)
			return
		}
		items = table.Items
	} else {
		page.GeoJSON = string(body)
		items, err = station.DecodeFeatureCollection(body, crs)
		if err != nil {
			page.Problem = t("import.not_geojson")
			h.render(w, r, "station_import.html", "stations", page)
			return
		}
	}
	page.Total = len(items)
	_, err = h.Stations.CheckImport(principal(r), items)
	if err == nil && r.PostFormValue("action") == "confirm" {
		created, err := h.Stations.Import(r.Context(), principal(r), items)
		if err == nil {
			h.redirect(w, r, "/console/stations", "flash.imported", strconv.Itoa(len(created)))
			return
		}
		if apperr.CodeOf(err) == apperr.Internal {
			h.fail(w, r, err)
			return
		}
	}
	h.previewRows(&page, items, table, err)
	h.render(w, r, "station_import.html", "stations", page)
}

// readSheet reads an uploaded CSV or XLSX station sheet: an XLSX is a zip,
// which starts "PK"; anything else is read as CSV, its encoding detected.
func readSheet(body []byte) (*sheet.Table, error) {
	var (
		records [][]string
		err     error
	)
	if bytes.HasPrefix(body, []byte("PK")) {
		records, err = sheet.ReadXLSX(body)
	} else {
		records, err = sheet.ReadCSV(body, "")
	}
	if err != nil {
		return nil, err
	}
	return sheet.Parse(records)
}

// sheetProblem is what is wrong with a sheet as a whole (its encoding, its
// header), in Chinese.
func sheetProblem(err error) string {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return problemText("", string(apperr.CodeOf(err)))
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, fieldProblemText(f.Field, f))
	}
	return strings.Join(out, "；")
}

var featurePath = regexp.MustCompile(`^features\[(\d+)\]\.?(.*)$`)

// previewRows fills the preview: each row's problems in Chinese, or, when
// the import would be stored, the first rows.
func (h *handler) previewRows(page *importPage, items []station.ImportItem, table *sheet.Table, err error) {
	row := func(i int) importRow {
		r := importRow{N: i + 1}
		if table != nil { // the row as the spreadsheet numbers it
			r.N = table.Row(i)
		}
		d := items[i].Doc
		if d.Name != nil {
			r.Name = *d.Name
		}
		if d.Address != nil {
			r.Address = *d.Address
		}
		if d.DistrictCode != nil {
			r.District = districtText(*d.DistrictCode)
		}
		return r
	}
	if err == nil {
		page.Valid = true
		for i := 0; i < len(items) && i < importPreviewRows; i++ {
			page.Rows = append(page.Rows, row(i))
		}
		page.Shown = len(page.Rows)
		return
	}
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		if apperr.CodeOf(err) == apperr.Forbidden {
			page.Problem = t("import.forbidden")
		} else {
			page.Problem = problemText("", string(apperr.CodeOf(err)))
		}
		return
	}
	byRow := map[int]int{} // feature index → position in Rows
	for _, f := range e.Fields {
		m := featurePath.FindStringSubmatch(f.Field)
		if m == nil {
			switch {
			case f.Field == "body" && f.Code == "too_many":
				page.More = true
			case f.Field == "features" && f.Code == "too_many":
				page.Problem = t("import.too_many", station.MaxImport)
			case f.Field == "features":
				page.Problem = t("import.empty")
			default:
				page.Problem = t("import.not_geojson")
			}
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(items) {
			continue
		}
		pos, ok := byRow[i]
		if !ok {
			pos = len(page.Rows)
			byRow[i] = pos
			page.Rows = append(page.Rows, row(i))
		}
		page.Rows[pos].Errors = append(page.Rows[pos].Errors, importProblem(m[2], f))
	}
	page.Shown = len(page.Rows)
}

// importProblem is "站点名称：必填" for a feature's field path
// ("properties.name", "geometry.coordinates[1]").
func importProblem(path string, f apperr.FieldError) string {
	rest := strings.TrimPrefix(path, "properties.")
	var label string
	switch {
	case strings.HasPrefix(path, "geometry"):
		label, rest = t("field.location"), "location"
		switch {
		case strings.HasSuffix(path, "coordinates[0]"):
			rest = "location.lng"
		case strings.HasSuffix(path, "coordinates[1]"):
			rest = "location.lat"
		}
	case path == "" || path == "properties":
		label = t("import.feature")
	default:
		top := rest
		if i := strings.IndexAny(top, ".["); i >= 0 {
			top = top[:i]
		}
		label = fieldLabel(top)
	}
	return label + "：" + fieldProblemText(rest, f)
}
