//go:build race

package httpapi

// raceEnabled skips allocation counts under the race detector, whose
// sync.Pool drops a share of what is put back on purpose; `make test` also
// runs the tests without it.
const raceEnabled = true
