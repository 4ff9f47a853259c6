package console

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"yizhan/internal/benefit"
)

// bar is one bar of a server-drawn chart: its place and size in the SVG's
// own units, and the figures it stands for.
type bar struct {
	X, Y, W, H   float64 // the claimed bar, or the station's bar
	RY, RH       float64 // the redeemed bar inside a day's claimed one
	Label, Value string
	LabelX       float64
}

type chart struct {
	Width, Height float64
	Bars          []bar
	Max           int
	Ticks         []tick
}

type tick struct {
	Y     float64
	Label string
}

type statsPage struct {
	ID, Title, Status, StatusLabel, Stock string
	Claimed, Redeemed, Expired, Open      int
	Days, Stations                        chart
	HasDays, HasStations                  bool
	DayRows                               []benefit.DayStats
}

// benefitStats shows an offer's figures with two charts drawn on the
// server as SVG: claims per day (redemptions inside), redemptions per
// station. No chart library, no script.
func (h *handler) benefitStats(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	o, st, err := h.Benefits.Stats(r.Context(), principal(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := statsPage{
		ID: o.ID.String(), Title: o.Title, Status: string(o.Status), StatusLabel: t("offer.status." + string(o.Status)),
		Claimed: st.Claimed, Redeemed: st.Redeemed, Expired: st.Expired, Open: st.Open, Stock: t("offer.unlimited"),
		Days: dayChart(st.ByDay), Stations: stationChart(st.ByStation),
		HasDays: len(st.ByDay) > 0, HasStations: len(st.ByStation) > 0, DayRows: st.ByDay,
	}
	if st.TotalStock != nil {
		page.Stock = t("offer.stock_of", st.Remaining, *st.TotalStock)
	}
	h.render(w, r, "benefit_stats.html", "benefits", page)
}

// dayChart draws claims per day as columns, the day's redemptions as a
// darker column inside.
func dayChart(days []benefit.DayStats) chart {
	const width, height, left, bottom, top = 720.0, 240.0, 40.0, 28.0, 12.0
	c := chart{Width: width, Height: height}
	for _, d := range days {
		c.Max = max(c.Max, d.Claimed, d.Redeemed)
	}
	scale := niceMax(c.Max)
	plotH := height - bottom - top
	slot := (width - left) / float64(max(len(days), 1))
	bw := min(slot*0.7, 48)
	for i := 0; i <= 4; i++ {
		v := scale * i / 4
		c.Ticks = append(c.Ticks, tick{Y: top + plotH - plotH*float64(v)/float64(scale), Label: fmt.Sprint(v)})
	}
	every := max(1, len(days)/8) // at most about eight date labels
	for i, d := range days {
		x := left + slot*float64(i) + (slot-bw)/2
		hc := plotH * float64(d.Claimed) / float64(scale)
		hr := plotH * float64(d.Redeemed) / float64(scale)
		b := bar{X: x, W: bw, Y: top + plotH - hc, H: hc, RY: top + plotH - hr, RH: hr,
			Value: t("stats.day_tip", d.Date, d.Claimed, d.Redeemed, d.Expired), LabelX: x + bw/2}
		if i%every == 0 {
			b.Label = d.Date[5:] // MM-DD
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// stationChart draws redemptions per station as horizontal bars, most
// first, at most 20.
func stationChart(stations []benefit.StationStats) chart {
	if len(stations) > 20 {
		stations = stations[:20]
	}
	const width, row, labelW = 720.0, 30.0, 260.0
	c := chart{Width: width, Height: row * float64(max(len(stations), 1))}
	for _, s := range stations {
		c.Max = max(c.Max, s.Redeemed)
	}
	c.Max = max(c.Max, 1)
	scale := niceMax(c.Max)
	for i, s := range stations {
		w := (width - labelW - 50) * float64(s.Redeemed) / float64(scale)
		c.Bars = append(c.Bars, bar{X: labelW, Y: row*float64(i) + 6, W: w, H: row - 12, Label: s.StationName,
			Value: fmt.Sprint(s.Redeemed), LabelX: labelW + w + 6})
	}
	return c
}

// niceMax is the axis top: the maximum rounded up to 1, 2 or 5 times a
// power of ten, at least 4 so that the four grid lines are whole numbers.
func niceMax(n int) int {
	if n <= 4 {
		return 4
	}
	p := 1
	for p*10 < n {
		p *= 10
	}
	for _, m := range []int{1, 2, 4, 5, 10} {
		if m*p >= n && (m*p)%4 == 0 {
			return m * p
		}
	}
	return 10 * p
}

// benefitCSV downloads the offer's claims for Excel: the API's sheet
// (benefit.ExportHeader), UTF-8 with a byte order mark.
func (h *handler) benefitCSV(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	started := false
	bw := bufio.NewWriterSize(w, 32<<10)
	cw := csv.NewWriter(bw)
	start := func() error {
		if started {
			return nil
		}
		started = true
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="claims-`+id.String()+`.csv"`)
		w.WriteHeader(http.StatusOK)
		_, _ = bw.WriteString("\uFEFF")
		return cw.Write(benefit.ExportHeader)
	}
	err = h.Benefits.Export(r.Context(), principal(r), id, func(row benefit.ExportRow) error {
		if err := start(); err != nil {
			return err
		}
		return cw.Write(row.Record())
	})
	if err != nil && !started {
		h.fail(w, r, err)
		return
	}
	if err == nil {
		err = start()
	}
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "console claims export", "err", err)
	}
}
