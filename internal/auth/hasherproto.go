package auth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The hasher's protocol, on the child's stdin (requests) and stdout
// (answers). Binary and length-prefixed, so that no password ever passes
// through a text format a log could pick up. Every frame is
//
//	u32 length of what follows (big-endian) | u64 request id | u8 kind | body
//
// and the child opens its stdout with hasherHello before any answer. The
// requests:
//
//	opDerive  u32 time | u32 memory KiB | u8 lanes | u32 key length | u16 salt length | salt | password
//	opStats   (empty)
//
// An answer carries its request's id, and as kind statusOK or statusErr:
//
//	opDerive, statusOK   the key
//	opDerive, statusErr  nothing: argon2 refused the parameters
//	opStats,  statusOK   u32 most keys ever derived at once | u32 keys being derived now
//
// Answers come in the order keys are finished, not the order asked; the ids
// match them up.

const (
	opDerive byte = 1
	opStats  byte = 2

	statusOK  byte = 0
	statusErr byte = 1

	hasherHello = "yizhan-hasher/1\n"

	// maxFrame bounds a frame; a request body is at most 1 MiB (the API's
	// limit), so any password fits.
	maxFrame = 2 << 20
	// frameHead is the id and the kind.
	frameHead = 9
	// deriveHead is opDerive's fixed fields.
	deriveHead = 4 + 4 + 1 + 4 + 2
)

var errFrame = errors.New("auth: malformed hasher frame")

// frame is one request or answer.
type frame struct {
	id   uint64
	kind byte
	body []byte
}

// appendFrame appends f's wire form to b.
func appendFrame(b []byte, f frame) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(frameHead+len(f.body)))
	b = binary.BigEndian.AppendUint64(b, f.id)
	b = append(b, f.kind)
	return append(b, f.body...)
}

// readFrame reads one frame; io.EOF only when r ends between frames.
func readFrame(r io.Reader) (frame, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return frame{}, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < frameHead || n > maxFrame {
		return frame{}, fmt.Errorf("%w: length %d", errFrame, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return frame{}, err
	}
	return frame{id: binary.BigEndian.Uint64(buf), kind: buf[8], body: buf[frameHead:]}, nil
}

// deriveRequest is opDerive's body.
type deriveRequest struct {
	params   HashParams
	keyLen   uint32
	salt     []byte
	password []byte
}

func (d deriveRequest) appendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, d.params.Time)
	b = binary.BigEndian.AppendUint32(b, d.params.Memory)
	b = append(b, d.params.Threads)
	b = binary.BigEndian.AppendUint32(b, d.keyLen)
	b = binary.BigEndian.AppendUint16(b, uint16(len(d.salt)))
	b = append(b, d.salt...)
	return append(b, d.password...)
}

// parseDerive reads opDerive's body; the salt and password alias body.
func parseDerive(body []byte) (deriveRequest, error) {
	if len(body) < deriveHead {
		return deriveRequest{}, errFrame
	}
	var d deriveRequest
	d.params.Time = binary.BigEndian.Uint32(body)
	d.params.Memory = binary.BigEndian.Uint32(body[4:])
	d.params.Threads = body[8]
	d.keyLen = binary.BigEndian.Uint32(body[9:])
	saltLen := int(binary.BigEndian.Uint16(body[13:]))
	rest := body[deriveHead:]
	if saltLen > len(rest) || d.keyLen == 0 || d.keyLen > maxKeyLen {
		return deriveRequest{}, errFrame
	}
	d.salt, d.password = rest[:saltLen], rest[saltLen:]
	return d, nil
}
