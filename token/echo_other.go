//go:build !linux

package token

// echoOff is a no-op where termios is not wired up: term.ReadPassword
// still turns echo off, from the moment it starts reading.
func echoOff(int) error { return nil }
