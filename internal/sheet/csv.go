package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"yizhan/internal/apperr"
)

// Charsets a CSV may be forced to with ?charset=.
var Charsets = []string{"utf-8", "gbk", "gb18030"}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Decode returns the text of a CSV file. charset is "" to detect it: UTF-8
// with or without a BOM when the bytes are valid UTF-8, else GB18030 (a
// superset of GBK, which Excel writes on Chinese Windows). "utf-8", "gbk"
// and "gb18030" force one. Returns Invalid under field "charset".
func Decode(body []byte, charset string) (string, error) {
	var p apperr.Problems
	body = bytes.TrimPrefix(body, utf8BOM)
	switch strings.ToLower(charset) {
	case "":
		if bytes.HasPrefix(body, []byte{0xFF, 0xFE}) || bytes.HasPrefix(body, []byte{0xFE, 0xFF}) {
			p.Add("charset", "unknown", "the file is UTF-16; save it as CSV (UTF-8) or CSV (GBK)")
			return "", p.Err()
		}
		if utf8.Valid(body) {
			return string(body), nil
		}
		return gb18030(body)
	case "utf-8", "utf8":
		if !utf8.Valid(body) {
			p.Add("charset", "format", "the file is not valid UTF-8; try charset=gbk")
			return "", p.Err()
		}
		return string(body), nil
	case "gbk", "gb2312", "gb18030":
		return gb18030(body)
	default:
		p.Add("charset", "unknown", "must be one of %s", strings.Join(Charsets, ", "))
		return "", p.Err()
	}
}

func gb18030(body []byte) (string, error) {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(body)
	if err != nil {
		var p apperr.Problems
		p.Add("charset", "format", "the file is neither UTF-8 nor GBK; save it as CSV (UTF-8)")
		return "", p.Err()
	}
	return string(out), nil
}

// ReadCSV reads the records of a CSV file (see Decode for charset). It
// stops past MaxRows data rows. A malformed file is reported with its line.
func ReadCSV(body []byte, charset string) ([][]string, error) {
	text, err := Decode(body, charset)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var (
		records [][]string
		extra   int // lines taken by cells that span lines
	)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var p apperr.Problems
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				p.Add("rows", "format", "the CSV is malformed at line %d: %s", pe.Line, pe.Err.Error())
			} else {
				p.Add("rows", "format", "the CSV could not be read")
			}
			return nil, p.Err()
		}
		// The row a spreadsheet shows: blank lines, which the reader skips,
		// are rows too, and a quoted cell spanning lines is one row.
		first, _ := r.FieldPos(0)
		row := first - extra
		last, _ := r.FieldPos(len(rec) - 1)
		extra += last - first + strings.Count(rec[len(rec)-1], "\n")
		if row > MaxRows+1 { // the header and MaxRows rows
			var p apperr.Problems
			p.Add("rows", "too_many", "must hold at most %d rows", MaxRows)
			return nil, p.Err()
		}
		if len(rec) > len(Columns)*4 {
			var p apperr.Problems
			p.Add("rows", "too_many", "a row holds %d cells; a station sheet has %d columns", len(rec), len(Columns))
			return nil, p.Err()
		}
		for len(records)+1 < row {
			records = append(records, nil)
		}
		records = append(records, rec)
	}
	return records, nil
}

// WriteCSV writes records as UTF-8 CSV with a BOM, so that Excel opens it
// with the Chinese intact.
func WriteCSV(w io.Writer, records func(yield func([]string) error) error) error {
	bw := bufio.NewWriterSize(w, 32<<10) // nothing reaches w before 32 KiB or the end
	if _, err := bw.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := records(cw.Write); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
