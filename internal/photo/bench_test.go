package photo

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"
)

// photoLike is a w×h JPEG with a phone photo's texture: smooth gradients
// and noise, so that it compresses like one (≈ 0.3–0.5 bytes a pixel).
func photoLike(b *testing.B, w, h int) []byte {
	b.Helper()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Y[y*m.YStride+x] = uint8((x*255/w+y*255/h)/2) + uint8(r.IntN(24))
		}
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(100+r.IntN(40)), uint8(120+r.IntN(40))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	_ = color.White
	return buf.Bytes()
}

// BenchmarkUpload is what an upload costs before the disk and the database:
// Process (check, decode, resample, turn, encode twice) against the
// baseline of decoding the same JPEG alone, which no resizer can avoid.
// B/op is everything allocated per upload, an upper bound of the memory it
// holds at once.
func BenchmarkUpload(b *testing.B) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"12MP", 4032, 3024}, {"3MP", 2048, 1536}} {
		in := photoLike(b, size.w, size.h)
		b.Run(size.name+"/decode-only", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size.name+"/process", func(b *testing.B) {
			p := NewProcessor(Limits{})
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Process(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
