package e2e

import (
	"net/http"
	"testing"

	"github.com/easy-api/easy-api/docs/openapi/clienttest"
	"github.com/easy-api/easy-api/internal/wasim"
)

// TestGeneratedClientMessaging drives messaging with the client
// oapi-codegen generates from the spec, generated now and unedited: a reply with a mention
// (the text variant of the send union), a reaction, an edit and a delete,
// each seen by the simulated phone.
func TestGeneratedClientMessaging(t *testing.T) {
	skipShort(t)
	sm := msgSim(t)
	srv := startServer(t, testDir(t), sm, serverOpts{})
	const me, bob, carol = "15557770000", "15553330000", "15554440000"
	srv.create("gc", nil)
	srv.link(sm, "gc", me)
	in := sm.deliver(t, map[string]string{"phone": me, "from": bob, "text": "ping"})

	c := clienttest.Build(t)
	base := srv.http.URL
	type message struct {
		ID      string `json:"id"`
		Body    string `json:"body"`
		Revoked bool   `json:"revoked"`
	}
	sent := c.Call(t, base, "sendText", map[string]any{"session": "gc", "chat": bob, "text": "pong @" + carol,
		"reply_to": in.ID, "mentions": []string{carol}})
	var m message
	sent.Decode(t, &m)
	if sent.Status != http.StatusCreated || m.ID == "" {
		t.Fatalf("send: %d %s", sent.Status, sent.JSON)
	}
	id := m.ID
	if out := sm.sentAs(t, me, id); out.Quoted != in.ID || len(out.Mentions) != 1 || out.Mentions[0] != carol+"@c.us" {
		t.Fatalf("the phone sees the reply as %+v", out)
	}

	if react := c.Call(t, base, "reactToMessage", map[string]any{"session": "gc", "message": id, "reaction": "🎉"}); react.Status != http.StatusNoContent {
		t.Fatalf("react: %d %s", react.Status, react.JSON)
	}
	sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == "react" && a.MessageID == id && a.Value == "🎉" })
	if out := sm.sentAs(t, me, id); out.Reactions[me+"@c.us"] != "🎉" {
		t.Fatalf("the phone sees the reactions as %v", out.Reactions)
	}

	edited := c.Call(t, base, "editMessage", map[string]any{"session": "gc", "message": id, "text": "pong, edited"})
	m = message{}
	edited.Decode(t, &m)
	if edited.Status != http.StatusOK || m.Body != "pong, edited" {
		t.Fatalf("edit: %d %s", edited.Status, edited.JSON)
	}
	if out := sm.sentAs(t, me, id); out.Body != "pong, edited" || len(out.Edits) != 1 || out.Edits[0] != "pong @"+carol {
		t.Fatalf("the phone sees the edit as %+v", out)
	}

	deleted := c.Call(t, base, "deleteMessage", map[string]any{"session": "gc", "message": id, "for": "everyone"})
	var res struct {
		Revoked bool `json:"revoked"`
	}
	deleted.Decode(t, &res)
	if deleted.Status != http.StatusOK || !res.Revoked {
		t.Fatalf("delete: %d %s", deleted.Status, deleted.JSON)
	}
	if out := sm.sentAs(t, me, id); !out.Revoked {
		t.Fatalf("the phone still sees %+v", out)
	}
	missing := c.Call(t, base, "deleteMessage", map[string]any{"session": "gc", "message": "true_" + bob + "@c.us_3EB00000000000000000"})
	var p struct {
		Code string `json:"code"`
	}
	missing.Decode(t, &p)
	if missing.Status != http.StatusNotFound || p.Code != "message_not_found" {
		t.Fatalf("delete a missing message: %d %s", missing.Status, missing.JSON)
	}
}
