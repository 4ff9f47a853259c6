package main

import (
	"testing"
	"time"

	"yizhan/internal/photo"
)

func TestPhotoConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := loadConfig(env(nil))
	if err != nil || c.Photos.Dir != "" || c.Photos.Limits != photo.DefaultLimits || c.Photos.SweepInterval != time.Hour || c.Photos.OrphanGrace != time.Hour {
		t.Errorf("defaults: %+v, %v", c.Photos, err)
	}
	c, err = loadConfig(env(map[string]string{"PHOTO_DIR": "/srv/photos", "PHOTO_BASE_URL": "https://yizhan.example.cn",
		"PHOTO_MAX_PIXELS": "24000000", "PHOTO_DECODES": "1", "PHOTO_SWEEP_INTERVAL": "10m", "PHOTO_ORPHAN_GRACE": "2h"}))
	if err != nil || c.Photos.Dir != "/srv/photos" || c.Photos.BaseURL != "https://yizhan.example.cn" || c.Photos.Limits.MaxPixels != 24_000_000 ||
		c.Photos.Limits.Decodes != 1 || c.Photos.SweepInterval != 10*time.Minute || c.Photos.OrphanGrace != 2*time.Hour {
		t.Errorf("set: %+v, %v", c.Photos, err)
	}
	for _, bad := range []map[string]string{
		{"PHOTO_MAX_PIXELS": "40M"},
		{"PHOTO_DECODES": "0"},
		{"PHOTO_SWEEP_INTERVAL": "hourly"},
		{"PHOTO_ORPHAN_GRACE": "-1h"},
	} {
		if _, err := loadConfig(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
