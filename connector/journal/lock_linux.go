//go:build linux

package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// fileID names a file by what it is, not by what it is called: a symlink
// or a hard link to a journal is the same journal.
type fileID struct{ dev, ino uint64 }

func idOf(fi fs.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino}, true
}

// held is this process's journals: the files it holds the lock of. It
// refuses a second store in this process before any descriptor of the
// file is opened, because closing a descriptor of a file drops every POSIX
// (fcntl) lock the process holds on it, SQLite's included: a refused
// second open must not silently unlock the first store's database.
var held = struct {
	sync.Mutex
	files map[fileID]bool
}{files: map[fileID]bool{}}

// fileLock is a held single-instance lock.
type fileLock struct {
	id     fileID
	db     *os.File // the database file itself, flocked
	legacy *os.File // path+".lock", flocked
}

// acquireLock takes the journal's single-instance lock on the database
// file at path itself (creating it 0600): an exclusive, non-blocking flock
// on a descriptor of its own, held until Close. Locking the file, not a
// name, keeps out a second daemon that reaches it through a symlink, a
// hard link, or after someone removed the lock file.
//
// flock and SQLite's fcntl byte-range locks are independent on Linux, so
// the flock does not disturb SQLite. (Not on NFS, where Linux emulates
// flock with fcntl locks; SQLite's WAL does not work there anyway.) The
// flock on path+".lock" is taken too, after it, so that a daemon of an
// earlier build, which knows only that lock, is still kept out during an
// upgrade.
func acquireLock(path string) (io.Closer, error) {
	held.Lock()
	defer held.Unlock()
	if fi, err := os.Stat(path); err == nil {
		if id, ok := idOf(fi); ok && held.files[id] {
			return nil, lockedHere(path)
		}
	}
	// SQLite creates the WAL and shared-memory files with the database
	// file's mode, so creating it 0600 here keeps all three private.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	id, ok := idOf(fi)
	if !ok {
		f.Close()
		return nil, errors.New("journal: single-instance lock: no device and inode for " + path)
	}
	if held.files[id] { // the name was moved onto a held file since the Stat
		f.Close()
		return nil, lockedHere(path)
	}
	if err := flockFile(f, path); err != nil {
		f.Close() // no store of this process uses the file: nothing to unlock
		return nil, err
	}
	legacy, err := lockPath(path + ".lock")
	if err != nil {
		f.Close()
		return nil, err
	}
	held.files[id] = true
	return &fileLock{id: id, db: f, legacy: legacy}, nil
}

func lockedHere(path string) error {
	return fmt.Errorf("%w: %s is held by another store of this process", ErrLocked, path)
}

// Close releases the lock. The store closes its database first, so no
// SQLite lock of it remains for the descriptor's close to drop.
func (l *fileLock) Close() error {
	held.Lock()
	delete(held.files, l.id)
	held.Unlock()
	err := l.legacy.Close()
	if derr := l.db.Close(); err == nil {
		err = derr
	}
	return err
}
