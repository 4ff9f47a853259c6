package search

import (
	"sync/atomic"
)

// A Memo lives as long as one indexed copy of a station, for bytes a reader
// derives from that copy and would rather not derive again on every answer
// (the API keeps the parts of the station's JSON that no query changes). An
// indexed copy never changes — a write indexes a new copy with a new memo —
// so a memo never goes stale. Concurrent readers may both fill an empty
// memo; they must fill it with the same bytes.
//
// A memo also holds one word for a value derived from the copy and from
// something a query varies, which a reader keeps for the next query that
// asks the same (the API keeps open_now for the last minute asked about).
// Readers may overwrite each other's word; a word must say what it is about.
type Memo struct {
	p    atomic.Pointer[[]byte]
	word atomic.Uint64
}

// Word returns the memo's word, 0 when it was never set or m is nil.
func (m *Memo) Word() uint64 {
	if m == nil {
		return 0
	}
	return m.word.Load()
}

// SetWord sets the memo's word; a nil m ignores it.
func (m *Memo) SetWord(w uint64) {
	if m != nil {
		m.word.Store(w)
	}
}

// Load returns the memo's bytes, nil when it is empty or m is nil.
func (m *Memo) Load() []byte {
	if m == nil {
		return nil
	}
	if p := m.p.Load(); p != nil {
		return *p
	}
	return nil
}

// Store fills the memo; a nil m ignores it. b must not change afterwards.
func (m *Memo) Store(b []byte) {
	if m != nil {
		m.p.Store(&b)
	}
}
