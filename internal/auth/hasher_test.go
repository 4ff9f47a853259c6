package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"

	"yizhan/internal/apperr"
)

func TestMain(m *testing.M) {
	RunHasherIfChild() // the hasher children the tests start are this binary
	if os.Getenv("YIZHAN_HASHER_TEST_PARENT") == "1" {
		// TestHasherDiesWithItsParent's parent: start a hasher, say its
		// pid, and wait to be killed. The main thread is taken first, so
		// the hasher is started from another: the runtime never ends the
		// main thread, which would hide a starting thread that ended (and
		// so killed the child through its parent-death signal).
		// Two long checks: the child's reader waits for the first to end
		// before it reads on, so stdin's end alone would not stop it for
		// a long while; the parent-death signal must.
		// (The second is asked for once the first runs: the child reads
		// no request, its counts among them, while it waits.)
		runtime.LockOSThread()
		h := StartHasher(HasherConfig{Workers: 1})
		long := func() {
			h.deriveKey(context.Background(), "pw", []byte("0123456789abcdef"), HashParams{1024, 1 << 20, 1}, 32)
		}
		go long()
		for {
			_, now, err := h.stats(context.Background())
			if err != nil {
				fmt.Println(0) // no child, or it died
				os.Exit(1)
			}
			if now > 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		go long()
		fmt.Println(h.Pid())
		time.Sleep(time.Hour)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startHasher starts a hasher child for t, stopped when t ends.
func startHasher(t *testing.T, workers int, log *bytes.Buffer) *Hasher {
	t.Helper()
	if log == nil {
		log = new(bytes.Buffer)
	}
	h := StartHasher(HasherConfig{Workers: workers, Log: slog.New(slog.NewTextHandler(&syncWriter{w: log}, nil))})
	t.Cleanup(func() { h.Close() })
	if h.Pid() == 0 {
		t.Fatalf("no hasher process; log:\n%s", log)
	}
	return h
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// phc formats a hash as the test computes it, independently of HashPassword.
func phc(p HashParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Keys, checks and hashes through the child agree with argon2.IDKey
// computed here, for several parameters; malformed hashes are refused as
// in process, and the ones that make argon2 panic leave the child alive.
func TestHasherAgreesWithArgon2(t *testing.T) {
	t.Parallel()
	h := startHasher(t, 2, nil)
	pid := h.Pid()
	ctx := t.Context()
	for _, p := range []HashParams{{64, 1, 1}, {256, 3, 2}, {1024, 1, 4}, DefaultHashParams} {
		salt := make([]byte, 16)
		rand.Read(salt)
		password := "驿站 " + rand.Text()
		want := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
		got, err := h.deriveKey(ctx, password, salt, p, 32)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%+v: the child derived %x, %v; argon2 derives %x", p, got, err, want)
		}
		hash := phc(p, salt, want)
		if ok, err := checkPassword(ctx, h, hash, password); !ok || err != nil {
			t.Errorf("%+v: the right password checks %v, %v", p, ok, err)
		}
		if ok, err := checkPassword(ctx, h, hash, password+" "); ok || err != nil {
			t.Errorf("%+v: a wrong password checks %v, %v", p, ok, err)
		}
		// A hash made through the child verifies with argon2 here.
		made, err := hashPassword(ctx, h, password, p)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(made, "$")
		if len(parts) != 6 || parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads) {
			t.Fatalf("hashPassword made %q", made)
		}
		s, _ := base64.RawStdEncoding.DecodeString(parts[4])
		k, _ := base64.RawStdEncoding.DecodeString(parts[5])
		if len(s) != 16 || !bytes.Equal(k, argon2.IDKey([]byte(password), s, p.Time, p.Memory, p.Threads, 32)) {
			t.Errorf("%+v: the hash made through the child does not verify: %q", p, made)
		}
	}
	salt := []byte("0123456789abcdef")
	good := phc(HashParams{64, 1, 1}, salt, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32))
	for _, bad := range []string{
		"nonsense",
		"$argon2id$v=19$m=64,t=1,p=1$$",
		strings.Replace(good, "t=1", "t=0", 1), // argon2 panics on zero passes
		strings.Replace(good, "p=1", "p=0", 1), // and on zero lanes
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "argon2id", "argon2i", 1),
	} {
		ok, err := checkPassword(ctx, h, bad, "pw")
		okIn, errIn := CheckPassword(bad, "pw")
		if ok || !errors.Is(err, errBadHash) || okIn || !errors.Is(errIn, errBadHash) {
			t.Errorf("%q: through the child %v, %v; in process %v, %v; want errBadHash both", bad, ok, err, okIn, errIn)
		}
	}
	if ok, err := checkPassword(ctx, h, good, "pw"); !ok || err != nil {
		t.Errorf("after the malformed hashes, a good one checks %v, %v", ok, err)
	}
	if h.Pid() != pid {
		t.Errorf("the child was replaced (%d, then %d): a malformed hash killed it", pid, h.Pid())
	}
}

// The child never derives more keys at once than its workers, however many
// are asked for at once.
func TestHasherBoundsKeysAtOnce(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 2} {
		h := startHasher(t, workers, nil)
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				if _, err := h.deriveKey(t.Context(), "a password", []byte("0123456789abcdef"), HashParams{4096, 4, 1}, 32); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		most, now, err := h.stats(t.Context())
		if err != nil || most < 1 || most > workers || now != 0 {
			t.Errorf("%d workers: the child derived at most %d keys at once (%d now, %v)", workers, most, now, err)
		}
	}
}

