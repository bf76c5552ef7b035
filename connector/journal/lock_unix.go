//go:build unix

package journal

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// flockFile takes an exclusive, non-blocking flock on f. flock locks belong
// to the open file description, not to the process, so a second
// description in the same process is refused like one in another process,
// and the kernel drops the lock when the holder dies, however it dies.
// what names the file in the error.
func flockFile(f *os.File, what string) error {
	var err error
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		return fmt.Errorf("%w: %s is held by another store (one SQLite journal serves one daemon: stop the other, or share a PostgreSQL journal between daemons)", ErrLocked, what)
	default:
		return fmt.Errorf("journal: lock %s: %w", what, err)
	}
}

// lockPath takes the flock on the lock file at path, creating it. This is
// the lock of earlier builds, which knew no other.
func lockPath(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: open lock %s: %w", path, err)
	}
	if err := flockFile(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
