package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yizhan/internal/pgtest"
)

// The partner subcommands as an operator runs them, and one key used at
// once through two API servers sharing the database: never more than the
// daily quota is answered 200, and the usage the list shows is what was
// answered; a revocation stops the key on both servers at once.
func TestPartnerKeysAcrossTwoServers(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"DATABASE_URL": pgtest.NewDatabase(t), "LOG_LEVEL": "error",
		// One request per address and hour: anonymous clients are
		// stopped at once; the key must replace this.
		"RATE_LIMIT_PUBLIC": "0.0003:1", "RATE_LIMIT_TOKEN": "off",
	}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	partner := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"partner"}, args...), getenv, nil, &out, io.Discard)
		return out.String(), err
	}
	const quota = 300
	out, err := partner("create", "--name", "美团", "--rate", "100000:100000", "--daily", "300")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "yzp_") || len(key) != 47 {
		t.Fatalf("the last line is not a key: %q", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "--name", "美团"}, `a partner named "美团" already holds a key; revoke it first`},
		{[]string{"create", "--name", "x", "--rate", "fast"}, `--rate: "fast" is not RATE:BURST, such as 50:100`},
		{[]string{"create", "--name", "x", "--daily", "0"}, "daily_quota: must be from 1 to 1000000000"},
		{[]string{"create"}, "partner create needs --name"},
		{[]string{"revoke", "--name", "nobody"}, `there is no partner named "nobody" holding a key`},
		{[]string{"list", "--daily", "5"}, "partner list takes no --rate or --daily"},
		{[]string{"frobnicate"}, `unknown partner command "frobnicate"`},
	} {
		if _, err := partner(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("partner %v: %v, want %q", c.args, err, c.want)
		}
	}

	servers := []string{startServer(t, env), startServer(t, env)}
	get := func(base, key string) int {
		hr, _ := http.NewRequest("GET", base+"/v1/stations/nearest?lat=29.449&lng=119.8969", nil)
		if key != "" {
			hr.Header.Set("X-Api-Key", key)
		}
		res, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if get(servers[0], "") != 200 || get(servers[0], "") != 429 {
		t.Fatal("the anonymous limit is not one request")
	}
	var ok, refused atomic.Int64
	burst := func() {
		var wg sync.WaitGroup
		for w := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 15 {
					switch s := get(servers[(w+i)%2], key); s {
					case 200:
						ok.Add(1)
					case 429:
						refused.Add(1)
					default:
						t.Errorf("status %d", s)
					}
				}
			}()
		}
		wg.Wait()
	}
	burst() // 480 requests for a quota of 300
	if ok.Load() > quota {
		t.Fatalf("%d answered 200, over the quota of %d", ok.Load(), quota)
	}
	// Blocks a server reserved and left idle go back within two flushes;
	// keep asking until the quota is spent everywhere.
	for round := 0; round < 10 && ok.Load() < quota; round++ {
		time.Sleep(2500 * time.Millisecond)
		burst()
		if ok.Load() > quota {
			t.Fatalf("%d answered 200, over the quota of %d", ok.Load(), quota)
		}
	}
	if ok.Load() != quota {
		t.Errorf("%d answered 200 in all, want the quota, %d", ok.Load(), quota)
	}
	// The usage the list shows is what was answered (each server flushes
	// every second).
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := partner("list")
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1])
		if f[len(f)-1] == "美团" && f[3] == "300" && f[5] == "active" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("list does not show 300 used today:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Revoked by the CLI, another process: both servers refuse at once.
	if out, err := partner("revoke", "--name", "美团"); err != nil || !strings.Contains(out, "revoked the key of 美团") {
		t.Fatalf("revoke: %v %s", err, out)
	}
	start := time.Now()
	for _, base := range servers {
		for {
			hr, _ := http.NewRequest("GET", base+"/v1/stations/nearest?lat=29.449&lng=119.8969", nil)
			hr.Header.Set("X-Api-Key", key)
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			var p struct{ Code string }
			json.NewDecoder(res.Body).Decode(&p)
			res.Body.Close()
			if res.StatusCode == 401 && p.Code == "api_key_revoked" {
				break
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("%s still answers %d %s 3 s after the revocation", base, res.StatusCode, p.Code)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	t.Logf("both servers refused the revoked key %v after the CLI returned", time.Since(start))
	// Metrics count by partner.
	res, err := http.Get(servers[0] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`yizhan_partner_requests_total{partner="美团",result="ok"}`, `yizhan_partner_requests_total{partner="美团",result="revoked"}`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
