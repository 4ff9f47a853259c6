package main

import (
	"testing"
	"time"
)

func TestBenefitConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := loadConfig(env(nil))
	if err != nil || c.ClaimTTL != 7*24*time.Hour || c.ExpiryInterval != time.Minute {
		t.Errorf("defaults: ttl %v, interval %v, %v", c.ClaimTTL, c.ExpiryInterval, err)
	}
	c, err = loadConfig(env(map[string]string{"BENEFIT_CLAIM_TTL": "72h", "BENEFIT_EXPIRY_INTERVAL": "15s"}))
	if err != nil || c.ClaimTTL != 72*time.Hour || c.ExpiryInterval != 15*time.Second {
		t.Errorf("set: ttl %v, interval %v, %v", c.ClaimTTL, c.ExpiryInterval, err)
	}
	for _, bad := range []map[string]string{
		{"BENEFIT_CLAIM_TTL": "a week"},
		{"BENEFIT_CLAIM_TTL": "-1h"},
		{"BENEFIT_EXPIRY_INTERVAL": "0s"},
	} {
		if _, err := loadConfig(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
