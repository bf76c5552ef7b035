// Package timefmt is the one way times are written for people and for
// programs: local time with its zone in human output (tables, show, logs
// on a terminal), RFC 3339 in JSON and CSV.
package timefmt

import "time"

// HumanLayout is the layout of every time a person reads: the server's
// local time with its zone, "2026-11-27 13:04:05 CST".
const HumanLayout = "2006-01-02 15:04:05 MST"

// Human writes t for a person; the zero time is "-".
func Human(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(HumanLayout)
}

// Machine writes t for a program (CSV, JSON text fields): RFC 3339 in UTC;
// the zero time is "".
func Machine(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
