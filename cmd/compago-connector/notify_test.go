package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSystemd is the unixgram socket systemd listens on for a Type=notify
// service; the test reads what the daemon sent.
type fakeSystemd struct {
	conn *net.UnixConn
	path string
}

func listenNotify(t *testing.T) *fakeSystemd {
	t.Helper()
	dir, err := os.MkdirTemp("", "sd") // short: socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &fakeSystemd{conn: conn, path: path}
}

// next returns the next message, or fails after d.
func (s *fakeSystemd) next(t *testing.T, d time.Duration) string {
	t.Helper()
	buf := make([]byte, 4096)
	s.conn.SetReadDeadline(time.Now().Add(d))
	n, err := s.conn.Read(buf)
	if err != nil {
		t.Fatalf("systemd heard nothing within %s: %v", d, err)
	}
	return string(buf[:n])
}

// waitMessage reads messages until one contains want.
func (s *fakeSystemd) waitMessage(t *testing.T, want string, d time.Duration) []string {
	t.Helper()
	var seen []string
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		msg := s.next(t, time.Until(deadline))
		seen = append(seen, msg)
		if strings.Contains(msg, want) {
			return seen
		}
	}
	t.Fatalf("systemd never got %q; got %q", want, seen)
	return nil
}

func TestDaemonTellsSystemdReadyPingsTheWatchdogAndSaysStopping(t *testing.T) {
	sd := listenNotify(t)
	t.Setenv("NOTIFY_SOCKET", sd.path)
	t.Setenv("WATCHDOG_USEC", "200000") // pings every 100ms
	t.Setenv("WATCHDOG_PID", "")
	sims := startSimulators(t)
	file := sims.writeConfig(t, "", "{}")

	stop := make(chan struct{})
	var once sync.Once
	stopNow := func() { once.Do(func() { close(stop) }) }
	t.Cleanup(stopNow) // if the test ends early
	d := startDaemonUntil(t, file, stop)
	seen := sd.waitMessage(t, "READY=1", 5*time.Second)
	if !strings.HasPrefix(seen[0], "READY=1") && !strings.Contains(seen[0], "WATCHDOG=1") {
		t.Errorf("first message %q, want READY=1 (or a ping that raced it)", seen[0])
	}
	sd.waitMessage(t, "STATUS=running", 5*time.Second)
	for range 3 {
		sd.waitMessage(t, "WATCHDOG=1", time.Second)
	}
	stopNow()
	sd.waitMessage(t, "STOPPING=1", 5*time.Second)
	if err := <-d.done; err != nil {
		t.Errorf("the daemon stopped with %v", err)
	}
}

func TestNotifierIsSilentWithoutSystemdAndIgnoresAnotherProcessesWatchdog(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if n := newNotifier(env(nil)); n.send("READY=1") != nil || n.watchdog != 0 {
		t.Fatal("without NOTIFY_SOCKET the notifier must do nothing")
	}
	n := newNotifier(env(map[string]string{"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}))
	if n.watchdog != 0 {
		t.Error("a watchdog meant for pid 1 must not be pinged by us")
	}
	n = newNotifier(env(map[string]string{"NOTIFY_SOCKET": "@abstract", "WATCHDOG_USEC": "30000000"}))
	if n.watchdog != 30*time.Second || n.addr.Name != "\x00abstract" {
		t.Errorf("watchdog %s, socket %q", n.watchdog, n.addr.Name)
	}
}
