package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// notifier speaks systemd's notify protocol (sd_notify(3)): one datagram per
// message to the unix socket named by $NOTIFY_SOCKET. A few lines of our own
// instead of a dependency. Without NOTIFY_SOCKET (not under systemd, or a
// unit that is not Type=notify) every method does nothing.
type notifier struct {
	addr     *net.UnixAddr
	watchdog time.Duration // WATCHDOG_USEC, 0 when the unit has no WatchdogSec
}

// newNotifier reads the protocol's environment through getenv.
func newNotifier(getenv func(string) string) *notifier {
	n := &notifier{}
	path := getenv("NOTIFY_SOCKET")
	if path == "" {
		return n
	}
	if strings.HasPrefix(path, "@") { // abstract socket namespace
		path = "\x00" + path[1:]
	}
	n.addr = &net.UnixAddr{Name: path, Net: "unixgram"}
	// WATCHDOG_PID, when set, names the process the watchdog is for; a
	// child that inherited the environment must not ping for its parent.
	if pid := getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return n
	}
	if usec, err := strconv.ParseInt(getenv("WATCHDOG_USEC"), 10, 64); err == nil && usec > 0 {
		n.watchdog = time.Duration(usec) * time.Microsecond
	}
	return n
}

// send sends one notification ("READY=1", "STATUS=...").
func (n *notifier) send(state string) error {
	if n.addr == nil {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	defer conn.Close()
	if err := conn.SetWriteDeadline(time.Now().Add(time.Second)); err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	return nil
}

// notify sends and logs a failure: systemd not hearing us is worth a line
// in the journal, never a reason to stop taking payments.
func (n *notifier) notify(log zerolog.Logger, state string) {
	if err := n.send(state); err != nil {
		log.Warn().Err(err).Msg("systemd notification lost")
	}
}

// watchdogLoop pings WATCHDOG=1 every half watchdog period while alive
// says the engine is alive, until ctx ends. A stuck engine loop stops the
// pings, and systemd restarts the service.
func (n *notifier) watchdogLoop(ctx context.Context, alive func() error, log zerolog.Logger) {
	if n.addr == nil || n.watchdog <= 0 {
		return
	}
	t := time.NewTicker(n.watchdog / 2)
	defer t.Stop()
	wasStuck := false
	for {
		if err := alive(); err != nil {
			if !wasStuck {
				log.Error().Err(err).Msg("watchdog: not pinging systemd; it will restart the service")
				n.notify(log, "STATUS="+err.Error())
			}
			wasStuck = true
		} else {
			if wasStuck {
				log.Info().Msg("watchdog: engine loops passing again")
				n.notify(log, "STATUS=running")
			}
			wasStuck = false
			n.notify(log, "WATCHDOG=1")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
