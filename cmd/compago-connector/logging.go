package main

import (
	"fmt"
	"io"
	"os"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/connector/timefmt"
)

// newLogger builds the zerolog logger of log.level and log.format: JSON
// lines by default (journald and log shippers), console when asked, with
// colour only when it is written to a terminal. Times are RFC 3339 in JSON
// and local with their zone on the console (timefmt).
func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("log.level: %q is not one of debug, info, warn, error", level)
	}
	switch format {
	case "", "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: timefmt.HumanLayout, NoColor: !isTerminal(w)}
	default:
		return zerolog.Nop(), fmt.Errorf("log.format: %q is not json or console", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// isTerminal tells whether w is a character device (a terminal), not a
// file, a pipe or a buffer.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
