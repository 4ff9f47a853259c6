package main

import "testing"

func TestAidConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	if c, err := loadConfig(env(nil)); err != nil || c.Aid.SecondReviewYuan != 2000 {
		t.Errorf("default: %d %v", c.Aid.SecondReviewYuan, err)
	}
	if c, err := loadConfig(env(map[string]string{"AID_SECOND_REVIEW_YUAN": "5000"})); err != nil || c.Aid.SecondReviewYuan != 5000 {
		t.Errorf("set: %d %v", c.Aid.SecondReviewYuan, err)
	}
	for _, bad := range []string{"2k", "-1", "1e3", "99999999"} {
		if _, err := loadConfig(env(map[string]string{"AID_SECOND_REVIEW_YUAN": bad})); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
