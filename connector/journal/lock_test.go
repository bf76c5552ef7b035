package journal_test

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
)

func TestSecondStoreInSameProcessIsLockedOut(t *testing.T) {
	path := tempPath(t)
	first := openJournal(t, path)

	_, err := journal.OpenSQLite(context.Background(), path, journal.Options{})
	if !errors.Is(err, journal.ErrLocked) {
		t.Fatalf("a second daemon on the same journal: got %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("the lock error %q does not name the journal %s", err, path)
	}

	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	openJournal(t, path) // the lock is free once the first store is closed
}

func TestOtherProcessIsLockedOut(t *testing.T) {
	path := tempPath(t)
	s := openJournal(t, path)

	out, err := child(t, "opener", path).Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitLocked {
		t.Fatalf("another process opening a held journal: got %v (%s), want exit status %d", err, out, exitLocked)
	}
	if !strings.Contains(string(out), "in use by another process") || !strings.Contains(string(out), path) {
		t.Fatalf("the other process was told %q, which does not say the journal %s is in use", out, path)
	}
	s.Close()
	if out, err := child(t, "opener", path).CombinedOutput(); err != nil {
		t.Fatalf("another process opening a released journal: %v (%s)", err, out)
	}
}

func TestLockHeldByOtherProcessKeepsUsOut(t *testing.T) {
	path := tempPath(t)
	holder := child(t, "holder", path)
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	if line := readLine(t, bufio.NewReader(stdout)); line != "open" {
		t.Fatalf("the holder said %q, want open", line)
	}

	_, err = journal.OpenSQLite(context.Background(), path, journal.Options{})
	if !errors.Is(err, journal.ErrLocked) {
		t.Fatalf("opening a journal another process holds: got %v, want ErrLocked", err)
	}

	stdin.Close() // the holder closes its store and exits
	if err := holder.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	openJournal(t, path)
}
