package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// userAgent identifies our requests to receivers.
const userAgent = "easy-api-webhooks/1"

// result is the outcome of one delivery attempt.
type result struct {
	code       int
	latency    time.Duration
	err        error
	body       string        // start of the response body, for the log
	retryAfter time.Duration // < 0: none given
}

func (r result) ok() bool { return r.err == nil && r.code >= 200 && r.code < 300 }

// final reports a refusal that retrying cannot fix: 4xx other than 408
// (timeout) and 429 (rate limited).
func (r result) final() bool {
	return r.err == nil && r.code >= 400 && r.code < 500 &&
		r.code != http.StatusRequestTimeout && r.code != http.StatusTooManyRequests
}

func (r result) errText() string {
	switch {
	case r.err != nil:
		return r.err.Error()
	case r.ok():
		return ""
	case r.body != "":
		return fmt.Sprintf("HTTP %d: %s", r.code, r.body)
	}
	return fmt.Sprintf("HTTP %d", r.code)
}

// send POSTs body to the webhook, signed as message msgID.
func (o *Outbox) send(ctx context.Context, t *target, msgID string, body []byte) result {
	res := result{retryAfter: -1}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.rec.URL, bytes.NewReader(body))
	if err != nil {
		res.err = err
		return res
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	for k, v := range t.rec.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("webhook-id", msgID)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", sign(t.key, msgID, ts, body))

	start := time.Now()
	client := o.client
	if t.rec.Restricted {
		client = o.guarded
	}
	resp, err := client.Do(req)
	res.latency = time.Since(start)
	if err != nil {
		// *url.Error repeats the URL, which may carry a token.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		res.err = err
		return res
	}
	defer resp.Body.Close()
	res.code = resp.StatusCode
	if !res.ok() {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		res.body = printable(snippet)
		res.retryAfter = o.retryAfter(resp.Header.Get("Retry-After"))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // reuse the connection
	return res
}

// retryAfter parses a Retry-After value (seconds or an HTTP date), capped
// at MaxRetryAfter; -1 when absent or unparsable.
func (o *Outbox) retryAfter(v string) time.Duration {
	if v == "" {
		return -1
	}
	var d time.Duration
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		d = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = time.Until(at)
	} else {
		return -1
	}
	return min(max(d, 0), o.cfg.MaxRetryAfter)
}

func printable(b []byte) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return ' '
		}
		return r
	}, string(b)))
}
