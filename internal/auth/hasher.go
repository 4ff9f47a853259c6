package auth

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"yizhan/internal/apperr"
)

// A Hasher derives password keys in a child process: this same executable,
// started in hasher mode (RunHasherIfChild), at the lowest CPU priority.
//
// Why a process: argon2id allocates 19 MiB per key, afresh each time
// (golang.org/x/crypto/argon2 takes no buffer). In the server's own heap a
// flood of failed logins made ≈ 475 MB/s of garbage, and every collection
// it caused marked the server's whole heap (the station index) and took
// CPU from the requests being served; with the collector off, half of what
// the flood added to the other routes' tail went away (BENCHMARKS.md,
// "Login flood"). In a child, that garbage and its collector are the
// child's, whose heap holds nothing else; and the kernel schedules the
// child's threads after the server's.
//
// Every thread of the child runs at nice 19: on Linux a thread's priority
// is its own, and a new thread inherits its creator's. So the child is
// started from a goroutine locked to an OS thread whose priority was
// lowered first, and the child's first thread (and so all the others)
// inherit it. That goroutine then waits for the child to exit and ends
// still locked, so the runtime ends the thread and its priority never
// reaches another goroutine. It must live as long as the child: the
// child's parent-death signal (SIGKILL, so that it never outlives the
// server) fires when the thread that started it ends, not the process.
//
// The parent keeps the salt, the parameters and the comparison (in
// constant time): the child computes argon2.IDKey and nothing else, and
// never sees the key it is compared against. A check in flight when the
// child dies answers Unavailable (503 with Retry-After), never "wrong
// password"; the child is started again, after a pause that doubles while
// it keeps dying. When the child cannot be started at all, keys are
// derived in this process (see hashthread.go), with one warning.
type Hasher struct {
	path     string
	workers  int
	callWait time.Duration
	log      *slog.Logger
	ids      atomic.Uint64

	mu       sync.Mutex
	child    *hasherChild  // nil while no child answers
	changed  chan struct{} // closed, and replaced, on every change below
	fallback bool          // keys are derived in this process
	closed   bool

	stop    chan struct{}
	stopped chan struct{}
}

// HasherConfig configures StartHasher.
type HasherConfig struct {
	// Workers is how many keys the child derives at once, and its
	// GOMAXPROCS (0: LoginWorkers(DefaultConfig)).
	Workers int
	Log     *slog.Logger // nil: slog.Default()
	// Path is the executable (empty: this process's own); it must call
	// RunHasherIfChild first thing.
	Path string
	// CallWait is the longest a check waits for the child's answer before
	// the child is taken for wedged and killed (0: callWait).
	CallWait time.Duration
}

const (
	// helloWait is how long a new child may take to answer; one that does
	// not is not a hasher.
	helloWait = 10 * time.Second
	// hasherWait is how long a check waits for a child being restarted.
	hasherWait = 2 * time.Second
	// callWait is how long a check waits for its key: a key takes tens of
	// milliseconds, and the gate lets the child hold no more keys than it
	// derives at once, so a child this late is wedged.
	callWait = 30 * time.Second
	// restartMin and restartMax bound the pause before a restart, which
	// doubles while the child keeps dying within restartStable.
	restartMin    = 100 * time.Millisecond
	restartMax    = 30 * time.Second
	restartStable = 10 * time.Second
)

var errHasherDown = &apperr.Error{Code: apperr.Unavailable, Message: "password checks are restarting; try again in a moment", RetryAfter: time.Second}

// StartHasher starts the hasher child and returns once it answers, or once
// it is clear that it cannot start (then keys are derived in this
// process). Close stops it.
func StartHasher(cfg HasherConfig) *Hasher {
	h := &Hasher{path: cfg.Path, workers: cfg.Workers, log: cfg.Log, changed: make(chan struct{}),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if h.workers <= 0 {
		h.workers = LoginWorkers(DefaultConfig)
	}
	h.callWait = cfg.CallWait
	if h.callWait <= 0 {
		h.callWait = callWait
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	go h.supervise()
	for {
		h.mu.Lock()
		ready, changed := h.child != nil || h.fallback || h.closed, h.changed
		h.mu.Unlock()
		if ready {
			return h
		}
		<-changed
	}
}

// Pid is the child's process id, or 0 while none answers.
func (h *Hasher) Pid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.child == nil {
		return 0
	}
	return h.child.proc.Pid
}

// Close stops the child (its stdin ends; it is killed if it lingers) and
// waits for it to exit. Keys asked for afterwards answer Unavailable.
func (h *Hasher) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	close(h.stop)
	c := h.child
	h.wake()
	h.mu.Unlock()
	if c != nil {
		_ = c.in.Close()
		t := time.AfterFunc(5*time.Second, func() { _ = c.proc.Kill() })
		defer t.Stop()
	}
	<-h.stopped
	return nil
}

