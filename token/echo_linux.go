//go:build linux

package token

import "golang.org/x/sys/unix"

// echoOff turns off echo on the terminal fd before the prompt is shown,
// so that a PIN typed the moment the prompt appears is never displayed
// (term.ReadPassword turns echo off only once it starts reading).
func echoOff(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Lflag &^= unix.ECHO
	t.Lflag |= unix.ICANON | unix.ISIG
	t.Iflag |= unix.ICRNL
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
