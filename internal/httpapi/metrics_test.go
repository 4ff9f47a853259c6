package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"yizhan/internal/httpapi"
)

// A client can send any token as a method. Counted by it, each invented
// method made new series in /metrics for as long as the process ran:
// memory without bound, and a scrape that grows with it.
func TestMetricsSeriesDoNotGrowWithInventedMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *httpapi.Deps) { d.Metrics = httpapi.NewMetrics(prometheus.NewRegistry()) })
	for i := range 50 {
		for _, path := range []string{"/v1/stations", "/no-such-path"} {
			r, err := http.NewRequest(fmt.Sprintf("M%d", i), e.srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
	}
	res, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(body), `method="M`); n > 0 {
		t.Errorf("/metrics holds %d series of invented methods, want none (counted as OTHER)", n)
	}
	if !strings.Contains(string(body), `method="OTHER"`) {
		t.Errorf("/metrics does not count invented methods as OTHER")
	}
}
