package journal_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// The test binary doubles as a second process: with roleEnv set, TestMain
// plays that role instead of running tests. It starts at most one
// PostgreSQL for all the tests (pgtest.Shared, on first use) and stops it
// when they are done.
const (
	roleEnv = "JOURNAL_TEST_ROLE"
	pathEnv = "JOURNAL_TEST_PATH"
	// exitLocked is the opener's exit status when the journal was locked.
	exitLocked = 3
)

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(playRole(role, os.Getenv(pathEnv)))
	}
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

func playRole(role, path string) int {
	ctx := context.Background()
	s, err := journal.OpenSQLite(ctx, path, journal.Options{})
	if err != nil {
		fmt.Println(err)
		if errors.Is(err, journal.ErrLocked) {
			return exitLocked
		}
		return 1
	}
	defer s.Close()
	switch role {
	case "opener":
		return 0
	case "holder":
		fmt.Println("open")
		io.Copy(io.Discard, os.Stdin) // hold the journal until the parent closes stdin
		return 0
	case "writer":
		return write(ctx, s)
	}
	fmt.Println("unknown role", role)
	return 1
}

// write commits attempts forever, three changes each, and prints every
// change once it is committed, until it is killed.
func write(ctx context.Context, s *journal.SQLite) int {
	out := bufio.NewWriter(os.Stdout)
	for order := int64(1); ; order++ {
		a, err := s.Begin(ctx, journal.NewAttempt{OrderID: order, Amount: 100 * order, ExternalIDPrefix: "kill"})
		if err != nil {
			fmt.Println("begin:", err)
			return 1
		}
		fmt.Fprintf(out, "%d %d\n", a.ID, a.Version)
		out.Flush()
		for _, st := range []journal.State{journal.Pending, journal.Expired} {
			a, err = s.Update(ctx, a.ID, func(x *journal.Attempt) error {
				x.State = st
				if st == journal.Pending {
					x.IntentID = fmt.Sprintf("pi_%d", order)
				}
				return nil
			})
			if err != nil {
				fmt.Println("update:", err)
				return 1
			}
			fmt.Fprintf(out, "%d %d\n", a.ID, a.Version)
			out.Flush()
		}
	}
}

// child starts the test binary in a role on path.
func child(t *testing.T, role, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"="+role, pathEnv+"="+path)
	return cmd
}

// readLine waits for one line from r, failing the test after a deadline.
func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		line, _ := r.ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case line := <-got:
		return line
	case <-time.After(30 * time.Second):
		t.Fatal("the child process said nothing for 30s")
		return ""
	}
}

// openJournal opens a journal at path, closed when the test ends.
func openJournal(t *testing.T, path string) *journal.SQLite {
	t.Helper()
	s, err := journal.OpenSQLite(context.Background(), path, journal.Options{})
	if err != nil {
		t.Fatalf("OpenSQLite(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func tempPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "journal.db")
}
