package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// newRegistry gathers the process's metrics: Go runtime, the search index
// and the database pool, besides what httpapi registers itself.
func newRegistry(a *app) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_search_index_stations", Help: "Active stations in the in-memory search index.",
		}, func() float64 { return float64(a.search.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_search_index_version", Help: "Changes applied to the search index since the process started.",
		}, func() float64 { return float64(a.search.Version()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_search_index_lag_seconds", Help: "Seconds since the search index last caught up with the database.",
		}, func() float64 {
			t := a.search.SyncedAt()
			if t.IsZero() {
				return -1
			}
			return time.Since(t).Seconds()
		}),
	)
	pool := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "yizhan_db_pool_" + name, Help: help}, f)
	}
	reg.MustRegister(
		pool("total_conns", "Connections in the pool.", func() float64 { return float64(a.db.Pool.Stat().TotalConns()) }),
		pool("acquired_conns", "Connections in use.", func() float64 { return float64(a.db.Pool.Stat().AcquiredConns()) }),
		pool("idle_conns", "Idle connections.", func() float64 { return float64(a.db.Pool.Stat().IdleConns()) }),
		pool("max_conns", "The pool's size limit.", func() float64 { return float64(a.db.Pool.Stat().MaxConns()) }),
		pool("acquire_wait_seconds_total", "Time spent waiting for a connection.", func() float64 { return a.db.Pool.Stat().AcquireDuration().Seconds() }),
		pool("empty_acquires_total", "Acquires that had to wait for a connection.", func() float64 { return float64(a.db.Pool.Stat().EmptyAcquireCount()) }),
	)
	reg.MustRegister(a.notify.collectors()...)
	return reg
}