// wake tells the waiters that something changed; h.mu is held.
func (h *Hasher) wake() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// setChild makes c the child to ask (nil: none); false when the Hasher
// was closed meanwhile.
func (h *Hasher) setChild(c *hasherChild) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed && c != nil {
		return false
	}
	h.child = c
	h.wake()
	return true
}

// startError is a child that could not be started, or did not say hello.
type startError struct{ err error }

func (e startError) Error() string { return e.err.Error() }

// supervise runs the child, again and again, until Close.
func (h *Hasher) supervise() {
	defer close(h.stopped)
	pause := restartMin
	ran := false // a child has answered at least once
	for {
		began := time.Now()
		pid, err := h.runChild()
		if h.isClosed() {
			return
		}
		se := startError{}
		switch {
		case errors.As(err, &se) && !ran:
			// The executable cannot be a hasher here at all: check in
			// process rather than refuse every login.
			h.log.Warn("the password hasher process could not be started; passwords are checked in the API process", "error", se.err)
			h.mu.Lock()
			h.fallback = true
			h.wake()
			h.mu.Unlock()
			return
		case errors.As(err, &se):
			// It ran before: a restart that failed (no fork, a slow hello
			// in the flood that killed it) is tried again, not given up
			// for hashing in the server's heap.
			h.log.Warn("the password hasher process could not be restarted; logins answer 503 until it is", "error", se.err, "restart_in", pause)
		default:
			ran = true
			if time.Since(began) > restartStable {
				pause = restartMin
			}
			h.log.Warn("the password hasher process exited; checks in flight answered 503; restarting it", "pid", pid, "status", fmt.Sprint(err), "restart_in", pause)
		}
		select {
		case <-time.After(pause):
		case <-h.stop:
			return
		}
		pause = min(2*pause, restartMax)
	}
}

func (h *Hasher) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// runChild starts a child, serves through it until it exits, and returns
// its pid and how it exited.
func (h *Hasher) runChild() (int, error) {
	h.mu.Lock()
	path := h.path
	h.mu.Unlock()
	if path == "" {
		p, err := os.Executable()
		if err != nil {
			return 0, startError{err}
		}
		path = p
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return 0, startError{err}
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return 0, startError{err}
	}
	cmd := exec.Command(path)
	// Nothing of the server's environment (its database URL among it).
	cmd.Env = []string{hasherEnv + "=1", hasherWorkersEnv + "=" + strconv.Itoa(h.workers)}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, os.Stderr
	cmd.SysProcAttr = hasherProcAttr()
	started, exited := make(chan error, 1), make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine, after the child
		lowerThreadPriority()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	err = <-started
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return 0, startError{err}
	}
	defer outR.Close()
	pid := cmd.Process.Pid
	c := &hasherChild{proc: cmd.Process, in: inW, wait: h.callWait, pending: map[uint64]chan frame{}}
	r := bufio.NewReader(outR)
	hello := make([]byte, len(hasherHello))
	t := time.AfterFunc(helloWait, func() { _ = cmd.Process.Kill() })
	_, err = io.ReadFull(r, hello)
	t.Stop()
	if err != nil || string(hello) != hasherHello {
		_ = cmd.Process.Kill()
		inW.Close()
		<-exited
		return pid, startError{fmt.Errorf("%s did not answer as a password hasher (does its main call auth.RunHasherIfChild?)", path)}
	}
	if !h.setChild(c) { // closed while it started
		_ = cmd.Process.Kill()
		inW.Close()
		return pid, <-exited
	}
	h.log.Info("password hasher process started", "pid", pid, "workers", h.workers)
	c.serve(r)
	h.setChild(nil)
	c.shut()
	_ = cmd.Process.Kill() // its answers broke off: it is no use alive
	return pid, <-exited
}

