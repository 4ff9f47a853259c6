package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/station"
)

const demoAdmin = "demo-admin"

// demoStations are a dozen stations around Pujiang county (浦江县, 330726),
// whose union opened 52 "24小时工会服务站" in one go. Names and places are
// illustrative; every one is marked demo.
var demoStations = []string{
	`{"name":"浦江县总工会职工服务中心驿站","address":"浦江县浦阳街道人民东路1号","location":{"lat":29.4521,"lng":119.8920},"host":{"type":"union_office","name":"浦江县总工会"},"amenities":["ebike_charging","phone_charging","drinking_water","hot_water","microwave","toilet","wifi","air_conditioning","seating","first_aid"],"hours":{"weekly":{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]],"wed":[["08:00","20:00"]],"thu":[["08:00","20:00"]],"fri":[["08:00","20:00"]],"sat":[["09:00","17:00"]]}},"contact_phone":"0579-84100000"}`,
	`{"name":"农业银行浦江支行24小时工会服务站","address":"浦江县浦阳街道和平南路58号","location":{"lat":29.4488,"lng":119.8869},"host":{"type":"bank","name":"中国农业银行浦江支行"},"amenities":["phone_charging","drinking_water","hot_water","toilet","air_conditioning","seating","first_aid","blood_pressure_monitor","masks"],"hours":{"always_open":true}}`,
	`{"name":"浦江火车站爱心驿站","address":"浦江县浦南街道站前大道","location":{"lat":29.4301,"lng":119.8784},"host":{"type":"transport_hub","name":"浦江站"},"amenities":["ebike_charging","drinking_water","hot_water","toilet","seating","rain_gear","tire_pump"],"hours":{"always_open":true}}`,
	`{"name":"浦江客运中心工会服务站","address":"浦江县浦阳街道东山路","location":{"lat":29.4559,"lng":119.9043},"host":{"type":"transport_hub","name":"浦江客运中心"},"amenities":["phone_charging","drinking_water","toilet","seating","wifi"],"hours":{"weekly":{"mon":[["05:30","21:00"]],"tue":[["05:30","21:00"]],"wed":[["05:30","21:00"]],"thu":[["05:30","21:00"]],"fri":[["05:30","21:00"]],"sat":[["05:30","21:00"]],"sun":[["05:30","21:00"]]}}}`,
	`{"name":"仙华街道快递小哥驿站","address":"浦江县仙华街道仙华路120号","location":{"lat":29.4683,"lng":119.8952},"host":{"type":"shop","name":"仙华便民超市"},"amenities":["ebike_charging","phone_charging","drinking_water","microwave","refrigerator","instant_food","sewing_kit"],"hours":{"weekly":{"mon":[["07:00","23:00"]],"tue":[["07:00","23:00"]],"wed":[["07:00","23:00"]],"thu":[["07:00","23:00"]],"fri":[["07:00","23:00"]],"sat":[["07:00","23:00"]],"sun":[["07:00","23:00"]]}}}`,
	`{"name":"浦南街道骑手之家","address":"浦江县浦南街道江南路36号","location":{"lat":29.4402,"lng":119.8998},"host":{"type":"restaurant","name":"江南面馆"},"amenities":["ebike_charging","drinking_water","hot_water","microwave","toilet","seating"],"hours":{"weekly":{"mon":[["10:00","02:00"]],"tue":[["10:00","02:00"]],"wed":[["10:00","02:00"]],"thu":[["10:00","02:00"]],"fri":[["10:00","02:00"]],"sat":[["10:00","02:00"]],"sun":[["10:00","02:00"]]}}}`,
	`{"name":"黄宅镇工会爱心驿站","address":"浦江县黄宅镇中心路8号","location":{"lat":29.4715,"lng":119.9603},"host":{"type":"government","name":"黄宅镇人民政府"},"amenities":["drinking_water","hot_water","toilet","seating","first_aid","rain_gear"],"hours":{"weekly":{"mon":[["08:30","17:30"]],"tue":[["08:30","17:30"]],"wed":[["08:30","17:30"]],"thu":[["08:30","17:30"]],"fri":[["08:30","17:30"]]},"closed_dates":["2027-02-06","2027-02-07"]}}`,
	`{"name":"郑宅镇江南第一家驿站","address":"浦江县郑宅镇东明路","location":{"lat":29.5121,"lng":119.9867},"host":{"type":"community","name":"郑宅社区"},"amenities":["drinking_water","toilet","seating","nursing_supplies"],"hours":{"weekly":{"mon":[["08:00","18:00"]],"wed":[["08:00","18:00"]],"fri":[["08:00","18:00"]],"sun":[["09:00","16:00"]]}}}`,
	`{"name":"岩头镇水晶园区工会服务站","address":"浦江县岩头镇水晶产业园","location":{"lat":29.4207,"lng":119.9525},"host":{"type":"enterprise","name":"水晶产业园管委会"},"amenities":["ebike_charging","phone_charging","drinking_water","hot_water","microwave","refrigerator","toilet","air_conditioning"],"hours":{"weekly":{"mon":[["07:30","19:30"]],"tue":[["07:30","19:30"]],"wed":[["07:30","19:30"]],"thu":[["07:30","19:30"]],"fri":[["07:30","19:30"]],"sat":[["07:30","12:00"]]}}}`,
	`{"name":"白马镇加油站爱心驿站","address":"浦江县白马镇金华大道旁","location":{"lat":29.3951,"lng":119.9203},"host":{"type":"shop","name":"白马加油站便利店"},"amenities":["phone_charging","drinking_water","hot_water","toilet","tire_pump","instant_food"],"hours":{"always_open":true}}`,
	`{"name":"檀溪镇环卫工人休息站","address":"浦江县檀溪镇文化街","location":{"lat":29.5598,"lng":119.8551},"host":{"type":"community","name":"檀溪镇环卫所"},"amenities":["drinking_water","hot_water","microwave","seating"],"hours":{"weekly":{"mon":[["04:30","10:00"],["15:00","20:00"]],"tue":[["04:30","10:00"],["15:00","20:00"]],"wed":[["04:30","10:00"],["15:00","20:00"]],"thu":[["04:30","10:00"],["15:00","20:00"]],"fri":[["04:30","10:00"],["15:00","20:00"]],"sat":[["04:30","10:00"]],"sun":[["04:30","10:00"]]}}}`,
	`{"name":"杭坪镇邮政网点驿站","address":"浦江县杭坪镇杭坪街","location":{"lat":29.5401,"lng":119.7803},"host":{"type":"other","name":"中国邮政杭坪网点"},"amenities":["ebike_charging","drinking_water","toilet","wifi"],"hours":{"weekly":{"mon":[["08:00","17:00"]],"tue":[["08:00","17:00"]],"wed":[["08:00","17:00"]],"thu":[["08:00","17:00"]],"fri":[["08:00","17:00"]]}},"status":"suspended"}`,
}

// demo loads the demo stations once and gives the demo admin a fresh
// password, which it prints: there is no other way to learn it.
func demo(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	a, err := newApp(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer a.db.Close()
	var n int
	if err := a.db.Pool.QueryRow(ctx, `SELECT count(*) FROM stations WHERE demo`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		for i, raw := range demoStations {
			var doc station.Document
			if err := json.Unmarshal([]byte(raw), &doc); err != nil {
				return fmt.Errorf("demo station %d: %w", i, err)
			}
			code := "330726"
			doc.DistrictCode = &code
			if _, err := a.stations.CreateDemo(ctx, station.System("demo"), doc); err != nil {
				return fmt.Errorf("demo station %d: %w", i, err)
			}
		}
		log.Info("demo stations loaded", "count", len(demoStations))
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	password := base64.RawURLEncoding.EncodeToString(b)
	_, err = a.auth.CreateStaff(ctx, demoAdmin, password, auth.Admin, nil, station.ValidDivisionCode)
	if apperr.Is(err, apperr.Conflict) {
		err = a.auth.SetPassword(ctx, demoAdmin, password)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo admin: username %s, password %s\n", demoAdmin, password)
	return nil
}
