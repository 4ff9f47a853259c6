package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runScript runs a copy of scripts/run.sh (what `make run` does) beside a
// fake bin/api that records its subcommands, with API_ADDR at addr, and
// returns its output, whether it succeeded and the subcommands it ran.
func runScript(t *testing.T, addr string) (string, bool, []string) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	root := t.TempDir()
	script, err := os.ReadFile("../../scripts/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(root, "calls")
	for path, body := range map[string]string{
		"scripts/run.sh": string(script),
		"bin/api":        "#!/usr/bin/env bash\necho \"$1\" >> " + calls + "\n",
	} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts/run.sh"))
	// DATABASE_URL set: no private PostgreSQL is started.
	cmd.Env = append(os.Environ(), "API_ADDR="+addr, "DATABASE_URL=postgres://nowhere/yizhan")
	out, err := cmd.CombinedOutput()
	ran, _ := os.ReadFile(calls)
	return string(out), err == nil, strings.Fields(string(ran))
}

// A second `make run` while the first still serves leaves the demo admin's
// password alone (api demo would set a fresh one) and says where the API
// already runs.
func TestMakeRunTwice(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer api.Close()
	addr := strings.TrimPrefix(api.URL, "http://")
	out, ok, ran := runScript(t, addr)
	if !ok || len(ran) != 0 || !strings.Contains(out, "already running on http://"+addr) {
		t.Errorf("with an API on %s: ok=%v, ran %v, said:\n%s", addr, ok, ran, out)
	}

	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	addr = strings.TrimPrefix(other.URL, "http://")
	out, ok, ran = runScript(t, addr)
	if ok || len(ran) != 0 || !strings.Contains(out, addr) {
		t.Errorf("with something else on %s: ok=%v, ran %v, said:\n%s", addr, ok, ran, out)
	}

	addr = freeAddr(t)
	out, ok, ran = runScript(t, addr)
	if !ok || strings.Join(ran, " ") != "migrate demo serve" {
		t.Errorf("with %s free: ok=%v, ran %v, said:\n%s", addr, ok, ran, out)
	}
}
