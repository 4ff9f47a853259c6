package console

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"yizhan/internal/station"
)

var tCall = regexp.MustCompile(`\{\{-?\s*t\s+"([^"]+)"`)

// TestCatalogueHasEveryKey: every {{t "key"}} of the templates is in the
// catalogue.
func TestCatalogueHasEveryKey(t *testing.T) {
	err := fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range tCall.FindAllStringSubmatch(string(b), -1) {
			if _, ok := zhCN[m[1]]; !ok {
				t.Errorf("%s: %q is not in the catalogue", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAmenityGroups: every amenity of the vocabulary is in exactly one
// group, and every group has a title.
func TestAmenityGroups(t *testing.T) {
	seen := map[string]int{}
	for _, g := range amenityGroups {
		if _, ok := zhCN[g.Key]; !ok {
			t.Errorf("group %s has no title in the catalogue", g.Key)
		}
		for _, c := range g.Codes {
			seen[c]++
		}
	}
	for _, a := range station.Amenities {
		if seen[a.Code] != 1 {
			t.Errorf("amenity %s is in %d groups, want 1", a.Code, seen[a.Code])
		}
		delete(seen, a.Code)
	}
	for c := range seen {
		t.Errorf("group code %s is not an amenity", c)
	}
}

// TestVendorManifest: the vendored files are the ones VENDOR.md lists,
// with the same sha256.
func TestVendorManifest(t *testing.T) {
	b, err := files.ReadFile("static/vendor/VENDOR.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\| `([0-9a-f]{64})` \\|$")
	listed := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			listed[m[1]] = m[2]
		}
	}
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range a.files {
		rel, ok := strings.CutPrefix(name, "vendor/")
		if !ok || rel == "VENDOR.md" {
			continue
		}
		want, ok := listed[rel]
		if !ok {
			t.Errorf("%s is vendored but not in VENDOR.md", rel)
			continue
		}
		if got := sha256hex(f.body); got != want {
			t.Errorf("%s: sha256 %s, VENDOR.md says %s", rel, got, want)
		}
		delete(listed, rel)
	}
	for rel := range listed {
		t.Errorf("VENDOR.md lists %s, which is not vendored", rel)
	}
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
