package main

import (
	"context"
	"errors"
	"io"
)

// runReconcile is not built yet.
func runReconcile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("reconcile: not available in this build yet")
}
