//go:build race

package search

// raceEnabled scales the brute-force comparisons down under the race
// detector, which slows them tenfold; `make test` also runs them at full size
// without it.
const raceEnabled = true
