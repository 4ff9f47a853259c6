package photo

import "encoding/binary"

// jpegOrientation reads the EXIF Orientation tag (0x0112) of a JPEG: 1 (as
// stored) to 8, or 1 when there is none or it cannot be read.
//
// It reads only IFD0 of the first APP1 "Exif" segment, at most 64 KiB,
// following no offsets but its own bounds-checked one, so no input can make
// it loop or allocate. A library was weighed and not taken for this one
// tag: github.com/rwcarlsen/goexif follows a chain of IFDs checking only
// that an offset differs from the previous one, so a crafted A→B→A chain
// loops forever while its list of directories grows (the tests use it, on
// honest files, as an independent reader); github.com/dsoprea/go-exif/v3
// is a full EXIF editor with dependencies of its own, for the same tag.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image: no EXIF before them
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads Orientation from IFD0 of a TIFF header and its
// directory.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(t[2:]) != 42 {
		return 1
	}
	off := int(order.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	count := int(order.Uint16(t[off:]))
	for k := 0; k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if order.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// SHORT, count 1: the value sits in the entry's first two bytes.
		if order.Uint16(t[e+2:]) != 3 || order.Uint32(t[e+4:]) != 1 {
			return 1
		}
		if v := int(order.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}
