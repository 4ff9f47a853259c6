package search

import "yizhan/internal/station"

// Each calls fn with every active station of the current snapshot, in no
// particular order, until fn returns false. It takes no lock; the stations
// are the index's immutable copies and must not be changed.
func (e *Engine) Each(fn func(*station.Station) bool) {
	s := e.cur.Load()
	for ref, st := range s.baseSt {
		if s.dead[ref/64]&(1<<(ref%64)) != 0 {
			continue
		}
		if !fn(st) {
			return
		}
	}
	for _, st := range s.deltaSt {
		if !fn(st) {
			return
		}
	}
}
