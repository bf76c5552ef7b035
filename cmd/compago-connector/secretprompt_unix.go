//go:build linux

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// withoutEcho runs read with the terminal's echo off when f is a terminal,
// so that a typed password is not shown.
func withoutEcho(f *os.File, read func() (string, error)) (string, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil { // not a terminal
		return read()
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return read()
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	return read()
}
