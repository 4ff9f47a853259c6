package main

import "testing"

func TestConnLimitsConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env                  map[string]string
		fileLimit            uint64
		wantMax, wantPerAddr int
		wantErr              bool
	}{
		{env: map[string]string{}, fileLimit: 512, wantMax: 448, wantPerAddr: 256},
		{env: map[string]string{}, fileLimit: 20000, wantMax: 18000, wantPerAddr: 256},
		{env: map[string]string{}, fileLimit: 64, wantMax: 32, wantPerAddr: 256},
		// Bounded by memory, not only by descriptors: idle connections
		// cost about 16 KB each.
		{env: map[string]string{}, fileLimit: 1 << 20, wantMax: 32768, wantPerAddr: 256},
		{env: map[string]string{}, fileLimit: 0, wantMax: 32768, wantPerAddr: 256},
		{env: map[string]string{"MAX_CONNS": "100000"}, fileLimit: 1 << 20, wantMax: 100000, wantPerAddr: 256},
		{env: map[string]string{"MAX_CONNS": "100", "MAX_CONNS_PER_ADDR": "8"}, fileLimit: 512, wantMax: 100, wantPerAddr: 8},
		{env: map[string]string{"MAX_CONNS": "0"}, wantErr: true},
		{env: map[string]string{"MAX_CONNS_PER_ADDR": "-1"}, wantErr: true},
		{env: map[string]string{"MAX_CONNS_PER_ADDR": "lots"}, wantErr: true},
	} {
		cfg, err := loadConfig(func(k string) string { return tc.env[k] })
		if tc.wantErr {
			if err == nil {
				t.Errorf("%v: loaded, want an error", tc.env)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tc.env, err)
		}
		got, err := cfg.connLimits(tc.fileLimit)
		if err != nil {
			t.Fatal(err)
		}
		if got.Max != tc.wantMax || got.PerAddr != tc.wantPerAddr {
			t.Errorf("%v with file limit %d: max %d per address %d, want %d and %d", tc.env, tc.fileLimit, got.Max, got.PerAddr, tc.wantMax, tc.wantPerAddr)
		}
	}
}
