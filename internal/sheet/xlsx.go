package sheet

import (
	"bytes"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"yizhan/internal/apperr"
)

// Limits on reading an XLSX upload (a zip): what all its parts may unzip
// to, and what one worksheet may unzip to in memory (beyond it excelize
// spills to a temporary file). A zip bomb is refused, not inflated.
const (
	xlsxUnzipLimit    = 64 << 20
	xlsxUnzipXMLLimit = 16 << 20
)

// ReadXLSX reads the records of the first worksheet of an XLSX file, the
// cells as written (no number format applied). It stops past MaxRows rows.
func ReadXLSX(body []byte) ([][]string, error) {
	var p apperr.Problems
	f, err := excelize.OpenReader(bytes.NewReader(body), excelize.Options{
		UnzipSizeLimit:    xlsxUnzipLimit,
		UnzipXMLSizeLimit: xlsxUnzipXMLLimit,
		RawCellValue:      true,
	})
	if err != nil {
		p.Add("file", "format", "is not an XLSX workbook, or unpacks to more than %d bytes", xlsxUnzipLimit)
		return nil, p.Err()
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		p.Add("file", "format", "is not an XLSX workbook, or unpacks to more than %d bytes", xlsxUnzipLimit)
		return nil, p.Err()
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		p.Add("file", "format", "is not an XLSX workbook, or unpacks to more than %d bytes", xlsxUnzipLimit)
		return nil, p.Err()
	}
	defer rows.Close()
	var records [][]string
	for rows.Next() {
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			p.Add("file", "format", "is not an XLSX workbook, or unpacks to more than %d bytes", xlsxUnzipLimit)
			return nil, p.Err()
		}
		// Rows.Next walks every row up to the last one written, so a blank
		// row is an empty record here, as in a CSV.
		if len(records) > MaxRows {
			p.Add("rows", "too_many", "must hold at most %d rows", MaxRows)
			return nil, p.Err()
		}
		if len(cols) > len(Columns)*4 {
			p.Add("rows", "too_many", "a row holds %d cells; a station sheet has %d columns", len(cols), len(Columns))
			return nil, p.Err()
		}
		records = append(records, cols)
	}
	if rows.Error() != nil {
		p.Add("file", "format", "is not an XLSX workbook, or unpacks to more than %d bytes", xlsxUnzipLimit)
		return nil, p.Err()
	}
	return records, nil
}

// sheetName is the worksheet exports and the template write.
const sheetName = "驿站"

// WriteXLSX streams records into an XLSX workbook written to w. Numeric
// columns (纬度, 经度) are written as numbers, the rest as text, so that
// Excel keeps district codes and phone numbers as typed.
func WriteXLSX(w io.Writer, records func(yield func([]string) error) error, extra func(*excelize.File) error) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(Columns), 14); err != nil {
		return err
	}
	row := 0
	err = records(func(rec []string) error {
		row++
		cells := make([]any, len(rec))
		for i, v := range rec {
			cells[i] = v
			if row > 1 && (i == 2 || i == 3) {
				if n, err := strconv.ParseFloat(v, 64); err == nil {
					cells[i] = n
				}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if extra != nil {
		if err := extra(f); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}
