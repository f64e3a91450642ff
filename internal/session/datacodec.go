package session

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/easy-api/easy-api/internal/apperr"
)

// A data file of a 1 GiB profile is over a gigabyte of JSON, nearly all of
// it one base64 string. Both directions stream it: encodeDataFile writes
// the snapshot through a base64 encoder as it is taken, and decodeDataFile
// hands the decoded snapshot to its consumer while reading, so neither
// holds more than a buffer of it. encoding/json has no way to stream one
// string value, so the decoder reads every other value with json.Decoder
// and only the profile's data string by hand.

// encodeDataFile writes df as JSON; when snapshot is non-nil it writes the
// profile snapshot (tar+gzip) into the "data" string, followed by its size
// and SHA-256 (JSON readers do not care about key order).
func encodeDataFile(w io.Writer, df DataFile, snapshot func(io.Writer) error) error {
	head := df
	head.Profile = nil
	b, err := json.Marshal(head)
	if err != nil {
		return err
	}
	if snapshot == nil {
		_, err := w.Write(b)
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(b[:len(b)-1]) // reopen the object; bufio keeps the first error
	bw.WriteString(`,"profile":{"format":"tar+gzip","data":"`)
	sum, n := sha256.New(), &countWriter{}
	enc := base64.NewEncoder(base64.StdEncoding, bw)
	if err := snapshot(io.MultiWriter(enc, sum, n)); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	fmt.Fprintf(bw, `","size":%d,"sha256":"%s"}}`, n.n, hex.EncodeToString(sum.Sum(nil)))
	return bw.Flush()
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// decodeDataFile reads one data file from r. The profile snapshot, decoded
// from base64, goes to snapshot as it is read (nil: it is only checked);
// its size and SHA-256 are verified once the whole file is read, so a
// consumer must treat what it wrote as provisional until this returns nil.
// Every problem with the file is an apperr Invalid naming the field.
func decodeDataFile(r io.Reader, snapshot func(io.Reader) error) (DataFile, error) {
	d := &dataDecoder{src: r, dec: json.NewDecoder(r), snapshot: snapshot}
	if err := d.file(); err != nil {
		if c, ok := errors.AsType[consumerError](err); ok {
			return DataFile{}, c.err // the snapshot's consumer's own error, a write failure say
		}
		if _, ok := errors.AsType[*apperr.Error](err); ok {
			return DataFile{}, err
		}
		return DataFile{}, apperr.Field("body", "is not a session data file (truncated or corrupted JSON: %v)", err)
	}
	if p := d.df.Profile; p != nil {
		switch {
		case p.Format != "tar+gzip":
			return DataFile{}, apperr.Field("profile.format", "%q is not supported (want tar+gzip)", truncate(p.Format, 20))
		case !d.sawData:
			return DataFile{}, apperr.Field("profile.data", "is missing")
		case int64(p.Size) != d.size || p.SHA256 != hex.EncodeToString(d.sum):
			return DataFile{}, apperr.Field("profile.data", "does not match its size and sha256 (truncated or corrupted)")
		}
	}
	return d.df, nil
}

type dataDecoder struct {
	src      io.Reader
	dec      *json.Decoder
	snapshot func(io.Reader) error
	df       DataFile
	sawData  bool
	size     int64
	sum      []byte
}

// file reads the top-level object and checks that nothing follows it.
func (d *dataDecoder) file() error {
	if err := d.delim('{'); err != nil {
		return err
	}
	err := d.fields(func(key string) error {
		switch key {
		case "version":
			return d.dec.Decode(&d.df.Version)
		case "session":
			return d.dec.Decode(&d.df.Session)
		case "kind":
			return d.dec.Decode(&d.df.Kind)
		case "wid":
			return d.dec.Decode(&d.df.WID)
		case "created":
			return d.dec.Decode(&d.df.Created)
		case "legacy":
			return d.dec.Decode(&d.df.Legacy)
		case "profile":
			return d.profile()
		}
		var skip json.RawMessage
		return d.dec.Decode(&skip)
	})
	if err != nil {
		return err
	}
	if _, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the end of the file")
	}
	return nil
}

func (d *dataDecoder) profile() error {
	t, err := d.dec.Token()
	if err != nil || t == nil {
		return err // null: no profile
	}
	if t != json.Delim('{') {
		return apperr.Field("profile", "must be an object")
	}
	d.df.Profile = &ProfileBlob{}
	return d.fields(func(key string) error {
		switch key {
		case "format":
			return d.dec.Decode(&d.df.Profile.Format)
		case "size":
			return d.dec.Decode(&d.df.Profile.Size)
		case "sha256":
			return d.dec.Decode(&d.df.Profile.SHA256)
		case "data":
			return d.data()
		}
		var skip json.RawMessage
		return d.dec.Decode(&skip)
	})
}

// fields calls fn for each key of an object whose '{' has been read, with
// the decoder before the key's value, and reads the closing '}'.
func (d *dataDecoder) fields(fn func(key string) error) error {
	for d.dec.More() {
		t, err := d.dec.Token()
		if err != nil {
			return err
		}
		if err := fn(t.(string)); err != nil { // More in an object: a key
			return err
		}
	}
	return d.delim('}')
}

func (d *dataDecoder) delim(want json.Delim) error {
	t, err := d.dec.Token()
	if err != nil {
		return err
	}
	if t != want {
		return fmt.Errorf("want %v, found %v", want, t)
	}
	return nil
}

// data streams the profile's data string: it takes over the input where
// the decoder stands (after the key), reads the string through a base64
// decoder into the snapshot consumer, then resumes a decoder after it.
func (d *dataDecoder) data() error {
	if d.sawData {
		return apperr.Field("profile.data", "appears twice")
	}
	d.sawData = true
	br := bufio.NewReaderSize(io.MultiReader(d.dec.Buffered(), d.src), 64<<10)
	if err := expectByte(br, ':'); err != nil {
		return err
	}
	if err := expectByte(br, '"'); err != nil {
		return apperr.Field("profile.data", "must be a base64 string")
	}
	str := &jsonString{r: br}
	sum := sha256.New()
	decoded := &hashReader{r: base64.NewDecoder(base64.StdEncoding, str), h: sum}
	if d.snapshot != nil {
		if err := d.snapshot(decoded); err != nil {
			if str.err != nil {
				return str.err // the file's fault, whatever the consumer made of it
			}
			return consumerError{err}
		}
	}
	if _, err := io.Copy(io.Discard, decoded); err != nil {
		if str.err != nil {
			return str.err
		}
		return apperr.Field("profile.data", "is not valid base64: %v", err)
	}
	d.size, d.sum = decoded.n, sum.Sum(nil)
	// The rest of the profile object and of the file follow; a decoder
	// needs to start at a value, so it is given the two open objects again.
	d.src = br
	d.dec = json.NewDecoder(io.MultiReader(strings.NewReader(`{"":{"":""`), br))
	for range 5 {
		if _, err := d.dec.Token(); err != nil {
			return err
		}
	}
	return nil
}

// consumerError carries the snapshot consumer's error through the decoder.
type consumerError struct{ err error }

func (c consumerError) Error() string { return c.err.Error() }

// expectByte skips JSON whitespace and reads want.
func expectByte(r *bufio.Reader, want byte) error {
	for {
		c, err := r.ReadByte()
		if err != nil {
			return err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case want:
			return nil
		}
		return fmt.Errorf("want %q, found %q", want, c)
	}
}

// jsonString reads the content of a JSON string whose opening quote has
// been read, up to its closing quote. Base64 needs no escapes but "\/",
// which some encoders write; any other escape is refused. (Raw control
// characters are left to the base64 decoder, which refuses all but line
// breaks.) It reads in bulk: a gigabyte of base64 byte by byte is slow.
type jsonString struct {
	r    *bufio.Reader
	done bool
	err  error
}

func (s *jsonString) Read(p []byte) (int, error) {
	if s.done {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := s.r.Peek(1); err != nil {
		s.err = apperr.Field("body", "is truncated: the file ends inside profile.data")
		return 0, s.err
	}
	chunk, _ := s.r.Peek(min(len(p), s.r.Buffered()))
	end := len(chunk)
	if i := bytes.IndexByte(chunk, '"'); i >= 0 {
		end = i
	}
	if i := bytes.IndexByte(chunk[:end], '\\'); i >= 0 {
		end = i
	}
	if end > 0 {
		n := copy(p, chunk[:end])
		_, _ = s.r.Discard(n)
		return n, nil
	}
	if chunk[0] == '"' {
		_, _ = s.r.Discard(1)
		s.done = true
		return 0, io.EOF
	}
	if esc, err := s.r.Peek(2); err != nil || esc[1] != '/' {
		s.err = apperr.Field("profile.data", "must be a base64 string (found an escape)")
		return 0, s.err
	}
	_, _ = s.r.Discard(2)
	p[0] = '/'
	return 1, nil
}

// hashReader hashes and counts what is read through it.
type hashReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// ParseDataFile decodes and validates a data file for session id held in
// memory (small files: legacy tokens, seeds); every problem is a 400 that
// says what is wrong.
func ParseDataFile(b []byte, id string) (DataFile, error) {
	df, err := decodeDataFile(bytes.NewReader(b), validateSnapshot)
	if err != nil {
		return DataFile{}, err
	}
	return df, checkDataFile(df, id)
}
