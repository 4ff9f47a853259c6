package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"github.com/rwcarlsen/goexif/exif"

	"yizhan/internal/apperr"
)

func process(t *testing.T, b []byte) Processed {
	t.Helper()
	out, err := NewProcessor(Limits{}).Process(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A phone's photo carries its GPS position in EXIF; nothing of it, nor any
// other metadata, survives: the output's bytes hold no APP1 segment, and an
// EXIF reader finds nothing in them.
func TestGPSIsRemoved(t *testing.T) {
	in := withExif(encodeJPEG(t, halves(64, 48)), exifSegment(binary.LittleEndian, 1))
	x, err := exif.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatalf("the test's own photo has no EXIF: %v", err)
	}
	if lat, lng, err := x.LatLong(); err != nil || lat < 29.4 || lat > 29.5 || lng < 119.8 || lng > 119.9 {
		t.Fatalf("the test's own photo: GPS %v %v %v", lat, lng, err)
	}
	out := process(t, in)
	for name, img := range map[string][]byte{"full": out.Full.Bytes, "thumb": out.Thumb.Bytes} {
		if _, err := exif.Decode(bytes.NewReader(img)); err == nil {
			t.Errorf("%s: an EXIF reader still finds EXIF", name)
		}
		if segs := appSegments(t, img); len(segs) != 0 {
			t.Errorf("%s: metadata segments %x remain", name, segs)
		}
		if bytes.Contains(img, []byte("Exif")) || bytes.Contains(img, []byte("TestPhone")) {
			t.Errorf("%s: EXIF bytes remain", name)
		}
	}
}

// appSegments lists the APPn and COM markers of a JPEG before its scan.
func appSegments(t *testing.T, b []byte) []byte {
	t.Helper()
	var out []byte
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			t.Fatalf("not a marker at %d", i)
		}
		m := b[i+1]
		if m == 0xDA {
			break
		}
		if m >= 0xE0 && m <= 0xEF || m == 0xFE {
			out = append(out, m)
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return out
}

// red tells whether the pixel is the red of halves (after JPEG's losses).
func red(m image.Image, x, y int) bool {
	r, _, b, _ := m.At(x, y).RGBA()
	return r>>8 > 150 && b>>8 < 100
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Orientation 6 (the phone held upright, its sensor turned) turns the
// picture 90° clockwise: the stored left half ends on top; 8 the other way,
// 3 upside down.
func TestOrientationIsApplied(t *testing.T) {
	plain := encodeJPEG(t, halves(80, 40)) // stored 80 wide, 40 high
	cases := []struct {
		o              int
		w, h           int
		redX, redY     int // a point that must be red
		otherX, otherY int // and one that must not
	}{
		{1, 80, 40, 5, 20, 75, 20},
		{6, 40, 80, 20, 5, 20, 75},
		{8, 40, 80, 20, 75, 20, 5},
		{3, 80, 40, 75, 20, 5, 20},
	}
	for _, c := range cases {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			out := process(t, withExif(plain, exifSegment(order, c.o)))
			if out.Orientation != c.o {
				t.Errorf("orientation %d: applied %d", c.o, out.Orientation)
			}
			for name, e := range map[string]Encoded{"full": out.Full} {
				m := decode(t, e.Bytes)
				if b := m.Bounds(); b.Dx() != c.w || b.Dy() != c.h || e.Width != c.w || e.Height != c.h {
					t.Errorf("orientation %d %s: %v (says %d×%d), want %d×%d", c.o, name, b, e.Width, e.Height, c.w, c.h)
					continue
				}
				if !red(m, c.redX, c.redY) || red(m, c.otherX, c.otherY) {
					t.Errorf("orientation %d %s: red at (%d,%d) %v, not at (%d,%d) %v", c.o, name,
						c.redX, c.redY, red(m, c.redX, c.redY), c.otherX, c.otherY, red(m, c.otherX, c.otherY))
				}
			}
		}
	}
}

// The full version's long edge is 1600 px and the thumbnail's 400, the
// aspect kept; smaller images are not enlarged.
func TestSizes(t *testing.T) {
	cases := []struct{ w, h, fw, fh, tw, th int }{
		{3000, 2000, 1600, 1067, 400, 267},
		{2000, 3000, 1067, 1600, 267, 400},
		{800, 600, 800, 600, 400, 300},
		{300, 200, 300, 200, 300, 200},
	}
	for _, c := range cases {
		out := process(t, encodeJPEG(t, halves(c.w, c.h)))
		if out.Full.Width != c.fw || out.Full.Height != c.fh || out.Thumb.Width != c.tw || out.Thumb.Height != c.th {
			t.Errorf("%d×%d: full %d×%d thumb %d×%d, want %d×%d and %d×%d", c.w, c.h,
				out.Full.Width, out.Full.Height, out.Thumb.Width, out.Thumb.Height, c.fw, c.fh, c.tw, c.th)
		}
		for _, e := range []Encoded{out.Full, out.Thumb} {
			m := decode(t, e.Bytes)
			if m.Bounds().Dx() != e.Width || m.Bounds().Dy() != e.Height {
				t.Errorf("%d×%d: stored %v, says %d×%d", c.w, c.h, m.Bounds(), e.Width, e.Height)
			}
		}
	}
}

// A PNG becomes a JPEG, its transparency laid on white.
func TestPNG(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 20, 10))
	m.Set(1, 1, color.NRGBA{0, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	out := process(t, buf.Bytes())
	img := decode(t, out.Full.Bytes)
	if r, g, b, _ := img.At(15, 5).RGBA(); r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
		t.Errorf("a transparent pixel came out %d %d %d, not white", r>>8, g>>8, b>>8)
	}
}

