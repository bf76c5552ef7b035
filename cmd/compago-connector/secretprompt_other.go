//go:build !linux

package main

import "os"

// withoutEcho reads as is: echo control is implemented on Linux only.
func withoutEcho(_ *os.File, read func() (string, error)) (string, error) { return read() }
