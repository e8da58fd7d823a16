package registry

// This file holds the audit log's writer: group commit of RecordCheck.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The rules require every check to be recorded, so RecordCheck returns
// only once its record is committed. One INSERT per request costs a
// transaction (and with SQLite an fsync) each; under load that was about a
// tenth of the verifier's time. So one writer goroutine commits the
// records that are waiting as one multi-row INSERT — one transaction — and
// answers each caller. It does not wait to fill a batch: a batch is
// whatever queued while the previous commit ran, so a lone check is
// written at once and a burst shares commits.
const (
	maxAuditBatch   = 256              // records per INSERT; 5 parameters each
	auditCommitTime = 10 * time.Second // a batch's commit gives up after this
)

// ErrClosed is returned by RecordCheck after Close.
var ErrClosed = errors.New("registry: the registry is closed")

type auditRequest struct {
	c    Check
	done chan error // buffered: the writer never waits for the caller
}

type auditWriter struct {
	reqs      chan *auditRequest
	closing   chan struct{}
	closeOnce sync.Once
	stopped   chan struct{}
	// statements and records count the INSERTs run and the records they
	// carried, for tests and benchmarks of the batching.
	statements, records atomic.Int64
}

func (r *Registry) startAuditWriter() {
	r.audit = &auditWriter{reqs: make(chan *auditRequest), closing: make(chan struct{}), stopped: make(chan struct{})}
	go r.writeAudit()
}

// stopAuditWriter commits what is queued and stops the writer; later
// RecordCheck calls get ErrClosed.
func (r *Registry) stopAuditWriter() {
	r.audit.closeOnce.Do(func() { close(r.audit.closing) })
	<-r.audit.stopped
}

// enqueue hands c to the writer and waits until it is committed. Once
// handed over, the record is committed or fails whatever ctx does, and
// the caller learns which (within auditCommitTime), so that no caller is
// told a record failed that in fact landed.
func (r *Registry) enqueue(ctx context.Context, c Check) error {
	req := &auditRequest{c: c, done: make(chan error, 1)}
	select {
	case r.audit.reqs <- req:
	case <-r.audit.closing:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("registry: record check: %w", ctx.Err())
	}
	return <-req.done
}

func (r *Registry) writeAudit() {
	a := r.audit
	defer close(a.stopped)
	batch := make([]*auditRequest, 0, maxAuditBatch)
	for {
		var first *auditRequest
		select {
		case first = <-a.reqs:
		case <-a.closing:
			// Commit whoever handed a record over before closing was seen.
			for {
				select {
				case req := <-a.reqs:
					r.commitAudit([]*auditRequest{req})
					continue
				default:
				}
				return
			}
		}
		batch = append(batch[:0], first)
	collect:
		for len(batch) < maxAuditBatch {
			select {
			case req := <-a.reqs:
				batch = append(batch, req)
			default:
				break collect
			}
		}
		r.commitAudit(batch)
	}
}

// commitAudit inserts the batch in one statement; if that fails, each
// record is tried alone so that one failure is reported to its caller
// only.
func (r *Registry) commitAudit(batch []*auditRequest) {
	ctx, cancel := context.WithTimeout(context.Background(), auditCommitTime)
	defer cancel()
	err := r.insertChecks(ctx, batch)
	if err == nil || len(batch) == 1 {
		for _, req := range batch {
			req.done <- err
		}
		return
	}
	for _, req := range batch {
		req.done <- r.insertChecks(ctx, []*auditRequest{req})
	}
}

func (r *Registry) insertChecks(ctx context.Context, batch []*auditRequest) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO checks (at, kind, subject, outcome, client_hash) VALUES `)
	args := make([]any, 0, 5*len(batch))
	for i, req := range batch {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
		c := req.c
		args = append(args, c.At.UTC().UnixMicro(), c.Kind, c.Subject, c.Outcome, c.ClientHash)
	}
	r.audit.statements.Add(1)
	r.audit.records.Add(int64(len(batch)))
	if _, err := r.db.ExecContext(ctx, r.d.rebind(q.String()), args...); err != nil {
		return fmt.Errorf("registry: record check: %w", err)
	}
	return nil
}
