package api

import (
	"context"
	"io"
	"time"

	"github.com/easy-api/easy-api/internal/cluster"
	"github.com/easy-api/easy-api/internal/session"
)

// Sessions is what the handlers need of the session domain; session.Manager
// implements it, and handler tests use small fakes. Errors are apperr
// errors (SessionNotFound, NotWorking, ...) that the one adapter maps to
// statuses. The other needs of the handlers are KeyStore (scoped keys) and
// Config.Mount (the event routes).
type Sessions interface {
	SessionLifecycle
	SessionLink
	SessionData
	Messaging
	Account
	Groups      // groups.go
	Communities // communities.go
}

// SessionLifecycle creates, lists, configures and runs sessions.
type SessionLifecycle interface {
	Create(ctx context.Context, id string, cfg session.Config, start bool) (session.View, error)
	Get(ctx context.Context, id string) (session.View, error)
	List(ctx context.Context) ([]session.View, error)
	// UpdateConfig applies fn to the session's stored overrides; an error
	// from fn is returned as it is.
	UpdateConfig(ctx context.Context, id string, fn func(*session.Config) error) (session.View, error)
	Start(ctx context.Context, id string) (session.View, error)
	// Stop, Restart and Delete take effect even under a short ctx; when ctx
	// ends before the browser closed they return a *session.Pending holding
	// the view of that moment, which the handlers answer with 202.
	Stop(ctx context.Context, id string) (session.View, error)
	Restart(ctx context.Context, id string) (session.View, error)
	// Delete removes the session; purge also wipes its stored data.
	Delete(ctx context.Context, id string, purge bool) error
	Logout(ctx context.Context, id string) (session.View, error)
}

// SessionLink is what linking a session and looking at it needs.
type SessionLink interface {
	// QR is the code on screen; NotScanQRCode outside SCAN_QR_CODE.
	QR(ctx context.Context, id string) (session.QR, error)
	PairingCode(ctx context.Context, id, phone string) (session.PairingCodeEvent, error)
	Me(ctx context.Context, id string) (session.Account, error)
	// Screenshot is a PNG of the page; NotRunning without a browser.
	Screenshot(ctx context.Context, id string) ([]byte, error)
}

// SessionData exports and imports session data files (portability). Both
// stream: a data file may be over a gigabyte.
type SessionData interface {
	// ExportData returns the data file open for reading; close it.
	ExportData(ctx context.Context, id string) (io.ReadCloser, error)
	// ImportData reads the data file from body.
	ImportData(ctx context.Context, id string, body io.Reader) (session.View, error)
}

// Messaging is what the messaging routes need; every call needs a WORKING
// session (NotWorking otherwise).
type Messaging interface {
	// Send sends any kind of message; bad input is an invalid_request
	// naming the body's field, a reply_to that names nothing a
	// message_not_found.
	Send(ctx context.Context, id string, out session.Outgoing) (session.Message, error)
	Contacts(ctx context.Context, id string) ([]session.Contact, error)
	Messages(ctx context.Context, id, chatID string, limit int, before string) ([]session.Message, error)
	DownloadMedia(ctx context.Context, id, msgID string) (session.Media, error)
	MessageActions
	Presence
	ChatActions    // chats.go
	ContactActions // contacts.go
	LabelActions   // labels.go
	StatusActions  // statuses.go
	ChannelActions // channels.go
}

// MessageActions act on one message; a message the session does not hold
// is message_not_found, an action WhatsApp refuses there not_allowed.
type MessageActions interface {
	GetMessage(ctx context.Context, id, msgID string) (session.Message, error)
	React(ctx context.Context, id, msgID, reaction string) error
	Edit(ctx context.Context, id, msgID, text string, mentions []string) (session.Message, error)
	DeleteMessage(ctx context.Context, id, msgID string, forEveryone bool) (session.DeleteResult, error)
	Forward(ctx context.Context, id, msgID string, chatIDs []string) ([]session.ForwardResult, error)
	Star(ctx context.Context, id, msgID string, star bool) error
	Pin(ctx context.Context, id, msgID string, pin bool, duration string) error
	Votes(ctx context.Context, id, msgID string) (session.PollVotes, error)
	MarkPlayed(ctx context.Context, id, msgID string) error
}

// Presence is read state and presence: chats seen, typing, our presence
// and subscriptions to others'.
type Presence interface {
	MarkSeen(ctx context.Context, id, chatID string) error
	ChatState(ctx context.Context, id, chatID, state string, d time.Duration) error
	SetPresence(ctx context.Context, id string, available bool) error
	SubscribePresence(ctx context.Context, id string, chatIDs []string) ([]string, error)
}

// Cluster is what the API needs of the cluster; nil = single node.
type Cluster interface {
	Self() string
	// Owner returns the node that owns session id's lease and its advertised
	// URL; local is true when this node owns it. ok is false while no node
	// holds the lease (in transit) — the API answers 503 owner_unreachable.
	Owner(ctx context.Context, id string) (node, url string, local, ok bool, err error)
	Nodes(ctx context.Context) ([]cluster.Node, error)
	Drain(ctx context.Context, node string) error
	// Quorum reports whether the store has JetStream quorum (readiness).
	Quorum() error
}
