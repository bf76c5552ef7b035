//go:build unix && !linux

package journal

import (
	"io"
	"os"
)

// acquireLock takes the flock on path+".lock" only. On BSD and macOS flock
// and SQLite's fcntl locks may share one mechanism, so the database file's
// own descriptor is not flocked there; the daemon is supported on Linux,
// where the lock is on the file itself (lock_linux.go). A symlink, a hard
// link or a removed lock file defeats this one.
func acquireLock(path string) (io.Closer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close() // before SQLite opens it: no lock of ours to drop yet
	return lockPath(path + ".lock")
}
