package photo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dir keeps images in a directory (PHOTO_DIR) under content-addressed
// names: <root>/<first two hex digits>/<sha256 hex>.jpg. A file is written
// to <root>/tmp, fsync'd, renamed into place and its directory fsync'd, so
// that once Put returns the file survives a crash of the process or the
// machine.
type Dir struct {
	root string
}

// OpenDir returns the directory at root, creating it (and its tmp) when
// missing.
func OpenDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("photo: no directory given")
	}
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("photo: %w", err)
	}
	return &Dir{root: root}, nil
}

// ValidName reports whether name is a content-addressed name: 64 lowercase
// hex digits.
func ValidName(name string) bool {
	if len(name) != 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Path is where the image of that name is kept.
func (d *Dir) Path(name string) string {
	return filepath.Join(d.root, name[:2], name+".jpg")
}

// Put stores b under name durably. A file already there is kept: its name
// is its content.
func (d *Dir) Put(name string, b []byte) error {
	if !ValidName(name) {
		return fmt.Errorf("photo: bad name %q", name)
	}
	final := d.Path(name)
	if _, err := os.Stat(final); err == nil {
		// Complete (renamed into place whole), but maybe renamed by a
		// process that died before syncing the directory: sync it now.
		return syncDir(filepath.Dir(final))
	}
	shard := filepath.Dir(final)
	if _, err := os.Stat(shard); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(shard, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := syncDir(d.root); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Join(d.root, "tmp"), name[:16]+"-*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; left only by a failure
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return err
	}
	return syncDir(shard)
}

// Open opens the image of that name.
func (d *Dir) Open(name string) (*os.File, error) {
	if !ValidName(name) {
		return nil, fs.ErrNotExist
	}
	return os.Open(d.Path(name))
}

// Remove deletes the image of that name; a missing one is no error.
func (d *Dir) Remove(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("photo: bad name %q", name)
	}
	if err := os.Remove(d.Path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(d.Path(name)))
}

// Old calls fn with the name of every image last written before before,
// and removes temporary files left before then by failed writes.
func (d *Dir) Old(before time.Time, fn func(name string) error) error {
	return filepath.WalkDir(d.root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // removed while walking
				return nil
			}
			return err
		}
		if e.IsDir() {
			return nil
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			return nil
		}
		if filepath.Base(filepath.Dir(path)) == "tmp" {
			return os.Remove(path)
		}
		name, ok := strings.CutSuffix(e.Name(), ".jpg")
		if !ok || !ValidName(name) {
			return nil // not ours: left alone
		}
		return fn(name)
	})
}

func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
