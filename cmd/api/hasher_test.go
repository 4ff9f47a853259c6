package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/pgtest"
)

// The server checks passwords in its hasher child. Killed during a check,
// the child answers that login 503 with Retry-After (never 401, never 500),
// the server starts another, and the next login succeeds; the log says so
// without the username or the password.
func TestLoginWhenTheHasherDies(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	addr := freeAddr(t)
	env := map[string]string{"DATABASE_URL": dbURL, "API_ADDR": addr, "LOG_LEVEL": "info"}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := run(t.Context(), []string{"migrate"}, getenv, nil, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	for _, name := range []string{"slowpoke", "quickly"} {
		if err := run(t.Context(), []string{"staff", "create", "--username", name, "--role", "admin"}, getenv, strings.NewReader("a long enough password\n"), &out, &out); err != nil {
			t.Fatalf("staff create: %v\n%s", err, out.String())
		}
	}
	// slowpoke's hash takes the child minutes to check.
	salt, key := make([]byte, 16), make([]byte, 32)
	rand.Read(salt)
	rand.Read(key)
	slow := fmt.Sprintf("$argon2id$v=19$m=1024,t=%d,p=1$%s$%s", 1<<22, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), `UPDATE staff SET password_hash = $1 WHERE username = 'slowpoke'`, slow); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())

	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, nil, logs, logs) }()
	defer func() { cancel(); <-done }()
	base := "http://" + addr
	waitReady(t, base+"/readyz")
	pid := hasherPid(t, logs)

	answered := make(chan error, 1)
	var status int
	var retryAfter, body string
	go func() {
		res := postJSON(t, base+"/v1/auth/staff/login", "", `{"username":"slowpoke","password":"a long enough password"}`)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		status, retryAfter, body = res.StatusCode, res.Header.Get("Retry-After"), string(b)
		answered <- nil
	}()
	// The check is under way once the child has spent CPU on it: it does
	// nothing else.
	for deadline := time.Now().Add(30 * time.Second); cpuTicks(t, pid) < 20; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the hasher never started checking")
		}
	}
	select {
	case <-answered:
		t.Fatalf("the login was answered (%d) before the hasher was killed", status)
	default:
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-answered
	if status != 503 || retryAfter == "" || !strings.Contains(body, `"code":"unavailable"`) {
		t.Fatalf("the login whose check was killed: %d, Retry-After %q, %s", status, retryAfter, body)
	}
	res := postJSON(t, base+"/v1/auth/staff/login", "", `{"username":"quickly","password":"a long enough password"}`)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("the next login: %d", res.StatusCode)
	}
	if again := hasherPid(t, logs); again == pid {
		t.Errorf("no new hasher after %d was killed", pid)
	}
	text := logs.String()
	if !strings.Contains(text, "restarting") || strings.Contains(text, "slowpoke") || strings.Contains(text, "long enough") || strings.Contains(text, "$argon2id") {
		t.Errorf("the log:\n%s", text)
	}
}

var hasherStarted = regexp.MustCompile(`password hasher process started.*?"pid":(\d+)`)

// hasherPid is the pid of the hasher the server last said it started.
func hasherPid(t *testing.T, logs *syncBuffer) int {
	t.Helper()
	m := hasherStarted.FindAllStringSubmatch(logs.String(), -1)
	if len(m) == 0 {
		t.Fatalf("the server started no hasher; its log:\n%s", logs.String())
	}
	pid, _ := strconv.Atoi(m[len(m)-1][1])
	return pid
}

// cpuTicks is the CPU time pid has used (user and system, in clock ticks).
func cpuTicks(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return utime + stime
}
