package token

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/testtool"
)

func TestReadPINFile(t *testing.T) {
	tests := []struct {
		content string
		want    string
		err     error
	}{
		{"1234\n", "1234", nil},
		{"1234", "1234", nil},
		{"1234\r\n", "1234", nil},
		{"12 34\n\n", "12 34\n", nil}, // only one newline is removed
		{" 1234 ", " 1234 ", nil},
		{"\n", "", ErrPINRequired},
		{"", "", ErrPINRequired},
		{strings.Repeat("1", maxPINFile+1), "", ErrPINRequired},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.content[:min(len(tt.content), 10)]), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "pin")
			require.NoError(t, os.WriteFile(p, []byte(tt.content), 0o600))
			pin, err := readPINFile(p)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(pin))
		})
	}
}

// The child side of TestTerminalPIN: the test binary runs itself under a
// terminal with this variable set.
const terminalPINChild = "TAMGA_TEST_TERMINALPIN_CHILD"

func terminalPINChildMain() {
	pin, err := TerminalPIN(context.Background(), "Test PIN: ")
	if err != nil {
		fmt.Printf("ERR %v\n", err)
		if errors.Is(err, ErrPINRequired) {
			os.Exit(3)
		}
		os.Exit(2)
	}
	fmt.Printf("PIN-HEX %s\n", hex.EncodeToString(pin))
	os.Exit(0)
}

// TestTerminalPIN runs TerminalPIN on a real pseudo-terminal (util-linux
// script): the PIN typed after the prompt is read and not echoed.
func TestTerminalPIN(t *testing.T) {
	script := testtool.Require(t, "script")
	const pin = "s3cret-Zq7"
	cmd := exec.Command(script, "-qec", shellQuote(os.Args[0])+" -test.run=^$", "/dev/null")
	cmd.Env = append(os.Environ(), terminalPINChild+"=1")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	out := make(chan string, 64)
	go func() {
		r := bufio.NewReader(stdout)
		var b bytes.Buffer
		for {
			c, err := r.ReadByte()
			if err != nil {
				out <- b.String()
				close(out)
				return
			}
			b.WriteByte(c)
			if strings.HasSuffix(b.String(), "Test PIN: ") {
				out <- b.String()
				b.Reset()
			}
		}
	}()
	select {
	case prompt := <-out:
		require.Contains(t, prompt, "Test PIN: ")
	case <-time.After(20 * time.Second):
		t.Fatal("no prompt on the terminal")
	}
	// Only now, with echo off, type the PIN.
	_, err = stdin.Write([]byte(pin + "\n"))
	require.NoError(t, err)
	var rest string
	select {
	case rest = <-out:
	case <-time.After(20 * time.Second):
		t.Fatal("no answer from the child")
	}
	assert.Contains(t, rest, "PIN-HEX "+hex.EncodeToString([]byte(pin)))
	assert.NotContains(t, rest, pin, "the PIN was echoed")
}

// TestTerminalPINNoTerminal: without a controlling terminal, TerminalPIN
// says so with ErrPINRequired.
func TestTerminalPINNoTerminal(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), terminalPINChild+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "%v: %s", err, out)
	assert.Equal(t, 3, ee.ExitCode(), "%s", out)
	assert.Contains(t, string(out), "no terminal")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func TestPINSourceOrder(t *testing.T) {
	file := writePINFile(t, "from-file")
	cb := func(context.Context, string) ([]byte, error) { return []byte("from-callback"), nil }
	tests := []struct {
		name string
		src  pinSource
		want string
	}{
		{"file first", pinSource{file: file, getenv: envOf(EnvPIN, "from-env"), callback: cb}, "from-file"},
		{"then env", pinSource{getenv: envOf(EnvPIN, "from-env"), callback: cb}, "from-env"},
		{"then callback", pinSource{getenv: envOf(), callback: cb}, "from-callback"},
	}
	for _, tt := range tests {
		pin, err := tt.src.get(context.Background(), "PIN: ")
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, string(pin), tt.name)
	}
	_, err := pinSource{getenv: envOf()}.get(context.Background(), "PIN: ")
	require.ErrorIs(t, err, ErrPINRequired)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = pinSource{getenv: envOf(), callback: func(ctx context.Context, _ string) ([]byte, error) {
		return nil, ctx.Err()
	}}.get(ctx, "PIN: ")
	require.ErrorIs(t, err, context.Canceled)
	_, err = pinSource{getenv: envOf(), callback: func(context.Context, string) ([]byte, error) { return nil, nil }}.get(ctx, "PIN: ")
	require.ErrorIs(t, err, ErrPINRequired, "an empty PIN is refused")
}
