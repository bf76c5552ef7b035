package connector

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// CrashEnv names the environment variable that makes the process kill
// itself (SIGKILL) at a named recovery point, for the fault tests of
// connector/faulttest: "<point>" or "<point>:<n>" crashes when the point
// is reached the n-th time (default 1). Unset, crashPoint does nothing.
const CrashEnv = "COMPAGO_CONNECTOR_CRASH_AT"

// StallEnv names the environment variable that makes the process stop
// itself (SIGSTOP) at a named recovery point, the same names and the same
// "<point>:<n>" form as CrashEnv: a frozen VM or a swap storm at the worst
// moment, for the multi-daemon tests, which resume the process with
// SIGCONT. Unset, it does nothing.
const StallEnv = "COMPAGO_CONNECTOR_STALL_AT"

// Recovery points, in the order a payment meets them.
const (
	CrashAfterBegin      = "after-begin"       // write-ahead recorded, nothing sent
	CrashAfterCreate     = "after-create"      // Compago created the intent, journal not told
	CrashAfterPending    = "after-pending"     // intent id recorded as pending
	CrashAfterConfirmed  = "after-confirmed"   // charge recorded, payment not in Odoo
	CrashAfterAddPayment = "after-add-payment" // payment line in Odoo, journal still confirmed
	CrashAfterWizard     = "after-wizard"      // order completed in Odoo, journal still confirmed
	CrashAfterOdooWrite  = "after-odoo-write"  // order's fields written, version not marked synced
)

// crashAt is the point to crash at and how many passes are left before it;
// read once when the package loads, so a process is configured at start.
var (
	crashAt   string
	crashLeft atomic.Int64
	stallAt   string
	stallLeft atomic.Int64
)

func init() {
	crashAt = pointSpec(os.Getenv(CrashEnv), &crashLeft)
	stallAt = pointSpec(os.Getenv(StallEnv), &stallLeft)
}

// pointSpec parses "<point>" or "<point>:<n>", storing n (default 1).
func pointSpec(spec string, left *atomic.Int64) string {
	if spec == "" {
		return ""
	}
	name, n, ok := strings.Cut(spec, ":")
	count := int64(1)
	if ok {
		if v, err := strconv.ParseInt(n, 10, 64); err == nil && v > 0 {
			count = v
		}
	}
	left.Store(count)
	return name
}

// crashPoint kills the process when the named point is reached for the
// configured time. It costs one string comparison when no crash is set.
func crashPoint(name string) {
	if stallAt == name && stallLeft.Add(-1) == 0 {
		stopSelf() // returns once someone sends SIGCONT
	}
	if crashAt != name {
		return
	}
	if crashLeft.Add(-1) == 0 {
		// SIGKILL on Unix: no deferred function, no journal close, as
		// when the power goes.
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Kill()
		}
		select {} // the signal is on its way
	}
}
