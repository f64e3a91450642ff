package webhook_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
)

// TestScopedWebhooksCannotReachInternalAddresses: a webhook made by a scoped
// key may not point at an internal address, literally or through a name
// that resolves there; the admin's webhooks may (internal receivers are a
// normal deployment). Custom header values are never shown back.
func TestScopedWebhooksCannotReachInternalAddresses(t *testing.T) {
	e := newEnv(t, "", webhook.Config{Retry: webhook.Retry{Attempts: 2}})
	scoped := events.WithScope(context.Background(), func(s string) bool { return s == "alice" })
	url := "http://169.254.169.254/latest/meta-data/"
	_, err := e.outbox.Create(scoped, webhook.Input{URL: &url, Sessions: &[]string{"alice"}})
	if e, ok := err.(*apperr.Error); !ok || e.Field != "url" {
		t.Fatalf("scoped create to a metadata address = %v, want a 400 on url", err)
	}

	r := newReceiver(t)
	byName := strings.Replace(r.URL, "127.0.0.1", "localhost", 1) + "/hook"
	headers := map[string]string{"Authorization": "Bearer s3cr3t"}
	wh, err := e.outbox.Create(scoped, webhook.Input{URL: &byName, Sessions: &[]string{"alice"}, Headers: &headers})
	if err != nil {
		t.Fatal(err)
	}
	if wh.Headers["Authorization"] != "[redacted]" {
		t.Fatalf("header value shown: %v", wh.Headers)
	}
	e.publish(t, "alice", 1)
	deadline := time.Now().Add(20 * time.Second)
	for {
		list, err := e.outbox.Deliveries(context.Background(), wh.ID, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			if d := list[0]; !strings.Contains(d.Error, "internal") {
				t.Fatalf("delivery = %+v, want refused as internal", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery attempt logged")
		}
		time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n != 0 {
		t.Fatalf("the internal receiver got %d requests", r.n)
	}
}
