package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// A snapshot is put into the object store by our own writer rather than by
// nats.go's ObjectStore.Put, because Put publishes a whole object with up to
// 4,000 chunks awaiting their acks and that cannot be set: the embedded
// server queues whatever the client sends ahead of the disk (up to its
// 128 MB stream ingest limit, and past it Put fails with 429), so a 500 MB
// snapshot lifted the process's RSS by hundreds of MB. This writer keeps
// snapshotInFlight chunks unacknowledged at most. It writes the object
// store's own layout (NATS ADR-20, as nats.go v1.55 reads it): the chunks on
// $O.<bucket>.C.<nuid>, then the ObjectInfo on $O.<bucket>.M.<name> as a
// subject rollup, then the previous version's chunks purged. Reads, info
// and deletes stay nats.go's.
const (
	snapshotChunkSize = 128 << 10
	snapshotInFlight  = 8
)

// putObject writes the object name of bucket from r through js. A crash or
// error before the meta message is published leaves the previous version
// whole (the new chunks are purged when possible, else they are orphans
// nothing refers to).
func putObject(ctx context.Context, js jetstream.JetStream, obj jetstream.ObjectStore, stream jetstream.Stream, bucket, name string, r io.Reader) error {
	prev, err := obj.GetInfo(ctx, name, jetstream.GetObjectInfoShowDeleted())
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return err
	}
	info := &jetstream.ObjectInfo{
		ObjectMeta: jetstream.ObjectMeta{Name: name, Opts: &jetstream.ObjectMetaOptions{ChunkSize: snapshotChunkSize}},
		Bucket:     bucket,
		NUID:       nuid.Next(),
	}
	chunks := fmt.Sprintf("$O.%s.C.%s", bucket, info.NUID)
	if err := putChunks(ctx, js, chunks, r, info); err != nil {
		// Best effort, on a context that outlives a cancelled ctx.
		_ = stream.Purge(context.WithoutCancel(ctx), jetstream.WithPurgeSubject(chunks))
		return err
	}
	meta, err := json.Marshal(info)
	if err != nil {
		return err
	}
	m := nats.NewMsg(fmt.Sprintf("$O.%s.M.%s", bucket, base64.URLEncoding.EncodeToString([]byte(name))))
	m.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
	m.Data = meta
	if _, err := js.PublishMsg(ctx, m); err != nil {
		return err
	}
	if prev != nil && !prev.Deleted {
		// The new version is in place; a failure here only leaves dead chunks.
		_ = stream.Purge(ctx, jetstream.WithPurgeSubject(fmt.Sprintf("$O.%s.C.%s", bucket, prev.NUID)))
	}
	return nil
}

// putChunks publishes r in chunks on subject, each from its own buffer
// (a publish may be retried from it until acknowledged), waiting for the
// oldest ack whenever snapshotInFlight are pending. It fills in info's size,
// chunk count and digest.
func putChunks(ctx context.Context, js jetstream.JetStream, subject string, r io.Reader, info *jetstream.ObjectInfo) error {
	h := sha256.New()
	var pending []jetstream.PubAckFuture
	bufs := make([][]byte, snapshotInFlight)
	for i := 0; ; i++ {
		if len(pending) == snapshotInFlight {
			if err := awaitAck(ctx, pending[0]); err != nil {
				return err
			}
			pending = pending[1:]
		}
		buf := bufs[i%snapshotInFlight]
		if buf == nil {
			buf = make([]byte, snapshotChunkSize)
			bufs[i%snapshotInFlight] = buf
		}
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			f, perr := js.PublishMsgAsync(&nats.Msg{Subject: subject, Data: buf[:n]})
			if perr != nil {
				return perr
			}
			pending = append(pending, f)
			info.Size += uint64(n)
			info.Chunks++
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	for _, f := range pending {
		if err := awaitAck(ctx, f); err != nil {
			return err
		}
	}
	info.Digest = jetstream.GetObjectDigestValue(h)
	return nil
}

// awaitAck waits for one publish's ack, or its error, or the end of ctx.
func awaitAck(ctx context.Context, f jetstream.PubAckFuture) error {
	select {
	case <-f.Ok():
		return nil
	case err := <-f.Err():
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