// current returns the child to ask, nil to derive in this process, or
// Unavailable when no child answers within hasherWait or ctx.
func (h *Hasher) current(ctx context.Context) (*hasherChild, error) {
	var timeout <-chan time.Time
	for {
		h.mu.Lock()
		c, fallback, closed, changed := h.child, h.fallback, h.closed, h.changed
		h.mu.Unlock()
		switch {
		case fallback:
			return nil, nil
		case c != nil:
			return c, nil
		case closed:
			return nil, errHasherDown
		}
		if timeout == nil {
			t := time.NewTimer(hasherWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-timeout:
			return nil, errHasherDown
		case <-ctx.Done():
			return nil, errLoginCancelled(ctx)
		}
	}
}

func errLoginCancelled(ctx context.Context) error {
	return &apperr.Error{Code: apperr.Unavailable, Message: "the login was cancelled", Err: ctx.Err()}
}

func (h *Hasher) deriveKey(ctx context.Context, password string, salt []byte, p HashParams, n uint32) ([]byte, error) {
	if len(salt) > math.MaxUint16 || n == 0 || n > maxKeyLen || frameHead+deriveHead+len(salt)+len(password) > maxFrame {
		return nil, errBadHash
	}
	c, err := h.current(ctx)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return inProcess{}.deriveKey(ctx, password, salt, p, n)
	}
	req := deriveRequest{params: p, keyLen: n, salt: salt, password: []byte(password)}
	body := req.appendTo(make([]byte, 0, deriveHead+len(salt)+len(password)))
	clear(req.password)
	f, err := c.call(h.ids.Add(1), opDerive, body)
	switch {
	case err != nil:
		return nil, err
	case f.kind != statusOK:
		return nil, errBadHash // argon2 refused the parameters
	case len(f.body) != int(n):
		return nil, errHasherDown // not an answer of ours
	}
	return f.body, nil
}

// hasherStats are the child's counts: the most keys it ever derived at
// once, and how many it is deriving now.
func (h *Hasher) stats(ctx context.Context) (most, now int, err error) {
	c, err := h.current(ctx)
	if err != nil || c == nil {
		return 0, 0, errors.Join(err, errors.New("no hasher process"))
	}
	f, err := c.call(h.ids.Add(1), opStats, nil)
	if err != nil {
		return 0, 0, err
	}
	if len(f.body) != 8 {
		return 0, 0, errFrame
	}
	return int(binary.BigEndian.Uint32(f.body)), int(binary.BigEndian.Uint32(f.body[4:])), nil
}

// hasherChild is one run of the child: its stdin, and the requests
// awaiting an answer from it.
type hasherChild struct {
	proc *os.Process
	in   *os.File
	wmu  sync.Mutex    // one frame at a time on in
	wait time.Duration // the longest a request waits for its answer

	mu      sync.Mutex
	pending map[uint64]chan frame
	gone    bool
}

// call sends a request and waits for its answer, or for the child's end.
func (c *hasherChild) call(id uint64, kind byte, body []byte) (frame, error) {
	answer := make(chan frame, 1)
	c.mu.Lock()
	if c.gone {
		c.mu.Unlock()
		return frame{}, errHasherDown
	}
	c.pending[id] = answer
	c.mu.Unlock()
	b := appendFrame(make([]byte, 0, 4+frameHead+len(body)), frame{id: id, kind: kind, body: body})
	c.wmu.Lock()
	_, err := c.in.Write(b)
	c.wmu.Unlock()
	clear(b)
	clear(body)
	if err != nil {
		c.forget(id)
		return frame{}, errHasherDown
	}
	// The answer is awaited even when ctx ends: the login keeps its place
	// in the gate while the child works for it, so that the child never
	// holds more keys than the gate lets logins run, as in process. But
	// not for ever: a child that is alive and does not answer (stopped,
	// wedged) would hold every slot of the gate and refuse every login
	// until a restart. Past c.wait it is killed, which answers every
	// request it holds with Unavailable and starts another.
	t := time.NewTimer(c.wait)
	defer t.Stop()
	select {
	case f, ok := <-answer:
		if !ok {
			return frame{}, errHasherDown // the child died before answering
		}
		return f, nil
	case <-t.C:
		_ = c.proc.Kill()
		if f, ok := <-answer; ok {
			return f, nil // it answered as it was killed
		}
		return frame{}, errHasherDown
	}
}

func (c *hasherChild) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// serve hands each answer read from r to its request, until r ends.
func (c *hasherChild) serve(r io.Reader) {
	for {
		f, err := readFrame(r)
		if err != nil {
			return
		}
		c.mu.Lock()
		answer, ok := c.pending[f.id]
		delete(c.pending, f.id)
		c.mu.Unlock()
		if ok {
			answer <- f
		}
	}
}

// shut fails every request awaiting an answer, and every later one.
func (c *hasherChild) shut() {
	c.mu.Lock()
	c.gone = true
	for id, answer := range c.pending {
		close(answer)
		delete(c.pending, id)
	}
	c.mu.Unlock()
	_ = c.in.Close()
}
