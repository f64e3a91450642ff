package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/easy-api/easy-api/docs/openapi/client"
)

// TestGeneratedClient drives the server with the client oapi-codegen
// generates from docs/openapi/openapi.json (make spec), used as generated:
// the spec is good enough for a client generator without edits.
func TestGeneratedClient(t *testing.T) {
	ts, _ := newAPI(t)
	c, err := client.NewClientWithResponses(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, start := "gen", false
	qrMax := 3
	created, err := c.CreateSessionWithResponse(ctx, client.CreateSessionRequest{Id: &id, Start: &start,
		Config: &client.SessionConfig{QrMax: &qrMax}})
	if err != nil {
		t.Fatal(err)
	}
	if created.StatusCode() != http.StatusCreated || created.JSON201 == nil || *created.JSON201.Id != "gen" ||
		*created.JSON201.Status != client.SessionStatus("STOPPED") || *created.JSON201.Config.QrMax != 3 {
		t.Fatalf("create = %d %s", created.StatusCode(), created.Body)
	}
	list, err := c.ListSessionsWithResponse(ctx)
	if err != nil || list.JSON200 == nil || len(*list.JSON200.Sessions) != 1 {
		t.Fatalf("list = %v %s", err, list.Body)
	}
	missing, err := c.GetSessionWithResponse(ctx, "nobody")
	if err != nil {
		t.Fatal(err)
	}
	if p := missing.ApplicationproblemJSON404; p == nil || *p.Code != "session_not_found" {
		t.Fatalf("get missing = %d %s", missing.StatusCode(), missing.Body)
	}
	dup, err := c.CreateSessionWithResponse(ctx, client.CreateSessionRequest{Id: &id, Start: &start})
	if err != nil {
		t.Fatal(err)
	}
	if p := dup.ApplicationproblemJSON409; p == nil || *p.Code != "session_exists" {
		t.Fatalf("create twice = %d %s", dup.StatusCode(), dup.Body)
	}
}
