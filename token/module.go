// This file holds the process-wide registry of loaded PKCS#11 modules and
// the per-token login state they share.
//
// C_Initialize and C_Finalize act on the whole process, and a token's login
// state belongs to the application, not to a session. So each module is
// loaded once per process and reference-counted: the first user initialises
// it, the last one to close finalises it. Logins are reference-counted per
// slot in the same way: the first Signer of a token logs in, the last one
// logs out. Modules are never unloaded (dlclose): some modules do not
// survive being loaded twice, and finalising is enough to release the token.

package token

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/miekg/pkcs11"
)

// EnvModule is the environment variable naming the default PKCS#11 module.
const EnvModule = "TAMGA_PKCS11_MODULE"

// commonModules are tried, in order, by FindModule.
var commonModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
}

// moduleDirs are searched for the RFC 7512 module-name attribute.
var moduleDirs = []string{
	"/usr/lib/x86_64-linux-gnu/pkcs11",
	"/usr/lib/pkcs11",
	"/usr/lib/x86_64-linux-gnu",
	"/usr/lib/softhsm",
	"/usr/lib",
	"/usr/local/lib",
}

// FindModule returns the PKCS#11 module to use when none is named: the
// TAMGA_PKCS11_MODULE environment variable (read with getenv, os.Getenv if
// nil) if set, else the first of a few common module paths (SoftHSM2,
// OpenSC) that exists.
func FindModule(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := getenv(EnvModule); p != "" {
		return p, nil
	}
	for _, p := range commonModules {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no module given and none found at %s; name one with --module, %s or module-path= in the key URI",
		ErrModule, strings.Join(commonModules, ", "), EnvModule)
}

// moduleByName finds the module for the module-name attribute.
func moduleByName(name string) (string, error) {
	for _, dir := range moduleDirs {
		for _, file := range []string{name + ".so", "lib" + name + ".so", name} {
			p := filepath.Join(dir, file)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%w: no module named %q in %s; use module-path= with the full path", ErrModule, name, strings.Join(moduleDirs, ", "))
}

// module is one loaded PKCS#11 library.
type module struct {
	path string // as the user named it, for messages
	ctx  *pkcs11.Ctx

	mu     sync.Mutex
	refs   int
	owned  bool // our C_Initialize succeeded, so we finalise
	logins map[uint]*slotLogin

	// loginMu serialises logging in, which may wait for a PIN prompt,
	// so that two Opens of one token do not both try a PIN.
	loginMu sync.Mutex
}

// slotLogin is the shared login state of one token.
type slotLogin struct {
	refs   int
	anchor pkcs11.SessionHandle // kept open: closing a token's last session logs it out
	ours   bool                 // we logged in (not someone else in this process)
}

var registry = struct {
	sync.Mutex
	m map[string]*module
}{m: make(map[string]*module)}

// acquireModule loads and initialises the module at path (once per
// process) and takes a reference to it.
func acquireModule(path string) (*module, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%w: the module path %q is not absolute; give the full path", ErrModule, path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w; install the token's PKCS#11 library or give its path", ErrModule, path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%w: %q is a directory, not a PKCS#11 library", ErrModule, path)
	}
	key, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrModule, path, err)
	}
	registry.Lock()
	defer registry.Unlock()
	m := registry.m[key]
	if m == nil {
		ctx := pkcs11.New(key)
		if ctx == nil {
			return nil, fmt.Errorf("%w: %q cannot be loaded as a PKCS#11 library (not a shared library for this system, or it lacks C_GetFunctionList)", ErrModule, path)
		}
		m = &module{path: path, ctx: ctx, logins: make(map[uint]*slotLogin)}
		registry.m[key] = m
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.refs == 0 {
		err := m.ctx.Initialize()
		switch {
		case err == nil:
			m.owned = true
		case isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED):
			// Someone else in this process initialised it; they finalise.
			m.owned = false
		default:
			return nil, fmt.Errorf("%w: %q: C_Initialize failed: %w", ErrModule, path, p11err("C_Initialize", err))
		}
	}
	m.refs++
	return m, nil
}

// release drops a reference; the last one finalises the module.
func (m *module) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refs--
	if m.refs > 0 {
		return
	}
	m.refs = 0
	if m.owned {
		m.ctx.Finalize()
	}
	m.owned = false
	clear(m.logins)
}

// login makes sure the token in slot is logged in as the user and takes a
// reference to that state. The PIN is obtained from pins only if the token
// is not logged in yet; a wrong PIN is reported, never retried. If keep is
// true and a PIN was obtained, login returns it (the caller zeroes it).
// logout must be called once for each successful login.
func (m *module) login(ctx context.Context, slot uint, prompt string, pins pinSource, keep bool) ([]byte, error) {
	m.loginMu.Lock()
	defer m.loginMu.Unlock()
	m.mu.Lock()
	if l := m.logins[slot]; l != nil {
		l.refs++
		m.mu.Unlock()
		return nil, nil
	}
	m.mu.Unlock()

	anchor, err := m.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, p11err("C_OpenSession", err)
	}
	if info, err := m.ctx.GetSessionInfo(anchor); err == nil &&
		(info.State == pkcs11.CKS_RO_USER_FUNCTIONS || info.State == pkcs11.CKS_RW_USER_FUNCTIONS) {
		// Logged in by someone else in this process: no PIN to ask.
		m.mu.Lock()
		m.logins[slot] = &slotLogin{refs: 1, anchor: anchor, ours: false}
		m.mu.Unlock()
		return nil, nil
	}
	pin, err := pins.get(ctx, prompt)
	if err != nil {
		m.ctx.CloseSession(anchor)
		return nil, err
	}
	err = loginWith(m.ctx, anchor, pkcs11.CKU_USER, pin)
	ours := true
	if isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		ours, err = false, nil
	}
	if err != nil || !keep {
		zero(pin)
		pin = nil
	}
	if err != nil {
		m.ctx.CloseSession(anchor)
		return nil, p11err("C_Login", err)
	}
	m.mu.Lock()
	m.logins[slot] = &slotLogin{refs: 1, anchor: anchor, ours: ours}
	m.mu.Unlock()
	return pin, nil
}

// logout drops a login reference; the last one logs out.
func (m *module) logout(slot uint) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.logins[slot]
	if l == nil {
		return
	}
	l.refs--
	if l.refs > 0 {
		return
	}
	delete(m.logins, slot)
	if l.ours {
		m.ctx.Logout(l.anchor)
	}
	m.ctx.CloseSession(l.anchor)
}

// loginWith calls C_Login without turning the PIN into a Go string that
// could not be zeroed: the string shares pin's memory.
func loginWith(ctx *pkcs11.Ctx, s pkcs11.SessionHandle, userType uint, pin []byte) error {
	if len(pin) == 0 {
		return errors.New("empty PIN")
	}
	return ctx.Login(s, userType, unsafe.String(&pin[0], len(pin)))
}
