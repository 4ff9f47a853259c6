package photo

import (
	"image"
	"image/color"
	"image/draw"

	xdraw "golang.org/x/image/draw"
)

// resize scales src so that its long edge is at most edge, then turns it
// upright by the EXIF orientation (turning the small result, not the
// original). Transparency is laid over white, as JPEG has none.
//
// Memory decides the method: x/image/draw's kernels (Catmull-Rom, bilinear)
// resample in two passes through a buffer of 32 bytes per destination
// column per source row — 155 MB to bring a 12-megapixel photo to 1600 px,
// 280 MB at 40 megapixels. So the photo is first averaged down by a whole
// factor k in blocks of k×k pixels (shrink: an area filter, which is what a
// large downscale needs against aliasing, holding only its result), to
// between one and two times the target, and x/image/draw's ApproxBiLinear,
// which keeps no buffer, takes it the rest of the way.
func resize(src image.Image, edge, orientation int) *image.RGBA {
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	tw, th := w, h
	if long := max(w, h); long > edge {
		tw = max(1, (w*edge+long/2)/long)
		th = max(1, (h*edge+long/2)/long)
	}
	if k := min(w/tw, h/th); k >= 2 {
		src = shrink(src, k) // opaque from here on
		sb = src.Bounds()
	}
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	op := xdraw.Src
	if !opaque(src) {
		draw.Draw(out, out.Rect, image.White, image.Point{}, draw.Src)
		op = xdraw.Over
	}
	if sb.Dx() == tw && sb.Dy() == th {
		draw.Draw(out, out.Rect, src, sb.Min, draw.Op(op))
	} else {
		xdraw.ApproxBiLinear.Scale(out, out.Rect, src, sb, op, nil)
	}
	return orient(out, orientation)
}

// shrink averages src in blocks of k×k pixels (the last partial row and
// column of blocks dropped), laid over white.
func shrink(src image.Image, k int) *image.RGBA {
	sb := src.Bounds()
	w, h := sb.Dx()/k, sb.Dy()/k
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	n := uint32(k * k)
	acc := make([]uint32, 3*w)
	for oy := 0; oy < h; oy++ {
		clear(acc)
		for y := sb.Min.Y + oy*k; y < sb.Min.Y+(oy+1)*k; y++ {
			switch m := src.(type) {
			case *image.YCbCr:
				for ox := 0; ox < w; ox++ {
					var r, g, b uint32
					for x := sb.Min.X + ox*k; x < sb.Min.X+(ox+1)*k; x++ {
						yi, ci := m.YOffset(x, y), m.COffset(x, y)
						rr, gg, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
						r, g, b = r+uint32(rr), g+uint32(gg), b+uint32(bb)
					}
					acc[3*ox] += r
					acc[3*ox+1] += g
					acc[3*ox+2] += b
				}
			case image.RGBA64Image:
				for ox := 0; ox < w; ox++ {
					var r, g, b uint32
					for x := sb.Min.X + ox*k; x < sb.Min.X+(ox+1)*k; x++ {
						c := m.RGBA64At(x, y) // alpha-premultiplied: add white where transparent
						white := 0xffff - uint32(c.A)
						r, g, b = r+(uint32(c.R)+white)>>8, g+(uint32(c.G)+white)>>8, b+(uint32(c.B)+white)>>8
					}
					acc[3*ox] += r
					acc[3*ox+1] += g
					acc[3*ox+2] += b
				}
			default: // every image type of the standard decoders is one of the above
				for ox := 0; ox < w; ox++ {
					for x := sb.Min.X + ox*k; x < sb.Min.X+(ox+1)*k; x++ {
						cr, cg, cb, ca := src.At(x, y).RGBA()
						white := 0xffff - ca
						acc[3*ox] += (cr + white) >> 8
						acc[3*ox+1] += (cg + white) >> 8
						acc[3*ox+2] += (cb + white) >> 8
					}
				}
			}
		}
		row := out.Pix[oy*out.Stride:]
		for ox := 0; ox < w; ox++ {
			row[4*ox] = uint8((acc[3*ox] + n/2) / n)
			row[4*ox+1] = uint8((acc[3*ox+1] + n/2) / n)
			row[4*ox+2] = uint8((acc[3*ox+2] + n/2) / n)
			row[4*ox+3] = 0xff
		}
	}
	return out
}

// opaque reports whether m has no transparency to lay on white: a JPEG's
// YCbCr or Gray never has; an RGBA or NRGBA image is asked.
func opaque(m image.Image) bool {
	switch m := m.(type) {
	case *image.YCbCr, *image.Gray, *image.CMYK:
		return true
	case interface{ Opaque() bool }:
		return m.Opaque()
	}
	return false
}
