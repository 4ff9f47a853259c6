package postgres_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"yizhan/internal/photo"
)

// BenchmarkPhotoUpload is a whole upload as the service does it — decode,
// re-encode, two files written and fsync'd, the row and the station's photo
// columns in one transaction — against the baseline of Process alone (no
// disk, no database) in the same run. Photos are 3-megapixel JPEGs
// (2048 × 1536), eight distinct ones to a station.
func BenchmarkPhotoUpload(b *testing.B) {
	var inputs [][]byte
	r := rand.New(rand.NewPCG(3, 4))
	for v := range 8 {
		m := image.NewYCbCr(image.Rect(0, 0, 2048, 1536), image.YCbCrSubsampleRatio420)
		for i := range m.Y {
			m.Y[i] = uint8(i/2048*255/1536+v*7) + uint8(r.IntN(16))
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = 110, 140
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, buf.Bytes())
	}
	b.Run("process-only", func(b *testing.B) {
		p := photo.NewProcessor(photo.Limits{})
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := p.Process(context.Background(), inputs[i%len(inputs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stored", func(b *testing.B) {
		te := newTruthEnv(b)
		e := newPhotoEnvOn(b, te, b.TempDir())
		b.ReportAllocs()
		st := te.station
		for i := 0; b.Loop(); i++ {
			if i > 0 && i%len(inputs) == 0 {
				b.StopTimer()
				st = te.mustStation()
				b.StartTimer()
			}
			if _, _, err := e.svc.Upload(context.Background(), photoStaff{"330726"}, st.ID, inputs[i%len(inputs)], false); err != nil {
				b.Fatal(err)
			}
		}
	})
}
