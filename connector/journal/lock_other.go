//go:build !unix

package journal

import (
	"errors"
	"io"
)

// acquireLock has no implementation off Unix: the daemon runs under systemd,
// and a journal without its single-instance lock is not safe to open.
func acquireLock(path string) (io.Closer, error) {
	return nil, errors.New("journal: single-instance lock not supported on this platform")
}
