package api

import (
	"context"
	"net/http"
)

// Most routes under a session have one shape: read the ids of the path,
// decode the body, make one call, answer its result. handle is that shape,
// written once; a handler says only which call.

// noBody is the body type of a route that reads none.
type noBody struct{}

// noResult is what a call with nothing to answer returns; handle answers
// 204 No Content for it.
type noResult struct{}

// target is what a route's path names.
type target struct {
	id   string // the session, checked
	chat string // {chat} as sent (the domain resolves and checks it); "" without one
	msg  string // {message}, checked; "" on a route without one
	item string // the route's own other id ({contact}, {group}, {label}, ...), as its reader checked it
}

// sessionTarget reads and checks the session id, and reads the chat when
// the route has one.
func sessionTarget(r *http.Request) (target, error) {
	id, err := sessionID(r)
	return target{id: id, chat: pathParam(r, "chat")}, err
}

// messageTarget reads and checks the session id and the message id of a
// route on one message.
func messageTarget(r *http.Request) (target, error) {
	id, msg, err := msgTarget(r)
	return target{id: id, msg: msg}, err
}

// itemTarget reads and checks the session id, then the path parameter
// name, checked and normalised by check (nil: taken as sent) with name as
// the field of its error.
func itemTarget(r *http.Request, name string, check func(field, v string) (string, error)) (target, error) {
	id, err := sessionID(r)
	if err != nil {
		return target{}, err
	}
	v := pathParam(r, name)
	if check != nil {
		v, err = check(name, v)
	}
	return target{id: id, item: v}, err
}

// valid makes a validator a check for itemTarget: the id stays as sent.
func valid(validate func(field, v string) error) func(field, v string) (string, error) {
	return func(field, v string) (string, error) { return v, validate(field, v) }
}

// noTarget is the reader of a route outside a session: it reads nothing.
func noTarget(*http.Request) (target, error) { return target{}, nil }

// handle runs a route of that shape: read gives the target; the body is
// decoded into a B as decodeJSON does (nothing is read when B is noBody);
// call does the work; its result is answered as 200 JSON, or 204 when it
// is noResult. Every error goes unchanged to the one error adapter.
func handle[B, T any](w http.ResponseWriter, r *http.Request, read func(*http.Request) (target, error),
	call func(context.Context, target, B) (T, error)) error {
	return handleAs(w, r, http.StatusOK, read, call)
}

// handleCreated is handle for a route that creates: it answers 201.
func handleCreated[B, T any](w http.ResponseWriter, r *http.Request, read func(*http.Request) (target, error),
	call func(context.Context, target, B) (T, error)) error {
	return handleAs(w, r, http.StatusCreated, read, call)
}

func handleAs[B, T any](w http.ResponseWriter, r *http.Request, status int, read func(*http.Request) (target, error),
	call func(context.Context, target, B) (T, error)) error {
	t, err := read(r)
	if err != nil {
		return err
	}
	var body B
	if _, none := any(body).(noBody); !none {
		if err := decodeJSON(r, &body); err != nil {
			return err
		}
	}
	v, err := call(r.Context(), t, body)
	if err != nil {
		return err
	}
	if _, none := any(v).(noResult); none {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return writeJSON(w, status, v)
}
