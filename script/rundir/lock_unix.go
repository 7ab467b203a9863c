//go:build unix

package rundir

import (
	"errors"
	"os"
	"syscall"
)

// flockFile takes an exclusive advisory lock on f without waiting;
// busy is true when another process (or another open of the file) holds
// it. The lock ends when f is closed, also when the process dies.
func flockFile(f *os.File) (busy bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}
