package coverage

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/geo"
	"yizhan/internal/station"
)

func TestCounterCountsEverySearchOnce(t *testing.T) {
	t.Parallel()
	c := NewCounter()
	at := time.Date(2026, 11, 30, 10, 30, 0, 0, time.UTC)
	pts := []orb.Point{{119.8969, 29.4490}, {119.65, 29.08}, {120.1, 29.3}}
	var wg sync.WaitGroup
	const goroutines, each = 8, 5000
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c.Add(pts[(g+i)%len(pts)], at.Add(time.Duration(i%2)*time.Hour))
			}
		}()
	}
	// Drain while counting: nothing is lost or counted twice.
	var got []Tally
	for range 5 {
		got = append(got, c.Drain()...)
	}
	wg.Wait()
	got = append(got, c.Drain()...)
	var total int64
	per := map[CellID]int64{}
	for _, x := range got {
		total += x.N
		per[x.Cell] += x.N
	}
	if total != goroutines*each || len(per) != 3 {
		t.Fatalf("counted %d in %d cells, want %d in 3", total, len(per), goroutines*each)
	}
	if d := c.Drain(); len(d) != 0 {
		t.Errorf("a second drain: %v", d)
	}
}

func TestCounterAddAllocatesNothing(t *testing.T) {
	c := NewCounter()
	at := time.Now()
	p := orb.Point{119.8969, 29.4490}
	for range 1000 {
		c.Add(p, at) // every shard learns the key
	}
	if n := testing.AllocsPerRun(1000, func() { c.Add(p, at) }); n != 0 {
		t.Errorf("Add allocates %v times", n)
	}
	var nilCounter *Counter
	nilCounter.Add(p, at) // counting off
}

func TestBucketIsTheShanghaiDayAndHourOfWeek(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		at       time.Time
		day      string
		how      int
		hourOfDy int
	}{
		{time.Date(2026, 11, 30, 10, 30, 0, 0, time.UTC), "2026-11-30", 18, 18},       // Monday 18:30
		{time.Date(2026, 11, 29, 16, 0, 0, 0, time.UTC), "2026-11-30", 0, 0},          // Monday 00:00
		{time.Date(2026, 11, 29, 15, 59, 59, 0, time.UTC), "2026-11-29", 167, 23},     // Sunday 23:59
		{time.Date(2026, 12, 2, 13, 30, 0, 0, time.UTC), "2026-12-02", 2*24 + 21, 21}, // Wednesday 21:30
		{time.Date(1969, 12, 31, 23, 30, 0, 0, time.UTC), "1970-01-01", 3*24 + 7, 7},  // before the epoch
	} {
		b := BucketOf(Tally{Cell: CellOf(orb.Point{120, 30}), Hour: floorDiv(c.at.Unix(), 3600), N: 1})
		if b.Day.Format(time.DateOnly) != c.day || b.HourOfWeek != c.how || b.HourOfWeek%24 != c.hourOfDy {
			t.Errorf("%v: %v %d, want %s %d", c.at, b.Day, b.HourOfWeek, c.day, c.how)
		}
	}
}

func TestHours(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []int
		back string
	}{
		{"22-6", []int{0, 1, 2, 3, 4, 5, 22, 23}, "22-6"},
		{"7-9,17-19", []int{7, 8, 17, 18}, "7-9,17-19"},
		{"12", []int{12}, "12"},
		{"0-24", seq(0, 24), "0-24"},
		{"23-24,0-1", []int{0, 23}, "23-1"},
		{"5,3,5", []int{3, 5}, "3,5"},
	} {
		got, ok := ParseHours(c.in)
		if !ok || !slices.Equal(got, c.want) || FormatHours(got) != c.back {
			t.Errorf("%q: %v %v %q", c.in, got, ok, FormatHours(got))
		}
	}
	for _, bad := range []string{"", "24", "25", "6-6", "a", "1-", "-3", "+1", "1,,2", "1-2-3", "007"} {
		if got, ok := ParseHours(bad); ok {
			t.Errorf("%q read as %v", bad, got)
		}
	}
	if !slices.Equal(NightHours(), []int{0, 1, 2, 3, 4, 5, 22, 23}) {
		t.Errorf("night: %v", NightHours())
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestBoxes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ok := func(s string) orb.Bound {
		b, good := ParseBox(s)
		if !good {
			t.Fatalf("%q refused", s)
		}
		return b
	}
	// 300 km wide at 29°N is about 3.08° of longitude.
	for _, c := range []struct {
		box  string
		fine bool
	}{
		{"119.7,29.3,120.1,29.6", true},
		{"118,29,121,31.5", true},
		{"118,29,121.2,31", false},
		{"118,28,119,30.8", false},
	} {
		r := Request{Box: ok(c.box)}
		if err := r.normalise(now, DefaultConfig.Retention); (err == nil) != c.fine {
			t.Errorf("%s: %v", c.box, err)
		}
	}
	for _, bad := range []string{"1,2,3", "1,2,3,4,5", "a,b,c,d", "1e1,2,3,4", "0x10,2,3,4", "119,29,120,90", "-181,0,1,1", " ,1,2,3", "NaN,1,2,3"} {
		if b, good := ParseBox(bad); good {
			t.Errorf("%q read as %v", bad, b)
		}
	}
	r := Request{Box: ok("119.7,29.3,120.1,29.6")}
	if err := r.normalise(now, DefaultConfig.Retention); err != nil || r.ReachM != 1000 || r.MinStations != 1 || r.Source != All ||
		r.To.Format(time.DateOnly) != "2026-12-02" || r.From.Format(time.DateOnly) != "2026-11-05" {
		t.Errorf("defaults: %+v %v", r, err)
	}
}

