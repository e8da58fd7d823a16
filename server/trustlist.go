package server

// This file holds the reload of the seal trust list while the server runs.
//
// The operator publishes a new list when a seal key is added or revoked,
// and a verifier that kept serving the old one would go on accepting seals
// of a revoked key. So the list in use can be replaced at any time: on
// SIGHUP, and when its files change. A new list is used only once its
// signature verifies (the caller's load function checks it) and only if it
// is not older than the one in use, since a replayed older list could bring
// a revoked key back; otherwise the list in use stays and the error is
// logged.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/tamgasign/tamga/barcode/seal"
)

// ErrSealTrustListOlder is returned by ReloadSealTrustList for a list whose
// sequence number is lower than that of the list in use.
var ErrSealTrustListOlder = errors.New("server: the new seal trust list is older (lower sequence) than the one in use; publish the newest list")

// sealTrustList is the seal trust list in use, or nil.
func (s *Server) sealTrustList() *seal.TrustList { return s.sealList.Load() }

// ReloadSealTrustList loads a seal trust list with load, which must verify
// its signature (as seal.ParseTrustList does), and serves it from then on,
// unless load fails or the list is older than the one in use: then the
// list in use stays, and the error is logged and returned.
func (s *Server) ReloadSealTrustList(load func() (*seal.TrustList, error)) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	tl, err := load()
	if err == nil && tl == nil {
		err = errors.New("server: the seal trust list loader returned no list")
	}
	cur := s.sealList.Load()
	if err == nil && cur != nil && tl.Sequence < cur.Sequence {
		err = fmt.Errorf("%w (new %d, in use %d)", ErrSealTrustListOlder, tl.Sequence, cur.Sequence)
	}
	if err != nil {
		attrs := []slog.Attr{slog.String("error", err.Error())}
		if cur != nil {
			attrs = append(attrs, slog.Uint64("sequence_in_use", cur.Sequence))
		}
		s.log.LogAttrs(context.Background(), slog.LevelError, "seal trust list not reloaded; the list in use stays", attrs...)
		return err
	}
	s.sealList.Store(tl)
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "seal trust list loaded",
		slog.Uint64("sequence", tl.Sequence), slog.Int("keys", len(tl.Keys)), slog.Time("next_update", tl.NextUpdate))
	return nil
}

// WatchSealTrustList reloads the seal trust list (ReloadSealTrustList)
// whenever a value arrives on hup (such as SIGHUP from signal.Notify), and,
// when interval is positive, whenever the modification time or size of one
// of files has changed and then stayed the same for one interval, looking
// every interval. A list that fails to load is not retried until its files
// change again or hup fires, so a bad file is logged once, not at every
// look. It returns when ctx is done.
func (s *Server) WatchSealTrustList(ctx context.Context, load func() (*seal.TrustList, error), files []string, interval time.Duration, hup <-chan os.Signal) {
	// The first look reloads: the files may have changed since the list in
	// use was loaded and before this watcher started.
	last, pending := "", ""
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			last = fileStamps(files)
			s.ReloadSealTrustList(load)
		case <-tick:
			now := fileStamps(files)
			if now == last {
				pending = ""
				continue
			}
			// A list and its signature are two files: reload once they
			// have stayed the same for a whole interval, so a half-written
			// pair is not read (and logged as bad).
			if now != pending {
				pending = now
				continue
			}
			last, pending = now, ""
			s.ReloadSealTrustList(load)
		}
	}
}

// fileStamps is the modification time and size of each file, as one
// comparable string; a file that cannot be read stats as missing.
func fileStamps(files []string) string {
	var b []byte
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			b = fmt.Appendf(b, "%d:%d;", st.ModTime().UnixNano(), st.Size())
		} else {
			b = append(b, "-;"...)
		}
	}
	return string(b)
}
