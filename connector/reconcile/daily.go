package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// WriteDaily writes the report of the 24 hours before now, as CSV, to
// dir/reconcile-YYYY-MM-DD.csv (now's date in now's location) and returns
// the file's path. Written to a temporary file and renamed, so a reader
// never sees half a report; a second run the same day replaces the file.
// A report with discrepancies is still written and is not an error: the
// file is where back office reads them.
func WriteDaily(ctx context.Context, r *Reconciler, dir string, now time.Time) (string, error) {
	rep, err := r.Run(ctx, now.Add(-24*time.Hour), now)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rep); err != nil {
		return "", fmt.Errorf("reconcile: daily report: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("reconcile: daily report directory: %w", err)
	}
	path := filepath.Join(dir, "reconcile-"+now.Format(time.DateOnly)+".csv")
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return "", fmt.Errorf("reconcile: write daily report: %w", err)
	}
	return path, nil
}

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".reconcile-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o640); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