// A period is never rewritten: dates after today or before the first kept
// day are refused; only the default period starts at the first kept day
// when the retention is shorter than it.
func TestPeriods(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC) // 12-03 04:00 Shanghai
	box := orb.Bound{Min: orb.Point{119.7, 29.3}, Max: orb.Point{120.1, 29.6}}
	const tenDays = 10 * 24 * time.Hour
	for _, c := range []struct {
		name      string
		from, to  string
		retention time.Duration
		field     string // "": fine
		want      string // from—to when fine
	}{
		{"default", "", "", DefaultConfig.Retention, "", "2026-11-06—2026-12-03"},
		{"today, Shanghai", "2026-12-03", "2026-12-03", DefaultConfig.Retention, "", "2026-12-03—2026-12-03"},
		{"to tomorrow", "", "2026-12-04", DefaultConfig.Retention, "to", ""},
		{"to far ahead", "2026-12-01", "9999-12-31", DefaultConfig.Retention, "to", ""},
		{"from tomorrow", "2026-12-04", "", DefaultConfig.Retention, "from", ""},
		{"first kept day", "2025-10-29", "2026-12-01", DefaultConfig.Retention, "", "2025-10-29—2026-12-01"},
		{"before the first kept day", "2025-10-28", "2026-12-01", DefaultConfig.Retention, "from", ""},
		{"to before the first kept day", "", "2025-01-01", DefaultConfig.Retention, "to", ""},
		{"year one", "0002-01-01", "2026-12-01", DefaultConfig.Retention, "from", ""},
		{"short retention, default", "", "", tenDays, "", "2026-11-23—2026-12-03"},
		{"short retention, from asked", "2026-11-22", "", tenDays, "from", ""},
		{"no retention", "2020-01-01", "2020-12-31", 0, "", "2020-01-01—2020-12-31"},
	} {
		r := Request{Box: box}
		if c.from != "" {
			r.From, _ = ParseDay(c.from)
		}
		if c.to != "" {
			r.To, _ = ParseDay(c.to)
		}
		err := r.normalise(now, c.retention)
		if c.field == "" {
			if got := r.From.Format(time.DateOnly) + "—" + r.To.Format(time.DateOnly); err != nil || got != c.want {
				t.Errorf("%s: %s, %v; want %s", c.name, got, err, c.want)
			}
			continue
		}
		var p *apperr.Error
		if !errors.As(err, &p) || len(p.Fields) == 0 || p.Fields[0].Field != c.field || p.Fields[0].Code != "out_of_range" {
			t.Errorf("%s: %v; want out_of_range on %s", c.name, err, c.field)
		}
	}
	if _, ok := ParseDay("0001-01-01"); ok {
		t.Error("0001-01-01 would read as no date")
	}
}

// The cells of a box are found by the ranges: a cell whose centre is in
// the box is in one of them, whatever the box.
func TestRangesHoldEveryCellOfTheBox(t *testing.T) {
	t.Parallel()
	for _, box := range []orb.Bound{
		{Min: orb.Point{119.7, 29.3}, Max: orb.Point{120.1, 29.6}},
		{Min: orb.Point{116.0, 39.6}, Max: orb.Point{116.02, 39.61}},
		{Min: orb.Point{100, 20}, Max: orb.Point{103, 22.5}},
	} {
		rs := Ranges(box)
		for i := range 2000 {
			p := orb.Point{box.Min[0] + (box.Max[0]-box.Min[0])*float64(i%47)/46, box.Min[1] + (box.Max[1]-box.Min[1])*float64(i/47)/42}
			id := CellOf(p)
			if !InBound(box, id.Centre()) {
				continue
			}
			if !slices.ContainsFunc(rs, func(r Range) bool { return int64(id) >= r.Lo && int64(id) <= r.Hi }) {
				t.Fatalf("box %v: cell %s of %v in no range", box, id.Token(), p)
			}
		}
	}
}

