// Command driver makes one call with the Go client oapi-codegen generated
// from openapi.json, used as generated: `driver BASE_URL OPERATION ARGS`,
// ARGS a JSON object. It prints {"status": N, "json": V}, V being the
// response as the client decoded it into the typed field of that status
// (JSON201, ApplicationproblemJSON404, ...), or null when it decoded none.
// clienttest compiles it with the generated package at test time.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	"clientdriver/client"
)

// args holds every argument an operation may take.
type args struct {
	Session  string   `json:"session"`
	Start    *bool    `json:"start"`
	QRMax    *int     `json:"qr_max"`
	Chat     string   `json:"chat"`
	Message  string   `json:"message"`
	Text     *string  `json:"text"`
	ReplyTo  *string  `json:"reply_to"`
	Mentions []string `json:"mentions"`
	Reaction *string  `json:"reaction"`
	For      string   `json:"for"`
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: driver BASE_URL OPERATION ARGS")
		os.Exit(2)
	}
	var a args
	if err := json.Unmarshal([]byte(os.Args[3]), &a); err != nil {
		fail(err)
	}
	c, err := client.NewClientWithResponses(os.Args[1])
	if err != nil {
		fail(err)
	}
	status, typed, err := call(context.Background(), c, os.Args[2], a)
	if err != nil {
		fail(err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"status": status, "json": first(typed...)})
}

// call makes the operation op and returns its status and typed fields.
func call(ctx context.Context, c *client.ClientWithResponses, op string, a args) (int, []any, error) {
	switch op {
	case "createSession":
		req := client.CreateSessionRequest{Id: &a.Session, Start: a.Start}
		if a.QRMax != nil {
			req.Config = &client.SessionConfig{QrMax: a.QRMax}
		}
		r, err := c.CreateSessionWithResponse(ctx, req)
		if err != nil {
			return 0, nil, err
		}
		return r.StatusCode(), []any{r.JSON201, r.ApplicationproblemJSON409}, nil
	case "listSessions":
		r, err := c.ListSessionsWithResponse(ctx)
		if err != nil {
			return 0, nil, err
		}
		return r.StatusCode(), []any{r.JSON200}, nil
	case "getSession":
		r, err := c.GetSessionWithResponse(ctx, a.Session)
		if err != nil {
			return 0, nil, err
		}
		return r.StatusCode(), []any{r.JSON200, r.ApplicationproblemJSON404}, nil
	case "sendText":
		var body client.SendMessageRequest
		if err := body.FromSendTextMessage(client.SendTextMessage{ChatId: a.Chat, Text: *a.Text, ReplyTo: a.ReplyTo, Mentions: &a.Mentions}); err != nil {
			return 0, nil, err
		}
		r, err := c.SendMessageWithResponse(ctx, a.Session, body)
		if err != nil {
			return 0, nil, err
		}
		return r.StatusCode(), []any{r.JSON201}, nil
	case "reactToMessage":
		r, err := c.ReactToMessageWithResponse(ctx, a.Session, a.Message, client.ReactionRequest{Reaction: a.Reaction})
		if err != nil {
			return 0, nil, err
		}
		return r.StatusCode(), nil, nil
	case "editMessage":
		r, err := c.EditMessageWithResponse(ctx, a.Session, a.Message, client.EditMessageRequest{Text: a.Text})
		if err != nil {
			return 0, nil, err
		}
		return r.StatusCode(), []any{r.JSON200}, nil
	case "deleteMessage":
		var params *client.DeleteMessageParams
		if a.For != "" {
			f := client.DeleteMessageParamsFor(a.For)
			params = &client.DeleteMessageParams{For: &f}
		}
		r, err := c.DeleteMessageWithResponse(ctx, a.Session, a.Message, params)
		if err != nil {
			return 0, nil, err
		}
		return r.StatusCode(), []any{r.JSON200, r.ApplicationproblemJSON404}, nil
	}
	return 0, nil, fmt.Errorf("unknown operation %q", op)
}

// first returns the first of vs that is not a nil pointer, or nil.
func first(vs ...any) any {
	for _, v := range vs {
		if !reflect.ValueOf(v).IsNil() {
			return v
		}
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "driver:", err)
	os.Exit(1)
}
