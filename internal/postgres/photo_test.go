package postgres_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/photo"
	"yizhan/internal/postgres"
	"yizhan/internal/station"
)

// photoStaff is a staff member of Pujiang county (330726).
type photoStaff struct{ county string }

func (s photoStaff) ActorName() string                  { return "staff:test" }
func (s photoStaff) CanManageDistrict(code string) bool { return s.county == "" || code == s.county }

// photoEnv is the photo service on its own database and directory, with
// one station in Pujiang.
type photoEnv struct {
	*truthEnv
	dir     string
	svc     *photo.Service
	station *station.Station
}

func newPhotoEnv(t *testing.T) *photoEnv {
	t.Helper()
	te := newTruthEnv(t)
	return newPhotoEnvOn(t, te, t.TempDir())
}

func newPhotoEnvOn(t testing.TB, te *truthEnv, root string) *photoEnv {
	dir, err := photo.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	e := &photoEnv{truthEnv: te, dir: root, station: te.station}
	e.svc = photo.NewService(postgres.NewPhotoStore(te.db), dir, photo.NewProcessor(photo.Limits{}), nil, nil) // the files' clock is the real one
	return e
}

// testJPEG is a distinct small photo for each n (its thumbnail is itself,
// one file).
func testJPEG(t testing.TB, n int) []byte { return sizedJPEG(t, n, 64, 48) }

