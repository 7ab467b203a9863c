package rundir

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// UsageError is an error in how a run was invoked (a run directory in
// use or not empty, a shard of another plan, a bad --shard): the CLI
// exits 2 for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef is a *UsageError with a formatted message.
func Usagef(format string, args ...any) error { return &UsageError{fmt.Errorf(format, args...)} }

// Hash is the hex SHA-256 of b: how runs name scripts, modules and plans.
func Hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
