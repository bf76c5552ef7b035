package main

import (
	"context"
	"errors"
	"io"
)

// runIntents is not built yet.
func runIntents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("intents: not available in this build yet")
}