// sizedJPEG is a distinct w×h photo for each n.
func sizedJPEG(t testing.TB, n, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(n*37 + i%7)
	}
	m.Set(n%w, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (e *photoEnv) count() (rows, column int) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM station_photos WHERE station_id = $1`, e.station.ID).Scan(&rows); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.Pool.QueryRow(ctx, `SELECT photo_count FROM stations WHERE id = $1`, e.station.ID).Scan(&column); err != nil {
		e.t.Fatal(err)
	}
	return rows, column
}

// Sixteen staff upload at once: ten photos are stored, six refused with
// conflict, and the station's count agrees.
func TestPhotosAtMostTenUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newPhotoEnv(t)
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		stored, refused int
	)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := e.svc.Upload(context.Background(), photoStaff{"330726"}, e.station.ID, testJPEG(t, i), false)
			mu.Lock()
			defer mu.Unlock()
			switch apperr.CodeOf(err) {
			case apperr.Conflict:
				refused++
			default:
				if err != nil {
					t.Errorf("upload %d: %v", i, err)
				}
				stored++
			}
		}()
	}
	wg.Wait()
	if stored != 10 || refused != 6 {
		t.Errorf("stored %d, refused %d; want 10 and 6", stored, refused)
	}
	if rows, col := e.count(); rows != 10 || col != 10 {
		t.Errorf("%d rows, photo_count %d; want 10", rows, col)
	}
	// The schema holds the rule without the code: an eleventh slot, or a
	// slot taken twice, is refused.
	ctx := context.Background()
	for _, slot := range []int{11, 3} {
		_, err := e.db.Pool.Exec(ctx, `INSERT INTO station_photos (id, station_id, slot, full_name, thumb_name, width, height,
			thumb_width, thumb_height, bytes, created_at, created_by)
			VALUES ($1, $2, $3, repeat('a', 64), repeat('b', 64), 10, 10, 10, 10, 100, now(), 'x')`, uuid.New(), e.station.ID, slot)
		if err == nil {
			t.Errorf("the schema took a photo in slot %d of a full station", slot)
		}
	}
}

// One photo at most is the entrance, however many are marked at once; the
// schema refuses a second.
func TestOneEntrancePhoto(t *testing.T) {
	t.Parallel()
	e := newPhotoEnv(t)
	ctx := context.Background()
	staff := photoStaff{"330726"}
	var ids []uuid.UUID
	for i := range 6 {
		p, created, err := e.svc.Upload(ctx, staff, e.station.ID, testJPEG(t, i), i == 0)
		if err != nil || !created {
			t.Fatalf("upload %d: %v %v", i, created, err)
		}
		ids = append(ids, p.ID)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.SetEntrance(ctx, staff, e.station.ID, id, true); err != nil {
				t.Errorf("mark %s: %v", id, err)
			}
		}()
	}
	wg.Wait()
	var n int
	var entrance uuid.UUID
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*), min(id::text)::uuid FROM station_photos WHERE station_id = $1 AND entrance`, e.station.ID).Scan(&n, &entrance); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d entrance photos, want 1", n)
	}
	st, err := postgres.NewStationStore(e.db).Get(ctx, e.station.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Entrance == nil || st.Entrance.ID != entrance || st.PhotoCount != 6 {
		t.Errorf("the station shows entrance %+v and %d photos; want %s and 6", st.Entrance, st.PhotoCount, entrance)
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE station_photos SET entrance = true WHERE station_id = $1`, e.station.ID); err == nil {
		t.Error("the schema let two photos be the entrance")
	}
	// Unmarking leaves none.
	if _, err := e.svc.SetEntrance(ctx, staff, e.station.ID, entrance, false); err != nil {
		t.Fatal(err)
	}
	if st, _ := postgres.NewStationStore(e.db).Get(ctx, e.station.ID); st.Entrance != nil {
		t.Errorf("after unmarking the station still shows %+v", st.Entrance)
	}
}

// The same image sent again (a retried upload) is the same photo; staff of
// another county may not upload, mark or delete; deleting removes the
// files.
func TestRetryScopeAndDelete(t *testing.T) {
	t.Parallel()
	e := newPhotoEnv(t)
	ctx := context.Background()
	staff := photoStaff{"330726"}
	img := testJPEG(t, 1)
	p1, created1, err1 := e.svc.Upload(ctx, staff, e.station.ID, img, true)
	p2, created2, err2 := e.svc.Upload(ctx, staff, e.station.ID, img, true)
	if err1 != nil || err2 != nil || !created1 || created2 || p1.ID != p2.ID {
		t.Fatalf("upload twice: %v %v, created %v %v, ids %s %s", err1, err2, created1, created2, p1.ID, p2.ID)
	}
	if rows, _ := e.count(); rows != 1 {
		t.Errorf("%d rows after a retried upload", rows)
	}
	other := photoStaff{"330102"}
	if _, _, err := e.svc.Upload(ctx, other, e.station.ID, testJPEG(t, 2), false); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another county's upload: %v", err)
	}
	if _, _, err := e.svc.Upload(ctx, other, e.station.ID, img, false); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another county's retry of a stored photo: %v", err)
	}
	if _, err := e.svc.SetEntrance(ctx, other, e.station.ID, p1.ID, false); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another county's mark: %v", err)
	}
	if err := e.svc.Delete(ctx, nil, other, e.station.ID, p1.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another county's delete: %v", err)
	}
	if err := e.svc.Delete(ctx, nil, staff, e.station.ID, uuid.New()); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("deleting no photo: %v", err)
	}
	for _, name := range []string{p1.Full, p1.Thumb} {
		if _, err := os.Stat(imagePath(e.dir, name)); err != nil {
			t.Errorf("before the delete: %v", err)
		}
	}
	if err := e.svc.Delete(ctx, nil, staff, e.station.ID, p1.ID); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{p1.Full, p1.Thumb} {
		if _, err := os.Stat(imagePath(e.dir, name)); !os.IsNotExist(err) {
			t.Errorf("after the delete %s: %v", name, err)
		}
	}
	if st, _ := postgres.NewStationStore(e.db).Get(ctx, e.station.ID); st.PhotoCount != 0 || st.Entrance != nil {
		t.Errorf("after the delete the station shows %d photos, entrance %+v", st.PhotoCount, st.Entrance)
	}
}

// An upload to a station that does not exist, or outside the staff
// member's districts, is refused before the image is decoded: it takes no
// turn from the uploads that may be stored (PHOTO_DECODES).
func TestUploadRefusedBeforeDecoding(t *testing.T) {
	t.Parallel()
	e := newPhotoEnv(t)
	ctx := context.Background()
	var decodes atomic.Int32
	e.svc.BeforeDecode = func() { decodes.Add(1) }
	staff, other := photoStaff{"330726"}, photoStaff{"330102"}
	img := testJPEG(t, 1)
	if _, _, err := e.svc.Upload(ctx, other, e.station.ID, img, false); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another county's upload: %v", err)
	}
	if _, _, err := e.svc.Upload(ctx, staff, uuid.New(), img, false); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an upload to no station: %v", err)
	}
	if n := decodes.Load(); n != 0 {
		t.Errorf("refused uploads were decoded %d times", n)
	}
	if _, _, err := e.svc.Upload(ctx, staff, e.station.ID, img, false); err != nil {
		t.Fatal(err)
	}
	if n := decodes.Load(); n != 1 {
		t.Fatalf("an upload that may be stored was decoded %d times", n)
	}
	// Another county's retry of a stored photo, too.
	if _, _, err := e.svc.Upload(ctx, other, e.station.ID, img, false); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another county's retry: %v", err)
	}
	if n := decodes.Load(); n != 1 {
		t.Errorf("another county's retry was decoded")
	}
}

// The early check does not replace the one in the row's transaction: a
// station moved to another county while its photo decodes refuses it.
func TestUploadToAStationMovedMeanwhile(t *testing.T) {
	t.Parallel()
	e := newPhotoEnv(t)
	ctx := context.Background()
	e.svc.BeforeDecode = func() {
		if _, err := e.db.Pool.Exec(ctx, `UPDATE stations SET district_code = '330102' WHERE id = $1`, e.station.ID); err != nil {
			t.Error(err)
		}
	}
	if _, _, err := e.svc.Upload(ctx, photoStaff{"330726"}, e.station.ID, testJPEG(t, 1), false); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an upload to a station moved out of the staff's county: %v", err)
	}
	if rows, col := e.count(); rows != 0 || col != 0 {
		t.Errorf("%d rows, photo_count %d; want none", rows, col)
	}
}

func imagePath(root, name string) string { return filepath.Join(root, name[:2], name+".jpg") }

// The sweep removes files no row names once they are older than the grace
// period, and nothing else.
func TestSweepRemovesOnlyOldOrphans(t *testing.T) {
	t.Parallel()
	e := newPhotoEnv(t)
	ctx := context.Background()
	kept, _, err := e.svc.Upload(ctx, photoStaff{"330726"}, e.station.ID, testJPEG(t, 1), false)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := photo.OpenDir(e.dir)
	orphan, young := "ab"+hex62('1'), "cd"+hex62('2')
	for _, n := range []string{orphan, young} {
		if err := dir.Put(n, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, n := range []string{orphan, kept.Full, kept.Thumb} {
		if err := os.Chtimes(imagePath(e.dir, n), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(e.dir, "notes.txt"), []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(filepath.Join(e.dir, "notes.txt"), old, old)
	n, err := e.svc.Sweep(ctx, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("sweep: removed %d, %v; want 1", n, err)
	}
	for name, want := range map[string]bool{orphan: false, young: true, kept.Full: true, kept.Thumb: true} {
		if _, err := os.Stat(imagePath(e.dir, name)); (err == nil) != want {
			t.Errorf("%s: present %v, want %v", name[:8], err == nil, want)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "notes.txt")); err != nil {
		t.Error("the sweep removed a file that is not an image of ours")
	}
}

func hex62(c byte) string { return string(bytes.Repeat([]byte{c}, 62)) }

// Crash safety: a process killed (SIGKILL) after writing an upload's files
// and before its row commits leaves the files and no row — never a row
// without its files — and the sweep removes the orphans.
func TestCrashBetweenFileAndRow(t *testing.T) {
	t.Parallel()
	te := newTruthEnv(t)
	root := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildUploadThenDie$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PHOTO_CRASH_CHILD=1", "PHOTO_CRASH_DB="+te.dbURL, "PHOTO_CRASH_DIR="+root,
		"PHOTO_CRASH_STATION="+te.station.ID.String())
	out, err := cmd.CombinedOutput()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed: %v\n%s", err, out)
	}
	e := newPhotoEnvOn(t, te, root)
	if rows, col := e.count(); rows != 0 || col != 0 {
		t.Fatalf("after the crash: %d rows, photo_count %d; want none", rows, col)
	}
	files, _ := filepath.Glob(filepath.Join(root, "??", "*.jpg"))
	if len(files) != 2 {
		t.Fatalf("after the crash %d image files, want the upload's 2: %v", len(files), files)
	}
	// Within the grace period the sweep leaves them; past it, it removes them.
	if n, err := e.svc.Sweep(context.Background(), time.Hour); err != nil || n != 0 {
		t.Errorf("sweep within the grace: %d %v", n, err)
	}
	if n, err := e.svc.Sweep(context.Background(), 0); err != nil || n != 2 {
		t.Errorf("sweep: %d %v, want 2 removed", n, err)
	}
	if files, _ := filepath.Glob(filepath.Join(root, "??", "*.jpg")); len(files) != 0 {
		t.Errorf("after the sweep: %v", files)
	}
	// The station takes uploads again (no lock or slot was left behind).
	if _, _, err := e.svc.Upload(context.Background(), photoStaff{"330726"}, e.station.ID, testJPEG(t, 1), true); err != nil {
		t.Errorf("an upload after the crash: %v", err)
	}
}

// TestChildUploadThenDie is TestCrashBetweenFileAndRow's child: it uploads
// and kills itself once the files are durable.
func TestChildUploadThenDie(t *testing.T) {
	if os.Getenv("PHOTO_CRASH_CHILD") != "1" {
		t.Skip("the child of TestCrashBetweenFileAndRow")
	}
	db, err := postgres.Open(context.Background(), os.Getenv("PHOTO_CRASH_DB"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := photo.OpenDir(os.Getenv("PHOTO_CRASH_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	svc := photo.NewService(postgres.NewPhotoStore(db), dir, photo.NewProcessor(photo.Limits{}), nil, nil)
	svc.AfterFiles = func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) }
	id := uuid.MustParse(os.Getenv("PHOTO_CRASH_STATION"))
	_, _, err = svc.Upload(context.Background(), photoStaff{"330726"}, id, sizedJPEG(t, 7, 800, 600), true)
	t.Fatalf("the upload returned (%v) instead of dying", err)
}