// floodStore answers every login as for an unknown user.
type floodStore struct{ Store }

func (floodStore) LoginRecord(context.Context, string, []byte, time.Time) (LoginRecord, error) {
	return LoginRecord{}, apperr.New(apperr.NotFound, "no such account")
}

func (floodStore) BeginLoginAttempt(context.Context, uuid.UUID, []string, []int, time.Time, time.Time, time.Time) (bool, error) {
	return true, nil
}

// Killed during a check, the child answers that login Unavailable with
// Retry-After — not "wrong password" — and is started again: the next
// check succeeds. The log says so, without the password or the username.
func TestHasherKilledDuringACheck(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	h := startHasher(t, 1, &log)
	cfg := DefaultConfig
	cfg.Hash = HashParams{Memory: 1024, Time: 3000, Threads: 1} // seconds per check
	svc := &Service{store: floodStore{}, cfg: cfg, now: time.Now, gate: newLoginGate(1, 0, time.Second), keys: h,
		dummyHash: phc(cfg.Hash, []byte("0123456789abcdef"), make([]byte, 32))}
	pid := h.Pid()
	done := make(chan error, 1)
	go func() {
		_, _, err := svc.Login(t.Context(), "secret-user-name", "secret password 驿站", "192.0.2.1")
		done <- err
	}()
	waitFor(t, func() bool { _, now, _ := h.stats(t.Context()); return now == 1 })
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-done
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Unavailable || e.RetryAfter <= 0 {
		t.Fatalf("the login whose check was killed answered %v; want Unavailable with Retry-After", err)
	}
	salt := []byte("0123456789abcdef")
	key, err := h.deriveKey(t.Context(), "pw", salt, HashParams{64, 1, 1}, 32)
	if err != nil || !bytes.Equal(key, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)) {
		t.Fatalf("after the restart: %x, %v", key, err)
	}
	if h.Pid() == pid || h.Pid() == 0 {
		t.Errorf("the child is %d, was %d", h.Pid(), pid)
	}
	out := (&syncWriter{w: &log}).String()
	if !strings.Contains(out, "restarting") || strings.Contains(out, "secret") {
		t.Errorf("the log says:\n%s", out)
	}
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// Every thread of the child runs at nice 19 (its collector's among them,
// after it has collected), and the parent's goroutines still run at the
// priority they had.
func TestHasherThreadsAllAtNice19(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("thread priorities are set on Linux only")
	}
	before := niceOfThreads(t, 64)
	h := startHasher(t, 2, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := h.deriveKey(t.Context(), "pw", []byte("0123456789abcdef"), DefaultHashParams, 32); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", h.Pid()))
	if err != nil || len(tasks) < 3 {
		t.Fatalf("the child's threads: %v, %v", tasks, err)
	}
	for _, task := range tasks {
		if nice := statField(t, task, 19); nice != "19" {
			t.Errorf("%s: nice %s, want 19", task, nice)
		}
	}
	for n := range niceOfThreads(t, 64) {
		if !before[n] {
			t.Errorf("with the hasher started, a goroutine ran at nice %d; before, only at %v", n, before)
		}
	}
}

// statField returns field n (from 1) of a /proc stat file, or "" when it
// is gone.
func statField(t *testing.T, path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // the command may hold spaces
	if len(fields) < n-2 {
		t.Fatalf("%s: %q", path, s)
	}
	return fields[n-3]
}

// gone reports whether pid has exited (a zombie has).
func gone(t *testing.T, pid int) bool {
	state := statField(t, fmt.Sprintf("/proc/%d/stat", pid), 3)
	return state == "" || state == "Z" || state == "X"
}

