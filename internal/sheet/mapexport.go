package sheet

import (
	"context"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"yizhan/internal/district"
	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// MapCategory is the category every station is submitted under.
const MapCategory = "户外劳动者服务站点"

// MapPlatforms are the map apps a batch submission file is made for, with
// the coordinate system each one's map is drawn in.
var MapPlatforms = map[string]geo.CRS{
	"amap":    geo.GCJ02, // 高德地图
	"baidu":   geo.BD09,  // 百度地图
	"tencent": geo.GCJ02, // 腾讯地图
}

// MapPlatformNames are the platforms' Chinese names, for file and sheet
// titles.
var MapPlatformNames = map[string]string{"amap": "高德地图", "baidu": "百度地图", "tencent": "腾讯地图"}

// MapColumn is one column of the batch submission file: its Chinese header
// and where its value comes from (README.md lists the same).
type MapColumn struct {
	Label, Source string
}

// MapColumns are the columns of the batch submission file. None of the
// three platforms publishes a batch template for points of interest (each
// takes batches through a business account or its local partner), so these
// are the fields their single-point forms ask for, named plainly.
var MapColumns = []MapColumn{
	{"名称", "the station's name"},
	{"分类", "always " + MapCategory},
	{"省", "the province of district_code"},
	{"市", "the city of district_code"},
	{"区县", "the county of district_code"},
	{"地址", "the station's address"},
	{"经度", "the station's longitude in the platform's system"},
	{"纬度", "the station's latitude in the platform's system"},
	{"坐标系", "GCJ-02 (amap, tencent) or BD-09 (baidu)"},
	{"电话", "contact_phone"},
	{"营业时间", "hours in words, as the station sheets write them"},
	{"门头照", "the entrance photo's URL (1600 px JPEG); empty when none is marked"},
	{"驿站编号", "the station's id in Yizhan, to match the platform's answer"},
}

// MapHeader is the header row of the batch submission file.
func MapHeader() []string {
	h := make([]string, len(MapColumns))
	for i, c := range MapColumns {
		h[i] = c.Label
	}
	return h
}

// MapRow is a station as a row of the batch submission file for platform
// (a key of MapPlatforms), with photoURL its entrance photo's absolute URL
// ("" when none).
func MapRow(st *station.Station, platform, photoURL string) []string {
	crs := MapPlatforms[platform]
	p := geo.FromWGS84(st.Location, crs)
	code := st.DistrictCode
	crsLabel := "GCJ-02"
	if crs == geo.BD09 {
		crsLabel = "BD-09"
	}
	return []string{
		st.Name,
		MapCategory,
		divisionName(code[:2] + "0000"),
		divisionName(code[:4] + "00"),
		divisionName(code),
		st.Address,
		strconv.FormatFloat(p.Lon(), 'f', 6, 64),
		strconv.FormatFloat(p.Lat(), 'f', 6, 64),
		crsLabel,
		st.ContactPhone,
		FormatHours(st.Hours),
		photoURL,
		st.ID.String(),
	}
}

// divisionName is the name of a division, empty for the placeholders of
// municipalities' cities (市辖区, 县).
func divisionName(code string) string {
	switch n := district.Name(code); n {
	case "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划":
		return ""
	default:
		return n
	}
}

// mapNumeric are the columns written as numbers (经度, 纬度).
var mapNumeric = [...]int{6, 7}

// WriteMapXLSX writes the batch submission file for platform: the rows
// records yields (MapHeader first, then MapRow rows), and a second sheet
// 说明 telling what each column holds.
func WriteMapXLSX(w io.Writer, platform string, records func(yield func([]string) error) error) error {
	f := excelize.NewFile()
	defer f.Close()
	name := MapPlatformNames[platform] + "上图"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(MapColumns), 16); err != nil {
		return err
	}
	row := 0
	err = records(func(rec []string) error {
		row++
		cells := make([]any, len(rec))
		for i, v := range rec {
			cells[i] = v
		}
		if row > 1 {
			for _, i := range mapNumeric {
				if n, err := strconv.ParseFloat(rec[i], 64); err == nil {
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
	const help = "说明"
	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	lines := [][]any{{"列", "内容"}}
	for _, c := range mapColumnHelp(platform) {
		lines = append(lines, []any{c[0], c[1]})
	}
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(help, cell, &l); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(help, "B", "B", 90); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// mapColumnHelp tells each column in Chinese.
func mapColumnHelp(platform string) [][2]string {
	crs := "GCJ-02（国测局坐标，高德、腾讯地图所用）"
	if MapPlatforms[platform] == geo.BD09 {
		crs = "BD-09（百度坐标）"
	}
	return [][2]string{
		{"名称", "驿站名称"},
		{"分类", "固定为 " + MapCategory},
		{"省、市、区县", "由驿站的区县代码得出"},
		{"地址", "驿站登记的详细地址"},
		{"经度、纬度", "已换算为" + crs + "，保留6位小数"},
		{"电话", "驿站联系电话，可为空"},
		{"营业时间", "开放时间的文字写法，与驿站表格相同"},
		{"门头照", "门头照的网址（1600像素 JPEG），未标记门头照时为空"},
		{"驿站编号", "驿站在本系统中的编号，用于核对平台的审核结果"},
		{"说明", MapPlatformNames[platform] + "未公开标注批量提交的模板；本表按其单点标注所需信息整理，提交前请按平台或合作方的要求调整列名"},
	}
}

// exportPage is how many stations MapRows reads at once.
const exportPage = 1000

// MapRows yields the header and a row for each active station that one of
// within covers (nil: every station), in id order, reading list a page at
// a time; photoURL makes an image name absolute.
func MapRows(ctx context.Context, list func(context.Context, station.ListFilter) ([]*station.Station, error), within []string,
	platform string, photoURL func(name string) string) func(yield func([]string) error) error {
	return func(yield func([]string) error) error {
		if err := yield(MapHeader()); err != nil {
			return err
		}
		f := station.ListFilter{Status: station.Active, Limit: exportPage, Within: within}
		for {
			page, err := list(ctx, f)
			if err != nil {
				return err
			}
			for _, st := range page {
				url := ""
				if st.Entrance != nil {
					url = photoURL(st.Entrance.Full)
				}
				if err := yield(MapRow(st, platform, url)); err != nil {
					return err
				}
			}
			if len(page) < exportPage {
				return nil
			}
			f.After = page[len(page)-1].ID
		}
	}
}
