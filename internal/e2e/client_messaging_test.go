package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/easy-api/easy-api/docs/openapi/client"
	"github.com/easy-api/easy-api/internal/wasim"
)

// TestGeneratedClientMessaging drives messaging with the client
// oapi-codegen generates from the spec, unedited: a reply with a mention
// (the text variant of the send union), a reaction, an edit and a delete,
// each seen by the simulated phone.
func TestGeneratedClientMessaging(t *testing.T) {
	skipShort(t)
	sm := startSim(t, wasim.Config{QRFirst: 5 * time.Second, QRInterval: 5 * time.Second, SyncDelay: 50 * time.Millisecond,
		AckDelay: 100 * time.Millisecond})
	srv := startServer(t, testDir(t), sm, serverOpts{})
	const me, bob, carol = "15557770000", "15553330000", "15554440000"
	srv.create("gc", nil)
	srv.link(sm, "gc", me)
	code, b := sm.control(t, "POST", "/__sim/messages", map[string]string{"phone": me, "from": bob, "text": "ping"})
	if code != http.StatusOK {
		t.Fatalf("deliver: %d %s", code, b)
	}
	var in wasim.Message
	mustJSON(t, b, &in)

	c, err := client.NewClientWithResponses(srv.http.URL, client.WithHTTPClient(srv.http.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var body client.SendMessageRequest
	replyTo, mentions := in.ID, []string{carol}
	if err := body.FromSendTextMessage(client.SendTextMessage{ChatId: bob, Text: "pong @" + carol, ReplyTo: &replyTo, Mentions: &mentions}); err != nil {
		t.Fatal(err)
	}
	sent, err := c.SendMessageWithResponse(ctx, "gc", body)
	if err != nil || sent.JSON201 == nil {
		t.Fatalf("send: %v %s", err, sent.Body)
	}
	id := *sent.JSON201.Id
	if out := sm.sentAs(t, me, id); out.Quoted != in.ID || len(out.Mentions) != 1 || out.Mentions[0] != carol+"@c.us" {
		t.Fatalf("the phone sees the reply as %+v", out)
	}

	react, err := c.ReactToMessageWithResponse(ctx, "gc", id, client.ReactionRequest{Reaction: ptr("🎉")})
	if err != nil || react.StatusCode() != http.StatusNoContent {
		t.Fatalf("react: %v %s", err, react.Body)
	}
	sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == "react" && a.MessageID == id && a.Value == "🎉" })
	if out := sm.sentAs(t, me, id); out.Reactions[me+"@c.us"] != "🎉" {
		t.Fatalf("the phone sees the reactions as %v", out.Reactions)
	}

	edited, err := c.EditMessageWithResponse(ctx, "gc", id, client.EditMessageRequest{Text: ptr("pong, edited")})
	if err != nil || edited.JSON200 == nil || *edited.JSON200.Body != "pong, edited" {
		t.Fatalf("edit: %v %s", err, edited.Body)
	}
	if out := sm.sentAs(t, me, id); out.Body != "pong, edited" || len(out.Edits) != 1 || out.Edits[0] != "pong @"+carol {
		t.Fatalf("the phone sees the edit as %+v", out)
	}

	everyone := client.DeleteMessageParamsFor("everyone")
	deleted, err := c.DeleteMessageWithResponse(ctx, "gc", id, &client.DeleteMessageParams{For: &everyone})
	if err != nil || deleted.JSON200 == nil || !*deleted.JSON200.Revoked {
		t.Fatalf("delete: %v %s", err, deleted.Body)
	}
	if out := sm.sentAs(t, me, id); !out.Revoked {
		t.Fatalf("the phone still sees %+v", out)
	}
	missing, err := c.DeleteMessageWithResponse(ctx, "gc", "true_"+bob+"@c.us_3EB00000000000000000", nil)
	if err != nil || missing.ApplicationproblemJSON404 == nil || *missing.ApplicationproblemJSON404.Code != "message_not_found" {
		t.Fatalf("delete a missing message: %v %s", err, missing.Body)
	}
}

func ptr[T any](v T) *T { return &v }