// setJPEGSize rewrites the size a JPEG's frame header declares.
func setJPEGSize(t *testing.T, b []byte, w, h int) []byte {
	t.Helper()
	out := append([]byte{}, b...)
	for i := 2; i+9 <= len(out); {
		m := out[i+1]
		if m == 0xC0 || m == 0xC2 {
			binary.BigEndian.PutUint16(out[i+5:], uint16(h))
			binary.BigEndian.PutUint16(out[i+7:], uint16(w))
			return out
		}
		i += 2 + int(binary.BigEndian.Uint16(out[i+2:]))
	}
	t.Fatal("no frame header")
	return nil
}

func codeOf(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

// A 50-megapixel JPEG (8660 × 5784) is refused from its header, before a
// byte of it is decoded: the refusal allocates almost nothing.
func TestPixelLimitBeforeDecoding(t *testing.T) {
	big := setJPEGSize(t, encodeJPEG(t, halves(64, 64)), 8660, 5784)
	p := NewProcessor(Limits{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := p.Process(context.Background(), big)
	runtime.ReadMemStats(&after)
	if codeOf(err) != apperr.TooLarge {
		t.Fatalf("a 50-megapixel JPEG: %v, want too_large", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("refusing it allocated %d bytes: it was decoded", d)
	}
	// Just under the limit it is decoded (and found corrupt: the scan is 64×64).
	ok := setJPEGSize(t, encodeJPEG(t, halves(64, 64)), 8000, 5000)
	if _, err := p.Process(context.Background(), ok); codeOf(err) != apperr.Invalid {
		t.Errorf("40 megapixels: %v, want the decoder's invalid", err)
	}
	// A 16-bit PNG costs 8 bytes a pixel: its limit is lower.
	m := image.NewNRGBA64(image.Rect(0, 0, 4, 4))
	var buf bytes.Buffer
	_ = png.Encode(&buf, m)
	pngBig := append([]byte{}, buf.Bytes()...)
	binary.BigEndian.PutUint32(pngBig[16:], 5000) // IHDR width
	binary.BigEndian.PutUint32(pngBig[20:], 4000) // and height: 20 MP × 8 B
	binary.BigEndian.PutUint32(pngBig[29:], crc32.ChecksumIEEE(pngBig[12:29]))
	if _, err := p.Process(context.Background(), pngBig); codeOf(err) != apperr.TooLarge {
		t.Errorf("a 20-megapixel 16-bit PNG: %v, want too_large", err)
	}
}

func TestRefusals(t *testing.T) {
	p := NewProcessor(Limits{MaxBytes: 1 << 20})
	good := encodeJPEG(t, halves(200, 100))
	var gif bytes.Buffer
	gif.WriteString("GIF89a\x01\x00\x01\x00")
	cases := []struct {
		name string
		b    []byte
		want apperr.Code
	}{
		{"text", []byte("hello, this is not a photo"), apperr.UnsupportedMedia},
		{"empty", nil, apperr.UnsupportedMedia},
		{"gif", gif.Bytes(), apperr.UnsupportedMedia},
		{"pdf", []byte("%PDF-1.7\n"), apperr.UnsupportedMedia},
		{"truncated jpeg", good[:len(good)/2], apperr.Invalid},
		{"jpeg header only", good[:20], apperr.Invalid},
		{"png signature only", []byte("\x89PNG\r\n\x1a\n"), apperr.Invalid},
		{"too many bytes", append(append([]byte{}, good...), make([]byte, 1<<20)...), apperr.TooLarge},
		{"zero size", setJPEGSize(t, good, 0, 100), apperr.Invalid},
	}
	for _, c := range cases {
		if _, err := p.Process(context.Background(), c.b); codeOf(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
}

// The same upload gives the same bytes, so the same names: a retried
// upload is recognised.
func TestContentAddressed(t *testing.T) {
	in := encodeJPEG(t, halves(900, 600))
	a, b := process(t, in), process(t, in)
	if a.Full.Name != b.Full.Name || a.Thumb.Name != b.Thumb.Name || a.Full.Name == a.Thumb.Name || !ValidName(a.Full.Name) {
		t.Errorf("names %s %s / %s %s", a.Full.Name, a.Thumb.Name, b.Full.Name, b.Thumb.Name)
	}
}
