package api_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/session"
)

// The real session manager is what the fakes stand in for.
var _ api.Sessions = (*session.Manager)(nil)

// fakeSessions is an api.Sessions whose methods run the matching Fn field.
// A method without one panics, which the server answers with a 500 that
// the test sees: a handler called something the test did not expect.
type fakeSessions struct {
	api.Sessions // nil: unset methods panic

	GetFn        func(ctx context.Context, id string) (session.View, error)
	QRFn         func(ctx context.Context, id string) (session.QR, error)
	MeFn         func(ctx context.Context, id string) (session.Account, error)
	SendFn       func(ctx context.Context, id string, out session.Outgoing) (session.Message, error)
	ListChatsFn  func(ctx context.Context, id string, f session.ChatFilter) (session.ChatPage, error)
	MessagesFn   func(ctx context.Context, id, chatID string, limit int, before string) ([]session.Message, error)
	ScreenshotFn func(ctx context.Context, id string) ([]byte, error)
	DeleteFn     func(ctx context.Context, id string, purge bool) error
}

func (f *fakeSessions) Get(ctx context.Context, id string) (session.View, error) {
	return f.GetFn(ctx, id)
}

func (f *fakeSessions) QR(ctx context.Context, id string) (session.QR, error) { return f.QRFn(ctx, id) }

func (f *fakeSessions) Me(ctx context.Context, id string) (session.Account, error) {
	return f.MeFn(ctx, id)
}

func (f *fakeSessions) Send(ctx context.Context, id string, out session.Outgoing) (session.Message, error) {
	return f.SendFn(ctx, id, out)
}

func (f *fakeSessions) ListChats(ctx context.Context, id string, flt session.ChatFilter) (session.ChatPage, error) {
	return f.ListChatsFn(ctx, id, flt)
}

func (f *fakeSessions) Messages(ctx context.Context, id, chatID string, limit int, before string) ([]session.Message, error) {
	return f.MessagesFn(ctx, id, chatID, limit, before)
}

func (f *fakeSessions) Screenshot(ctx context.Context, id string) ([]byte, error) {
	return f.ScreenshotFn(ctx, id)
}

func (f *fakeSessions) Delete(ctx context.Context, id string, purge bool) error {
	return f.DeleteFn(ctx, id, purge)
}

// fakeKeys is an api.KeyStore that knows the scoped keys in byKey.
type fakeKeys struct {
	api.KeyStore // nil: only Lookup is expected
	byKey        map[string]apikey.Key
}

func (f *fakeKeys) Lookup(_ context.Context, key string) (apikey.Key, error) {
	if k, ok := f.byKey[key]; ok {
		return k, nil
	}
	return apikey.Key{}, apikey.ErrUnknownKey
}

// newFakeAPI serves the API over fakes: no store, no bus, no browser.
func newFakeAPI(t *testing.T, sessions api.Sessions, edit func(*api.Config)) *httptest.Server {
	t.Helper()
	cfg := api.Config{Sessions: sessions, Log: zerolog.Nop()}
	if edit != nil {
		edit(&cfg)
	}
	ts := httptest.NewServer(api.New(cfg))
	t.Cleanup(ts.Close)
	return ts
}
