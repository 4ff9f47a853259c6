package auth

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
)

// The hasher child is this same executable started with YIZHAN_HASHER=1 in
// its environment (see hasher.go for the parent's side). main, and the
// TestMain of every package whose tests start one, call RunHasherIfChild
// first thing.
const (
	hasherEnv        = "YIZHAN_HASHER"
	hasherWorkersEnv = "YIZHAN_HASHER_WORKERS"
)

// hasherGCPercent is the child's GOGC. Its heap is the keys being derived
// and nothing else: each key's 19 MiB is garbage the moment it is done, and
// the next collection has almost nothing to mark.
const hasherGCPercent = 50

// RunHasherIfChild runs the hasher and exits when the process was started
// as a hasher child (YIZHAN_HASHER=1); otherwise it returns at once. Call
// it first thing in main, and in TestMain wherever a test starts a server
// that checks passwords.
func RunHasherIfChild() {
	if os.Getenv(hasherEnv) != "1" {
		return
	}
	// A Ctrl-C in a terminal, or a service manager stopping the server's
	// whole group, is for the server, which drains its logins through
	// this child: the child ends when its stdin closes, or with the
	// server (its parent-death signal).
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	workers, err := strconv.Atoi(os.Getenv(hasherWorkersEnv))
	if err != nil || workers < 1 {
		workers = 1
	}
	os.Exit(serveHasher(os.Stdin, os.Stdout, workers))
}

// serveHasher answers the requests read from in on out, deriving at most
// workers keys at once, until in ends (0) or breaks the protocol (2). Its
// process must do nothing else: it sets GOMAXPROCS and the collector.
func serveHasher(in io.Reader, out io.Writer, workers int) int {
	runtime.GOMAXPROCS(workers)
	debug.SetGCPercent(hasherGCPercent)
	// A soft limit: room for every worker's key twice over at the default
	// cost; stronger parameters still work, collecting more often.
	debug.SetMemoryLimit(int64(workers)*2*int64(DefaultHashParams.Memory)<<10 + 32<<20)

	var wmu sync.Mutex
	answer := func(f frame) {
		b := appendFrame(make([]byte, 0, 4+frameHead+len(f.body)), f)
		wmu.Lock()
		defer wmu.Unlock()
		_, _ = out.Write(b) // a parent that stopped reading is gone; stdin ends next
	}
	wmu.Lock()
	_, err := io.WriteString(out, hasherHello)
	wmu.Unlock()
	if err != nil {
		return 2
	}
	r := bufio.NewReader(in)
	slots := make(chan struct{}, workers)
	var running, most atomic.Int32
	for {
		f, err := readFrame(r)
		if err == io.EOF {
			return 0 // the parent closed our stdin, or is gone
		}
		if err != nil {
			return 2
		}
		switch f.kind {
		case opDerive:
			req, err := parseDerive(f.body)
			if err != nil {
				return 2
			}
			// Taken here, before the next request is read: never more
			// than workers keys at once, and never more goroutines.
			slots <- struct{}{}
			go func() {
				defer func() { <-slots }()
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				key, err := idKey(req.password, req.salt, req.params, req.keyLen)
				running.Add(-1)
				clear(f.body) // the password, too
				if err != nil {
					answer(frame{id: f.id, kind: statusErr})
					return
				}
				answer(frame{id: f.id, kind: statusOK, body: key})
			}()
		case opStats:
			var b []byte
			b = binary.BigEndian.AppendUint32(b, uint32(most.Load()))
			b = binary.BigEndian.AppendUint32(b, uint32(running.Load()))
			answer(frame{id: f.id, kind: statusOK, body: b})
		default:
			return 2
		}
	}
}