func TestCellsAreLevel13(t *testing.T) {
	t.Parallel()
	id := CellOf(orb.Point{119.8969, 29.4490})
	if !id.Valid() || uint64(id)&(1<<35-1) != 1<<34 {
		t.Fatalf("%x is not a level-13 id", uint64(id))
	}
	ring := id.Polygon()[0]
	if d := geo.Distance(ring[0], ring[2]); d < 1000 || d > 2000 {
		t.Errorf("diagonal %v m", d)
	}
	if CellOf(id.Centre()) != id || CellID(uint64(id)|1).Valid() {
		t.Error("centre or validity")
	}
	// Suppression and the box: only cells with at least the minimum count
	// of a source and their centre inside are shown, by id; each source is
	// suppressed on its own before they are added up.
	a, b, c := CellOf(orb.Point{119.9, 29.45}), CellOf(orb.Point{119.95, 29.45}), CellOf(orb.Point{121, 29.45})
	d, e, f := CellOf(orb.Point{119.9, 29.5}), CellOf(orb.Point{119.95, 29.5}), CellOf(orb.Point{119.9, 29.55})
	got := Shown([]RawCell{
		{b, 5, 0}, {a, 4, 0}, {c, 50, 0}, {a + 2, 9, 0},
		{d, 1, 4},             // padded to 5: hidden
		{e, 4, 10}, {f, 6, 2}, // only the part that reaches 5
	}, orb.Bound{Min: orb.Point{119.7, 29.3}, Max: orb.Point{120.1, 29.6}}, 5)
	want := []Cell{{b, 5}, {e, 10}, {f, 6}}
	sortCells(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("shown (-want +got):\n%s", d)
	}
}

// A station counts for hours only when open at the start and the end of
// each of them on each of the next seven days, and not closed by a notice.
func TestWhichStationsCountAtNight(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC) // Monday 18:00 Shanghai
	hours := func(js string) station.Hours {
		h, err := station.ParseHours([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	night := NightHours()
	for _, c := range []struct {
		name    string
		hours   string
		notices []station.Notice
		all     bool
		atNight bool
	}{
		{"always open", `{"always_open": true}`, nil, true, true},
		{"every night", `{"weekly": {"mon": [["22:00", "06:00"]], "tue": [["22:00", "06:00"]], "wed": [["22:00", "06:00"]], "thu": [["22:00", "06:00"]], "fri": [["22:00", "06:00"]], "sat": [["22:00", "06:00"]], "sun": [["22:00", "06:00"]]}}`, nil, true, true},
		{"until 05:30", `{"weekly": {"mon": [["22:00", "05:30"]], "tue": [["22:00", "05:30"]], "wed": [["22:00", "05:30"]], "thu": [["22:00", "05:30"]], "fri": [["22:00", "05:30"]], "sat": [["22:00", "05:30"]], "sun": [["22:00", "05:30"]]}}`, nil, true, false},
		{"weeknights only", `{"weekly": {"mon": [["22:00", "06:00"]], "tue": [["22:00", "06:00"]], "wed": [["22:00", "06:00"]], "thu": [["22:00", "06:00"]], "fri": [["22:00", "06:00"]]}}`, nil, true, false},
		{"by day", `{"weekly": {"mon": [["08:00", "20:00"]]}}`, nil, true, false},
		{"closed now by a notice", `{"always_open": true}`, []station.Notice{{Kind: station.TemporarilyClosed, From: now.Add(-time.Hour), Until: now.Add(time.Hour)}}, false, false},
		{"closed on Thursday night", `{"always_open": true}`, []station.Notice{{Kind: station.TemporarilyClosed, From: now.Add(76 * time.Hour), Until: now.Add(80 * time.Hour)}}, true, false},
	} {
		st := &station.Station{Hours: hours(c.hours), Notices: c.notices}
		if got := counts(st, now, nil); got != c.all {
			t.Errorf("%s, all hours: %v", c.name, got)
		}
		if got := counts(st, now, night); got != c.atNight {
			t.Errorf("%s, at night: %v", c.name, got)
		}
	}
}

func TestParseImport(t *testing.T) {
	t.Parallel()
	body := []byte("\ufefflat,lng,count,hour_of_week\n29.4490,119.8969,3,\n29.4491,119.8970,2,\n29.4491,119.8970,4,20\n")
	cells, rows, total, err := ParseImport(body, geo.WGS84)
	if err != nil || rows != 3 || total != 9 {
		t.Fatalf("%v %d %d %v", cells, rows, total, err)
	}
	id := CellOf(orb.Point{119.8969, 29.4490})
	if d := cmp.Diff([]ImportedCell{{id, -1, 5}, {id, 20, 4}}, cells); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, _, _, err := ParseImport([]byte("29.4,119.9,1\n\"unterminated\n"), geo.WGS84); err == nil {
		t.Error("broken CSV read")
	}
}

// BenchmarkCounterAdd is the cost a search pays for counting: the cell of
// its point, and one shard's map increment, from every core at once. The
// points fall in about 2,500 cells (a city's searches between two flushes).
func BenchmarkCounterAdd(b *testing.B) {
	c := NewCounter()
	at := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			c.Add(orb.Point{119.6 + float64(i%53)*0.01, 29.2 + float64(i%47)*0.01}, at)
		}
	})
}

// BenchmarkCellOf is the cell lookup alone.
func BenchmarkCellOf(b *testing.B) {
	var sink CellID
	for i := 0; b.Loop(); i++ {
		sink ^= CellOf(orb.Point{114 + float64(i%797)*0.01, 24 + float64(i%811)*0.01})
	}
	_ = sink
}
