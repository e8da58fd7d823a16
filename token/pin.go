// This file holds how a PIN (or a PKCS#12 password) is obtained: from the
// URI's pin-source file, the TAMGA_PIN environment variable, or an
// interactive callback such as TerminalPIN — never from a command-line flag.

package token

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// EnvPIN is the environment variable a PIN is read from when the key URI
// has no pin-source.
const EnvPIN = "TAMGA_PIN"

// maxPINFile bounds the size of a pin-source file.
const maxPINFile = 4 << 10

// A PINFunc asks for a PIN interactively. prompt names the token or file
// and ends with ": ". This package zeroes the returned slice after use, so
// it must not be one the function keeps.
type PINFunc func(ctx context.Context, prompt string) ([]byte, error)

// pinSource obtains a PIN in tamga's fixed order.
type pinSource struct {
	file     string // pin-source path from the URI, or ""
	getenv   func(string) string
	callback PINFunc
}

// get returns the PIN: from the pin-source file (one trailing newline
// removed), else TAMGA_PIN, else the callback, else ErrPINRequired. The
// caller must zero the result.
func (p pinSource) get(ctx context.Context, prompt string) ([]byte, error) {
	if p.file != "" {
		return readPINFile(p.file)
	}
	if p.getenv != nil {
		if v := p.getenv(EnvPIN); v != "" {
			return []byte(v), nil
		}
	}
	if p.callback != nil {
		pin, err := p.callback(ctx, prompt)
		if err != nil {
			if errors.Is(err, ErrPINRequired) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: asking for it failed: %w", ErrPINRequired, err)
		}
		if len(pin) == 0 {
			return nil, fmt.Errorf("%w: an empty PIN was entered", ErrPINRequired)
		}
		return pin, nil
	}
	return nil, fmt.Errorf("%w: add pin-source=file:/path to the key URI, set %s, or run in a terminal", ErrPINRequired, EnvPIN)
}

// nonInteractive reports whether a PIN is available without asking.
func (p pinSource) nonInteractive() bool {
	return p.file != "" || (p.getenv != nil && p.getenv(EnvPIN) != "")
}

func readPINFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read the pin-source file: %w", ErrPINRequired, err)
	}
	defer f.Close()
	buf := make([]byte, maxPINFile+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		zero(buf)
		return nil, fmt.Errorf("%w: cannot read the pin-source file %s: %w", ErrPINRequired, path, err)
	}
	if n > maxPINFile {
		zero(buf)
		return nil, fmt.Errorf("%w: the pin-source file %s is larger than %d bytes; it should hold only the PIN", ErrPINRequired, path, maxPINFile)
	}
	pin := buf[:n]
	// One trailing newline, as editors and "echo" add; a PIN may contain
	// other white space.
	if bytes.HasSuffix(pin, []byte("\n")) {
		pin = pin[:len(pin)-1]
		if bytes.HasSuffix(pin, []byte("\r")) {
			pin = pin[:len(pin)-1]
		}
	}
	if len(pin) == 0 {
		zero(buf)
		return nil, fmt.Errorf("%w: the pin-source file %s is empty", ErrPINRequired, path)
	}
	out := bytes.Clone(pin)
	zero(buf)
	return out, nil
}

// zero overwrites b, so that a PIN does not linger in memory longer than
// needed. (Copies made by the PKCS#11 wrapper in C memory and Go strings
// such as the environment are out of reach.)
func zero(b []byte) {
	clear(b)
}

// TerminalPIN asks for a PIN on the controlling terminal (/dev/tty) with
// echo turned off, so that it works even when standard input and output are
// redirected. Without a terminal it returns ErrPINRequired. If ctx is
// cancelled while it waits, the terminal's echo is restored and ctx.Err()
// returned.
func TerminalPIN(ctx context.Context, prompt string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: there is no terminal to ask for it; set %s or add pin-source=file:/path to the key URI", ErrPINRequired, EnvPIN)
	}
	fd := int(tty.Fd())
	if !term.IsTerminal(fd) {
		tty.Close()
		return nil, fmt.Errorf("%w: /dev/tty is not a terminal; set %s or add pin-source=file:/path to the key URI", ErrPINRequired, EnvPIN)
	}
	state, err := term.GetState(fd)
	if err != nil {
		tty.Close()
		return nil, fmt.Errorf("%w: cannot use the terminal: %w", ErrPINRequired, err)
	}
	if err := echoOff(fd); err != nil {
		tty.Close()
		return nil, fmt.Errorf("%w: cannot turn off echo on the terminal: %w", ErrPINRequired, err)
	}
	if _, err := io.WriteString(tty, prompt); err != nil {
		term.Restore(fd, state)
		tty.Close()
		return nil, fmt.Errorf("%w: cannot write to the terminal: %w", ErrPINRequired, err)
	}
	type result struct {
		pin []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		pin, err := term.ReadPassword(fd)
		done <- result{pin, err}
	}()
	select {
	case r := <-done:
		term.Restore(fd, state)
		io.WriteString(tty, "\n")
		tty.Close()
		if r.err != nil {
			zero(r.pin)
			return nil, fmt.Errorf("%w: reading from the terminal failed: %w", ErrPINRequired, r.err)
		}
		return r.pin, nil
	case <-ctx.Done():
		// The reading goroutine stays blocked until a line is typed or the
		// program exits; restore echo now so that the terminal is usable.
		term.Restore(fd, state)
		io.WriteString(tty, "\n")
		go func() {
			r := <-done
			zero(r.pin)
			tty.Close()
		}()
		return nil, ctx.Err()
	}
}
