package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id's cost parameters.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultHashParams follow OWASP's argon2id recommendation (19 MiB, 2
// passes, 1 lane).
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// keyLen is the length of the keys HashPassword derives.
const keyLen = 32

// HashPassword returns an argon2id hash in the PHC string format, which
// carries its parameters so they can be raised later without breaking old
// hashes. It hashes in this process; the server hashes in its hasher (see
// Service.hashPassword).
func HashPassword(password string, p HashParams) (string, error) {
	return hashPassword(context.Background(), inProcess{}, password, p)
}

// CheckPassword reports whether password matches the PHC-format hash, in
// time independent of where they differ. It hashes in this process.
func CheckPassword(hash, password string) (bool, error) {
	return checkPassword(context.Background(), inProcess{}, hash, password)
}

var errBadHash = errors.New("auth: malformed password hash")

// A keyDeriver computes argon2id keys: in this process (inProcess) or in
// the hasher child (Hasher). The salt, the parameters and the comparison
// stay with the caller, so a deriver never sees the key it is compared
// against.
type keyDeriver interface {
	// deriveKey is argon2.IDKey. It answers errBadHash when argon2 refuses
	// the parameters, and an Unavailable *apperr.Error when the key could
	// not be computed for a reason of the deriver's own.
	deriveKey(ctx context.Context, password string, salt []byte, p HashParams, n uint32) ([]byte, error)
}

func hashPassword(ctx context.Context, d keyDeriver, password string, p HashParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := d.deriveKey(ctx, password, salt, p, keyLen)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

func checkPassword(ctx context.Context, d keyDeriver, hash, password string) (bool, error) {
	p, salt, want, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	got, err := d.deriveKey(ctx, password, salt, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// parseHash reads a PHC-format argon2id hash.
func parseHash(hash string) (p HashParams, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return p, nil, nil, errBadHash
	}
	key, err = base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) == 0 || len(key) > maxKeyLen {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// maxKeyLen bounds the key a hash may carry (ours are 32 bytes), and so the
// hasher's answers.
const maxKeyLen = 4096

// idKey is argon2.IDKey, with its panics on parameters it refuses (no
// passes, no lanes) turned into errBadHash.
func idKey(password, salt []byte, p HashParams, n uint32) (key []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			key, err = nil, fmt.Errorf("%w: %v", errBadHash, r)
		}
	}()
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, n), nil
}
