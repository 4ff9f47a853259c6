package photo

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// exifSegment builds an APP1 Exif segment as a phone writes one: IFD0 with
// Make, Orientation and a pointer to a GPS IFD holding latitude and
// longitude (29°27'N, 119°53'E: Pujiang).
func exifSegment(order binary.ByteOrder, orientation int) []byte {
	var t bytes.Buffer
	if order == binary.LittleEndian {
		t.WriteString("II")
	} else {
		t.WriteString("MM")
	}
	w16 := func(v uint16) { _ = binary.Write(&t, order, v) }
	w32 := func(v uint32) { _ = binary.Write(&t, order, v) }
	w16(42)
	w32(8)
	// IFD0 at 8: 3 entries (2 + 3*12 + 4 = 42 bytes) → ends at 50.
	const makeOff, gpsOff = 50, 60
	w16(3)
	w16(0x010F) // Make, ASCII
	w16(2)
	w32(10)
	w32(makeOff)
	w16(0x0112) // Orientation, SHORT
	w16(3)
	w32(1)
	w16(uint16(orientation))
	w16(0)
	w16(0x8825) // GPS IFD pointer, LONG
	w16(4)
	w32(1)
	w32(gpsOff)
	w32(0)                         // no next IFD
	t.WriteString("TestPhone\x00") // 50..60
	// GPS IFD at 60: 4 entries (2 + 48 + 4 = 54) → rationals from 114.
	const latOff, lngOff = 114, 138
	w16(4)
	w16(0x0001) // GPSLatitudeRef
	w16(2)
	w32(2)
	t.WriteString("N\x00\x00\x00")
	w16(0x0002) // GPSLatitude, 3 RATIONAL
	w16(5)
	w32(3)
	w32(latOff)
	w16(0x0003) // GPSLongitudeRef
	w16(2)
	w32(2)
	t.WriteString("E\x00\x00\x00")
	w16(0x0004) // GPSLongitude
	w16(5)
	w32(3)
	w32(lngOff)
	w32(0)
	for _, v := range []uint32{29, 1, 27, 1, 0, 1, 119, 1, 53, 1, 0, 1} {
		w32(v)
	}
	payload := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// withExif inserts the segment right after a JPEG's SOI.
func withExif(jpg, seg []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// halves is a w×h image, red on its left half and blue on its right.
func halves(w, h int) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			m.Set(x, y, c)
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOrientationReader(t *testing.T) {
	plain := encodeJPEG(t, halves(8, 8))
	if got := jpegOrientation(plain); got != 1 {
		t.Errorf("no EXIF: %d, want 1", got)
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := 1; o <= 8; o++ {
			if got := jpegOrientation(withExif(plain, exifSegment(order, o))); got != o {
				t.Errorf("%v orientation %d: read %d", order, o, got)
			}
		}
	}
	if got := jpegOrientation(withExif(plain, exifSegment(binary.BigEndian, 9))); got != 1 {
		t.Errorf("orientation 9 (invalid): read %d, want 1", got)
	}
	// Two directories naming each other as the next one (A→B→A), which
	// keeps github.com/rwcarlsen/goexif decoding for ever (checked by hand:
	// still decoding after 3 s), is read at once: no offset is followed.
	var tf bytes.Buffer
	le := binary.LittleEndian
	tf.WriteString("II")
	for _, v := range []any{uint16(42), uint32(8),
		uint16(1), uint16(0x0112), uint16(3), uint32(1), uint16(6), uint16(0), uint32(26),
		uint16(1), uint16(0x0112), uint16(3), uint32(1), uint16(6), uint16(0), uint32(8)} {
		if err := binary.Write(&tf, le, v); err != nil {
			t.Fatal(err)
		}
	}
	payload := append([]byte("Exif\x00\x00"), tf.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	if got := jpegOrientation(withExif(plain, append(seg, payload...))); got != 6 {
		t.Errorf("a looping chain of directories: read %d, want 6", got)
	}
}

// The reader never panics or loops, whatever the bytes.
func FuzzOrientation(f *testing.F) {
	plain := encodeJPEG(f, halves(8, 8))
	f.Add(withExif(plain, exifSegment(binary.LittleEndian, 6)))
	f.Add(withExif(plain, exifSegment(binary.BigEndian, 8))[:60])
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := jpegOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
