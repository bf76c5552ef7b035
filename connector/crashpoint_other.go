//go:build !unix

package connector

// stopSelf does nothing where there is no SIGSTOP.
func stopSelf() {}
