package photo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"

	"yizhan/internal/apperr"
)

// The sizes stored of every photo: the long edge of the full version and of
// the thumbnail (smaller images are not enlarged), and the JPEG quality.
const (
	FullEdge  = 1600
	ThumbEdge = 400
	Quality   = 85
)

// Limits bound what an upload may cost.
type Limits struct {
	// MaxBytes is the largest upload (PHOTO_MAX_BYTES, 8 MiB).
	MaxBytes int
	// MaxPixels is the most pixels an image may have (PHOTO_MAX_PIXELS, 40
	// million): checked from the header before anything is decoded.
	MaxPixels int
	// MaxDecodedBytes bounds the decoded image in memory, told from the
	// header's colour model (a 16-bit PNG takes 8 bytes a pixel, a JPEG at
	// most 3): 128 MiB.
	MaxDecodedBytes int
	// Decodes is how many uploads decode at once (PHOTO_DECODES, the
	// number of CPUs); the rest wait their turn.
	Decodes int
}

// DefaultLimits are the limits unless configured otherwise.
var DefaultLimits = Limits{MaxBytes: 8 << 20, MaxPixels: 40_000_000, MaxDecodedBytes: 128 << 20, Decodes: runtime.GOMAXPROCS(0)}

// Encoded is one stored image: JPEG bytes without metadata, their
// content-addressed name (hex sha256) and size.
type Encoded struct {
	Bytes         []byte
	Name          string
	Width, Height int
}

// Processed is an upload made safe to store: the full version and the
// thumbnail.
type Processed struct {
	Full, Thumb Encoded
	// Orientation is the EXIF orientation that was applied (1 when none).
	Orientation int
}

// Processor decodes and re-encodes uploads, a bounded number at a time.
type Processor struct {
	limits Limits
	sem    chan struct{}
}

// NewProcessor returns a Processor; zero limits take DefaultLimits' values.
func NewProcessor(l Limits) *Processor {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	if l.MaxDecodedBytes <= 0 {
		l.MaxDecodedBytes = DefaultLimits.MaxDecodedBytes
	}
	if l.Decodes <= 0 {
		l.Decodes = DefaultLimits.Decodes
	}
	return &Processor{limits: l, sem: make(chan struct{}, l.Decodes)}
}

// Limits returns the processor's limits.
func (p *Processor) Limits() Limits { return p.limits }

// Kind tells a JPEG ("jpeg") or a PNG ("png") from its first bytes; "" for
// anything else.
func Kind(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "jpeg"
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "png"
	}
	return ""
}

// Process checks, decodes and re-encodes an upload: EXIF and every other
// metadata dropped, the EXIF orientation applied, a FullEdge version and a
// ThumbEdge thumbnail. Returns TooLarge (bytes, pixels), UnsupportedMedia
// (not a JPEG or PNG), Invalid (a corrupt image) or the context's error
// while waiting for a turn to decode.
func (p *Processor) Process(ctx context.Context, b []byte) (Processed, error) {
	if len(b) > p.limits.MaxBytes {
		return Processed{}, apperr.New(apperr.TooLarge, "a photo may be at most %d MB", p.limits.MaxBytes>>20)
	}
	kind := Kind(b)
	if kind == "" {
		return Processed{}, apperr.New(apperr.UnsupportedMedia, "the file is not a JPEG or PNG image")
	}
	var (
		cfg image.Config
		err error
	)
	if kind == "jpeg" {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return Processed{}, corrupt()
	}
	pixels := cfg.Width * cfg.Height
	if cfg.Width > 1<<16 || cfg.Height > 1<<16 || pixels > p.limits.MaxPixels {
		return Processed{}, apperr.New(apperr.TooLarge, "the image is %d × %d pixels; at most %d megapixels are accepted",
			cfg.Width, cfg.Height, p.limits.MaxPixels/1_000_000)
	}
	if pixels*bytesPerPixel(cfg.ColorModel) > p.limits.MaxDecodedBytes {
		return Processed{}, apperr.New(apperr.TooLarge, "the image is %d × %d pixels; at most %d megapixels are accepted",
			cfg.Width, cfg.Height, p.limits.MaxDecodedBytes/bytesPerPixel(cfg.ColorModel)/1_000_000)
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return Processed{}, ctx.Err()
	}
	defer func() { <-p.sem }()
	var src image.Image
	if kind == "jpeg" {
		src, err = jpeg.Decode(bytes.NewReader(b))
	} else {
		src, err = png.Decode(bytes.NewReader(b))
	}
	if err != nil {
		return Processed{}, corrupt()
	}
	orientation := 1
	if kind == "jpeg" {
		orientation = jpegOrientation(b)
	}
	full := resize(src, FullEdge, orientation)
	src = nil // the decoded original may go before the encodes
	thumb := resize(full, ThumbEdge, 1)
	out := Processed{Orientation: orientation}
	if out.Full, err = encode(full); err != nil {
		return Processed{}, err
	}
	if out.Thumb, err = encode(thumb); err != nil {
		return Processed{}, err
	}
	return out, nil
}

func corrupt() error {
	return apperr.New(apperr.Invalid, "the image is damaged or incomplete and cannot be read")
}

// bytesPerPixel is what the decoder allocates a pixel for the colour model
// (a JPEG's YCbCr counted at 4:4:4, its largest).
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// orient applies an EXIF orientation (1–8) to m: the stored pixels are
// turned and mirrored so that the picture stands as it was taken.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // turned 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // turned 90° clockwise to stand
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // turned 90° anticlockwise to stand
				dx, dy = y, w-1-x
			}
			si := m.PixOffset(x, y)
			di := out.PixOffset(dx, dy)
			copy(out.Pix[di:di+4], m.Pix[si:si+4])
		}
	}
	return out
}

// encode writes m as a baseline JPEG, which carries no metadata, and names
// it by its sha256.
func encode(m *image.RGBA) (Encoded, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: Quality}); err != nil {
		return Encoded{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return Encoded{Bytes: buf.Bytes(), Name: hex.EncodeToString(sum[:]), Width: m.Rect.Dx(), Height: m.Rect.Dy()}, nil
}