// The child lives as long as its parent (not only as long as the thread
// that started it), and never longer: kill -9 the parent, the child is
// gone too, even in the middle of a long check.
func TestHasherDiesWithItsParent(t *testing.T) {
	t.Parallel()
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), "YIZHAN_HASHER_TEST_PARENT=1")
	parent.Stderr = os.Stderr
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid == 0 || gone(t, pid) {
		parent.Process.Kill()
		t.Fatalf("the parent said %q (%v)", line, err)
	}
	time.Sleep(200 * time.Millisecond) // the parent's goroutines settle; the child must live on
	if gone(t, pid) {
		t.Fatal("the child died while its parent lived")
	}
	parent.Process.Kill()
	parent.Wait()
	deadline := time.Now().Add(3 * time.Second)
	for !gone(t, pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the hasher %d outlived its parent", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Close ends the child (its stdin ends) and waits for it.
func TestHasherCloseEndsTheChild(t *testing.T) {
	t.Parallel()
	h := startHasher(t, 1, nil)
	pid := h.Pid()
	h.Close()
	if !gone(t, pid) {
		t.Errorf("the child %d is alive after Close", pid)
	}
	_, err := h.deriveKey(t.Context(), "pw", []byte("0123456789abcdef"), HashParams{64, 1, 1}, 32)
	if e := (*apperr.Error)(nil); !errors.As(err, &e) || e.Code != apperr.Unavailable {
		t.Errorf("after Close: %v", err)
	}
}

// An executable that does not answer as a hasher, or none at all: keys are
// derived in process, right, with one warning.
func TestHasherFallsBackInProcess(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/nonexistent/api", "/bin/true"} {
		var log bytes.Buffer
		h := StartHasher(HasherConfig{Path: path, Workers: 1, Log: slog.New(slog.NewTextHandler(&log, nil))})
		salt := []byte("0123456789abcdef")
		for range 2 {
			key, err := h.deriveKey(t.Context(), "pw", salt, HashParams{64, 1, 1}, 32)
			if err != nil || !bytes.Equal(key, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)) {
				t.Errorf("%s: %x, %v", path, key, err)
			}
		}
		h.Close()
		if n := strings.Count(log.String(), "level=WARN"); h.Pid() != 0 || n != 1 {
			t.Errorf("%s: pid %d, %d warnings:\n%s", path, h.Pid(), n, log.String())
		}
	}
}

// A child that is alive but never answers (stopped here) is killed once a
// check has waited CallWait for it: the check answers Unavailable, and the
// next one is served by a new child. Without the bound the check waited for
// ever, holding its slot of the login gate.
func TestHasherWedgedChildIsReplaced(t *testing.T) {
	t.Parallel()
	log := &syncWriter{w: new(bytes.Buffer)}
	h := StartHasher(HasherConfig{Workers: 1, CallWait: time.Second, Log: slog.New(slog.NewTextHandler(log, nil))})
	t.Cleanup(func() { h.Close() })
	pid := h.Pid()
	if pid == 0 {
		t.Fatalf("no hasher process; log:\n%s", log)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	salt := []byte("0123456789abcdef")
	start := time.Now()
	_, err := h.deriveKey(t.Context(), "pw", salt, HashParams{64, 1, 1}, 32)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Unavailable {
		t.Fatalf("a check to a stopped child answered %v; want Unavailable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("it answered after %v", d)
	}
	key, err := h.deriveKey(t.Context(), "pw", salt, HashParams{64, 1, 1}, 32)
	if err != nil || !bytes.Equal(key, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)) {
		t.Fatalf("after the wedged child: %x, %v", key, err)
	}
	if h.Pid() == pid {
		t.Errorf("the wedged child %d still serves", pid)
	}
}

// A restart that fails (here the executable is gone) is tried again: the
// server never turns to hashing in its own heap because a child it had
// died, and logins answer Unavailable until a child answers again.
func TestHasherFailedRestartIsRetried(t *testing.T) {
	t.Parallel()
	log := &syncWriter{w: new(bytes.Buffer)}
	h := StartHasher(HasherConfig{Workers: 1, Log: slog.New(slog.NewTextHandler(log, nil))})
	t.Cleanup(func() { h.Close() })
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.path = filepath.Join(t.TempDir(), "no-such-api")
	h.mu.Unlock()
	pid := h.Pid()
	if pid == 0 {
		t.Fatalf("no hasher process; log:\n%s", log)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return strings.Contains(log.String(), "could not be restarted")
	})
	salt := []byte("0123456789abcdef")
	_, err = h.deriveKey(t.Context(), "pw", salt, HashParams{64, 1, 1}, 32)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Unavailable {
		t.Fatalf("with no child to restart a check answered %v; want Unavailable, not a key derived in process", err)
	}
	h.mu.Lock()
	fallback := h.fallback
	h.path = self
	h.mu.Unlock()
	if fallback {
		t.Fatal("a failed restart turned to hashing in process")
	}
	var key []byte
	for range 100 { // the pause before the next try doubles from 0.1 s
		if key, err = h.deriveKey(t.Context(), "pw", salt, HashParams{64, 1, 1}, 32); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || !bytes.Equal(key, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)) {
		t.Fatalf("once the executable is back: %x, %v", key, err)
	}
	if p := h.Pid(); p == 0 || p == pid {
		t.Errorf("the child is %d, was %d", p, pid)
	}
}

// SIGINT and SIGTERM sent to the server's whole group (a Ctrl-C, a service
// manager stopping it) are the server's to act on: the child keeps serving
// the logins the server drains, and ends with its stdin or its parent.
func TestHasherChildIgnoresTermination(t *testing.T) {
	t.Parallel()
	h := startHasher(t, 1, nil)
	pid := h.Pid()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	salt := []byte("0123456789abcdef")
	key, err := h.deriveKey(t.Context(), "pw", salt, HashParams{64, 1, 1}, 32)
	if err != nil || !bytes.Equal(key, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)) {
		t.Fatalf("after SIGINT and SIGTERM: %x, %v", key, err)
	}
	if h.Pid() != pid {
		t.Errorf("the child %d was replaced by %d", pid, h.Pid())
	}
}
