package main

import (
	"testing"

	"yizhan/internal/standard"
)

func TestStarRuleConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := loadConfig(env(nil))
	if err != nil || c.StarRule.Thresholds != standard.DefaultRule.Thresholds || c.StarRule.CoreCap != standard.DefaultRule.CoreCap {
		t.Errorf("default: %+v %v", c.StarRule, err)
	}
	c, err = loadConfig(env(map[string]string{"STAR_RULE": `{"thresholds":[4,6,8,10],"map_points":2,"core":[],"core_cap":5}`}))
	if err != nil || c.StarRule.Thresholds != [4]int{4, 6, 8, 10} || c.StarRule.MapPoints != 2 {
		t.Errorf("set: %+v %v", c.StarRule, err)
	}
	for _, bad := range []string{`{}`, `stars`, `{"thresholds":[4,6,8,10],"map_points":2,"core":["sauna"],"core_cap":5}`} {
		if _, err := loadConfig(env(map[string]string{"STAR_RULE": bad})); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
