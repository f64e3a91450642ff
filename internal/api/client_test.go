package api_test

import (
	"net/http"
	"testing"

	"github.com/easy-api/easy-api/docs/openapi/clienttest"
)

// TestGeneratedClient drives the server with the client oapi-codegen
// generates from docs/openapi/openapi.json, generated now and used as
// generated: the spec is good enough for a client generator without edits.
func TestGeneratedClient(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and compiles the client")
	}
	ts, _ := newAPI(t)
	c := clienttest.Build(t)
	type view struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Config struct {
			QRMax int `json:"qr_max"`
		} `json:"config"`
	}
	type problem struct {
		Code string `json:"code"`
	}
	qrMax, start := 3, false
	created := c.Call(t, ts.URL, "createSession", map[string]any{"session": "gen", "start": start, "qr_max": qrMax})
	var v view
	created.Decode(t, &v)
	if created.Status != http.StatusCreated || v.ID != "gen" || v.Status != "STOPPED" || v.Config.QRMax != 3 {
		t.Fatalf("create = %d %s", created.Status, created.JSON)
	}
	list := c.Call(t, ts.URL, "listSessions", nil)
	var l struct {
		Sessions []view `json:"sessions"`
	}
	list.Decode(t, &l)
	if list.Status != http.StatusOK || len(l.Sessions) != 1 {
		t.Fatalf("list = %d %s", list.Status, list.JSON)
	}
	missing := c.Call(t, ts.URL, "getSession", map[string]any{"session": "nobody"})
	var p problem
	missing.Decode(t, &p)
	if missing.Status != http.StatusNotFound || p.Code != "session_not_found" {
		t.Fatalf("get missing = %d %s", missing.Status, missing.JSON)
	}
	dup := c.Call(t, ts.URL, "createSession", map[string]any{"session": "gen", "start": start})
	p = problem{}
	dup.Decode(t, &p)
	if dup.Status != http.StatusConflict || p.Code != "session_exists" {
		t.Fatalf("create twice = %d %s", dup.Status, dup.JSON)
	}
}
