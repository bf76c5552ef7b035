package main

import (
	"context"
	"errors"
	"io"
)

// runDoctor is not built yet.
func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("doctor: not available in this build yet")
}
