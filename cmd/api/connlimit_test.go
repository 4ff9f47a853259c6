package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"yizhan/internal/pgtest"
)

// childServeEnv marks the test binary started by startLowLimitServer: it
// serves with a low open-file limit instead of testing.
const childServeEnv = "YIZHAN_TEST_CHILD_SERVE"

// childFileLimit is the child's open-file limit, soft and hard.
const childFileLimit = 512

// TestChildServeWithLowFileLimit is the server half of the connection
// exhaustion tests; it runs only in the child process.
func TestChildServeWithLowFileLimit(t *testing.T) {
	if os.Getenv(childServeEnv) != "1" {
		t.Skip("runs only as the child of TestConnectionExhaustion")
	}
	lim := syscall.Rlimit{Cur: childFileLimit, Max: childFileLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, []string{"serve"}, os.Getenv, nil, os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// startLowLimitServer runs the API in a child process whose file limit is
// childFileLimit, and returns its address and what it logs.
func startLowLimitServer(t *testing.T, env ...string) (addr string, logs *syncBuffer) {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": dbURL}[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, getenv, nil, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	addr = freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildServeWithLowFileLimit$", "-test.count=1")
	cmd.Env = append(os.Environ(), childServeEnv+"=1", "DATABASE_URL="+dbURL, "API_ADDR="+addr, "LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	logs = &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server output:\n%s", logs.String())
		}
	})
	waitReady(t, "http://"+addr+"/readyz")
	return addr, logs
}

// holdConn opens a keep-alive connection from the loopback address from,
// sends one GET /healthz and reads the answer. It returns the open
// connection when the answer was 200, or nil when the server refused.
func holdConn(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil
	}
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: yizhan\r\n\r\n"); err != nil {
		c.Close()
		return nil
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		c.Close()
		return nil
	}
	_ = c.SetDeadline(time.Time{})
	return c
}

// probeHealthz asks GET /healthz from 127.0.0.1 on a new connection and
// fails the test unless it answers 200 within 100 ms, a few times over.
func probeHealthz(t *testing.T, addr string) {
	t.Helper()
	for i := range 5 {
		tr := &http.Transport{DisableKeepAlives: true, DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}).DialContext}
		client := &http.Client{Transport: tr, Timeout: 2 * time.Second}
		start := time.Now()
		res, err := client.Get("http://" + addr + "/healthz")
		took := time.Since(start)
		if err != nil {
			t.Fatalf("probe %d: GET /healthz from 127.0.0.1 failed after %v: %v", i, took, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || took > 100*time.Millisecond {
			t.Fatalf("probe %d: GET /healthz from 127.0.0.1 answered %d in %v, want 200 within 100ms", i, res.StatusCode, took)
		}
		tr.CloseIdleConnections()
	}
}

// TestConnectionExhaustionOneAddress: one address opens keep-alive
// connections until the server refuses; the server still answers others.
func TestConnectionExhaustionOneAddress(t *testing.T) {
	t.Parallel()
	const perAddr = 64
	addr, logs := startLowLimitServer(t, fmt.Sprintf("MAX_CONNS_PER_ADDR=%d", perAddr))
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range childFileLimit + 10 {
		c := holdConn(t, "127.0.0.2", addr)
		if c == nil {
			break
		}
		held = append(held, c)
	}
	if got := len(held); got != perAddr {
		t.Errorf("127.0.0.2 held %d connections, want %d (MAX_CONNS_PER_ADDR)", got, perAddr)
	}
	probeHealthz(t, addr)
	if strings.Contains(logs.String(), "too many open files") {
		t.Errorf("the server ran out of file descriptors:\n%s", logs.String())
	}
}

// TestConnectionExhaustionManyAddresses: many addresses together hold every
// connection they can; the server sheds their idle ones and still answers
// others.
func TestConnectionExhaustionManyAddresses(t *testing.T) {
	t.Parallel()
	const perAddr = 64
	addr, logs := startLowLimitServer(t, fmt.Sprintf("MAX_CONNS_PER_ADDR=%d", perAddr))
	var (
		mu   sync.Mutex
		held []net.Conn
		wg   sync.WaitGroup
	)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// 16 addresses × 64 is twice the file limit.
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := fmt.Sprintf("127.0.0.%d", 3+i)
			for range perAddr + 10 {
				c := holdConn(t, from, addr)
				if c == nil {
					return
				}
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(held) < childFileLimit/2 {
		t.Fatalf("the attackers held only %d connections; the test did not fill the server", len(held))
	}
	probeHealthz(t, addr)
	if strings.Contains(logs.String(), "too many open files") {
		t.Errorf("the server ran out of file descriptors:\n%s", logs.String())
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
