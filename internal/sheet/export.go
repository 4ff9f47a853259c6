package sheet

import (
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"yizhan/internal/station"
)

// Header is the header row exports and the template write: the Chinese
// column names.
func Header() []string {
	h := make([]string, len(Columns))
	for i, c := range Columns {
		h[i] = c.Label
	}
	return h
}

// Row is a station as a sheet row, in Columns order, which Parse reads back
// to a station whose Row is the same: WGS-84 coordinates to 15 significant
// digits (what Excel keeps of a number; under a micrometre here), Chinese
// labels, the hours as a phrase.
func Row(st *station.Station) []string {
	return []string{
		st.Name,
		st.Address,
		coord(st.Location.Lat()),
		coord(st.Location.Lon()),
		"wgs84",
		st.DistrictCode,
		FormatAmenities(st.Amenities),
		FormatHours(st.Hours),
		st.ContactPhone,
		st.Host.Name,
		HostTypeLabels[st.Host.Type],
	}
}

// templateExample is the example row of the import template.
var templateExample = []string{
	"朝阳区建国路户外劳动者服务站", "北京市朝阳区建国路88号", "39.9087", "116.4605", "wgs84", "110105",
	"饮用水、手机充电、卫生间", "周一至周五 08:00-20:00；周六、周日 09:00-17:00", "010-65001234", "中国工商银行建国路支行", "银行",
}

// WriteTemplate writes the import template: the header, one example row,
// and a second sheet explaining each column and the accepted words.
func WriteTemplate(w io.Writer) error {
	rows := func(yield func([]string) error) error {
		if err := yield(Header()); err != nil {
			return err
		}
		return yield(templateExample)
	}
	return WriteXLSX(w, rows, func(f *excelize.File) error {
		const help = "说明"
		if _, err := f.NewSheet(help); err != nil {
			return err
		}
		lines := [][]any{
			{"列", "英文列名", "必填", "说明"},
			{"名称", "name", "是", "驿站名称，最多100字"},
			{"地址", "address", "是", "详细地址，最多300字"},
			{"纬度", "lat", "是", "如 39.9087"},
			{"经度", "lng", "是", "如 116.4605"},
			{"坐标系", "crs", "否", "wgs84（默认）、gcj02（高德、腾讯地图）或 bd09（百度地图）"},
			{"区县代码", "district_code", "是", "6位区县行政区划代码，如 110105"},
			{"设施", "amenities", "否", "用、或逗号分隔：" + FormatAmenities(^station.AmenitySet(0))},
			{"开放时间", "hours", "是", "如 " + HoursExample + "；闭站日期写 休息日期 2027-01-28、2027-01-29"},
			{"联系电话", "contact_phone", "否", "手机、固定电话（带区号）或400/800号码"},
			{"主办单位", "host_name", "否", "提供场地的单位名称"},
			{"主办类型", "host_type", "否", "银行、餐饮、商店、工会、政府机关、交通场站、企业、社区、其他（默认）"},
		}
		for i, l := range lines {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(help, cell, &l); err != nil {
				return err
			}
		}
		return f.SetColWidth(help, "D", "D", 80)
	})
}

// coord writes a coordinate to 15 significant digits, without an exponent
// (coordinates in China are 3° to 136°).
func coord(v float64) string {
	return strconv.FormatFloat(v, 'g', 15, 64)
}
