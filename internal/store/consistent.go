package store

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Read-your-writes across nodes. nats.go reads a KV key with a "direct
// get", which any replica of the bucket's stream may answer, a follower
// included, before it has applied a write acknowledged through another
// node: a session created through node A could read as missing on node B
// for a moment. NATS's documentation says reads that must be current go to
// the stream leader as a message get (STREAM.MSG.GET), which only the
// leader answers; nats-server 2.15 has no consistency option on direct
// gets. So on a replicated bucket every Get is a message get, through
// nats.go's own JetStream API, and only while the stream has no leader
// (an election, a few seconds after a node dies) does a Get fall back to a
// direct get: an answer that may be a moment old beats no answer.

// leaderWait bounds a leader read before the fallback: a leader answers
// in milliseconds, so a longer silence means there is none right now.
const leaderWait = 2 * time.Second

// Headers of a KV entry's message (ADR-8) that mark a delete or purge.
const (
	kvOperationHeader = "KV-Operation"
	kvDelete          = "DEL"
	kvPurge           = "PURGE"
)

// validKey is nats.go's rule for a KV key, checked before the request as
// nats.go's own Get does.
var validKey = regexp.MustCompile(`^[-/_=\.a-zA-Z0-9]+$`)

// leaderKV is a replicated bucket whose Get reads from its stream's leader.
type leaderKV struct {
	jetstream.KeyValue
	js nats.JetStreamContext
}

// leaderReads returns kv, a bucket of replicas copies (nil when it could
// not be opened), reading from its stream's leader when it has more than
// one copy on a shared store; else kv itself (one copy cannot be behind).
func (r replicated) leaderReads(kv jetstream.KeyValue, replicas int) jetstream.KeyValue {
	if kv == nil || replicas <= 1 || r.legacy == nil {
		return kv
	}
	return leaderKV{KeyValue: kv, js: r.legacy}
}

// Get returns the latest entry of key as the stream leader has it, or as
// any replica has it when the leader read fails while ctx lasts. Errors
// are those of jetstream.KeyValue.Get: ErrInvalidKey, ErrKeyNotFound, and
// ErrKeyDeleted with the delete marker's entry.
func (k leaderKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	if !validKey.MatchString(key) || strings.HasPrefix(key, ".") || strings.HasSuffix(key, ".") || strings.Contains(key, "..") {
		return nil, jetstream.ErrInvalidKey
	}
	lctx, cancel := context.WithTimeout(ctx, leaderWait)
	defer cancel()
	m, err := k.js.GetLastMsg("KV_"+k.Bucket(), "$KV."+k.Bucket()+"."+key, nats.Context(lctx))
	switch {
	case errors.Is(err, nats.ErrMsgNotFound):
		return nil, jetstream.ErrKeyNotFound
	case err != nil && ctx.Err() == nil:
		// No leader answered in time, or one answered that it cannot
		// serve now (an election): any replica's answer beats none.
		return k.KeyValue.Get(ctx, key)
	case err != nil:
		return nil, err
	}
	e := &leaderEntry{bucket: k.Bucket(), key: key, msg: m, op: jetstream.KeyValuePut}
	switch m.Header.Get(kvOperationHeader) {
	case kvDelete:
		e.op = jetstream.KeyValueDelete
	case kvPurge:
		e.op = jetstream.KeyValuePurge
	case "":
		// A marker the server left when a per-key TTL ran out.
		switch m.Header.Get(jetstream.MarkerReasonHeader) {
		case "MaxAge", "Purge":
			e.op = jetstream.KeyValuePurge
		case "Remove":
			e.op = jetstream.KeyValueDelete
		}
	}
	if e.op != jetstream.KeyValuePut {
		return e, jetstream.ErrKeyDeleted
	}
	return e, nil
}

// leaderEntry is a KV entry read by a message get.
type leaderEntry struct {
	bucket, key string
	msg         *nats.RawStreamMsg
	op          jetstream.KeyValueOp
}

func (e *leaderEntry) Bucket() string                  { return e.bucket }
func (e *leaderEntry) Key() string                     { return e.key }
func (e *leaderEntry) Value() []byte                   { return e.msg.Data }
func (e *leaderEntry) Revision() uint64                { return e.msg.Sequence }
func (e *leaderEntry) Created() time.Time              { return e.msg.Time }
func (e *leaderEntry) Delta() uint64                   { return 0 }
func (e *leaderEntry) Operation() jetstream.KeyValueOp { return e.op }
