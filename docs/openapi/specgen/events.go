package specgen

import (
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/session"
)

// Payload documents one event type: when it is sent and a value of the Go
// type its data is encoded from. The OpenAPI schema of the data, the
// webhook description and the table of docs/events.md are all generated
// from the Go type, so the documentation cannot drift from what is sent.
type Payload struct {
	Type    string
	When    string
	Example any
}

var exampleTime = time.Date(2026, 11, 26, 6, 0, 0, 123_000_000, time.UTC)

var exampleGroup = session.Group{ID: "120363041234567890@g.us", Subject: "Support team", Owner: "15550001111@c.us",
	CreatedAt: exampleTime.Unix(), Size: 2, Member: true, Participants: []session.GroupParticipant{
		{ID: "15550001111@c.us", Role: "superadmin"}, {ID: "15552223333@c.us", Role: "admin"}}}

// Payloads lists every event type (events.Types, tested), sorted.
var Payloads = []Payload{
	{events.CallReceived, "a call is ringing (WhatsApp Web cannot answer it; reject it with POST /v1/sessions/{id}/calls/{call}/reject, or set reject_calls).",
		session.CallEvent{ID: "A1B2C3D4E5F60718293A4B5C6D7E8F90", From: "15551234567@c.us", Phone: "15551234567", IsVideo: true,
			Timestamp: exampleTime.Unix()}},
	{events.CallRejected, "we rejected a call: by reject_calls (auto) or through the API; message_id is the text sent to the caller, if any.",
		session.CallRejectedEvent{ID: "A1B2C3D4E5F60718293A4B5C6D7E8F90", From: "15551234567@c.us", Auto: true,
			MessageID: "true_15551234567@c.us_3EB0F435D95D32C4C642"}},
	{events.ChatArchived, "a chat was archived or unarchived, over the API or on another device (from WhatsApp's chat store).",
		session.ChatArchivedEvent{ChatID: "15551234567@c.us", Archived: true, Phone: "15551234567"}},
	{events.ChatUnread, "a chat's unread count changed: a message arrived, the chat was read, or it was marked unread (wa-js reports the last change within 50 ms).",
		session.ChatUnreadEvent{ChatID: "15551234567@c.us", UnreadCount: 2, PreviousUnreadCount: 1, Phone: "15551234567"}},
	{events.ContactChanged, "a contact was blocked or unblocked, over the API or on another device (the only contact change wa-js 4.6.0 signals).",
		session.ContactChangedEvent{ID: "15551234567@c.us", Phone: "15551234567", Change: "blocked", Blocked: true}},
	// Groups.
	{events.GroupJoined, "we created a group, were added to one, or joined one by invite.",
		session.GroupJoinedEvent{GroupID: exampleGroup.ID, By: "15550001111@c.us", Reason: "created", Group: &exampleGroup}},
	{events.GroupLeft, "we left a group, or an admin removed us.",
		session.GroupLeftEvent{GroupID: exampleGroup.ID, By: "15550001111@c.us", Reason: "left"}},
	{events.GroupMembershipRequest, "someone asked to join a group of ours that needs an admin's approval (see GET .../groups/{group}/requests).",
		session.GroupMembershipRequestEvent{GroupID: exampleGroup.ID, By: "15553334444@c.us", Participants: []string{"15553334444@c.us"}, Method: "InviteLink"}},
	{events.GroupParticipants, "participants of a group we are in were added, removed (reason left: they left), promoted or demoted — by us or by another admin.",
		session.GroupParticipantsEvent{GroupID: exampleGroup.ID, Action: "promote", Participants: []string{"15552223333@c.us"}, By: "15550001111@c.us"}},
	{events.GroupUpdated, "a group's subject, description, picture, a setting or its invite link changed; group is the group after the change.",
		session.GroupUpdatedEvent{GroupID: exampleGroup.ID, By: "15550001111@c.us", Changed: "subject", Group: &exampleGroup}},
	{events.KeyRevoked, "a scoped API key was revoked; of no session, so only the admin's streams and global webhooks see it. Streams opened with that key end at once.",
		events.KeyRevokedData{KeyID: "key_m5xq2c7rjz4w8k3a"}},
	{events.LabelChanged, "a label of a business account was created, edited or deleted, or put on or taken off chats, through this API (wa-js 4.6.0 reports no label changes made elsewhere).",
		session.LabelEvent{Action: session.LabelChatsAdded, Label: session.Label{ID: "3", Name: "New customer", Color: "#64c4ff", ColorIndex: 1, Count: 1},
			ChatIDs: []string{"15551234567@c.us"}}},
	{events.MessageAck, "the delivery state of a message we sent rose: SERVER (1), then the receipts DEVICE (2), READ (3), PLAYED (4) and PEER (5). ERROR (-1) when a send through the API failed; other failures are no event (as in wa-js), only the message shows them (see Acks below).",
		session.AckEvent{ID: "true_15551234567@c.us_3EB0F435D95D32C4C638", ChatID: "15551234567@c.us", Ack: session.AckDevice}},
	{events.MessageEdited, "a message's text (or a media caption) was edited, by us (from_me, from here or the phone) or by its sender.",
		session.EditEvent{ID: "true_15551234567@c.us_3EB0F435D95D32C4C638", ChatID: "15551234567@c.us", From: "15550001111@c.us",
			FromMe: true, Body: "see you at 1", Timestamp: exampleTime.Unix()}},
	{events.MessageReaction, "someone, or we (from_me), set or removed (empty reaction) a reaction to a message.",
		session.ReactionEvent{ID: "false_15551234567@c.us_3A0AF3B2C1D4E5F60718", MessageID: "true_15551234567@c.us_3EB0F435D95D32C4C638",
			ChatID: "15551234567@c.us", From: "15551234567@c.us", Reaction: "👍", Timestamp: exampleTime.UnixMilli()}},
	{events.MessageReceived, "a message arrived from someone else.",
		session.Message{ID: "false_15551234567@c.us_3EB0F435D95D32C4C639", ChatID: "15551234567@c.us", From: "15551234567@c.us",
			To: "15550001111@c.us", Type: "chat", Body: "hello @15550001111", Timestamp: exampleTime.Unix(), Ack: session.AckDevice,
			MessageDetail: session.MessageDetail{Kind: session.KindText, QuotedID: "true_15551234567@c.us_3EB0F435D95D32C4C638",
				Mentions: []string{"15550001111@c.us"}}}},
	{events.MessageRevoked, "a message was deleted for everyone.",
		session.RevokeEvent{ID: "false_15551234567@c.us_3EB0F435D95D32C4C639", RevokeID: "false_15551234567@c.us_3EB0F435D95D32C4C640",
			ChatID: "15551234567@c.us", From: "15551234567@c.us", To: "15550001111@c.us", Type: "revoke"}},
	{events.MessageSent, "a message we sent (over the API or from the phone) was accepted by WhatsApp.",
		session.Message{ID: "true_15551234567@c.us_3EB0F435D95D32C4C638", ChatID: "15551234567@c.us", From: "15550001111@c.us",
			To: "15551234567@c.us", FromMe: true, Type: "chat", Body: "hi!", Timestamp: exampleTime.Unix(), Ack: session.AckServer,
			MessageDetail: session.MessageDetail{Kind: session.KindText}}},
	{events.PollVote, "a voter's choice in a poll changed (empty selected: the vote was withdrawn).",
		session.PollVoteEvent{MessageID: "true_15551234567@c.us_3EB0F435D95D32C4C641", ChatID: "15551234567@c.us", Voter: "15551234567@c.us",
			Selected: []session.PollOption{{Index: 1, Name: "Sushi"}}, Timestamp: exampleTime.UnixMilli()}},
	{events.PresenceUpdate, "a contact whose presence we subscribed to (POST /v1/sessions/{id}/presence/subscriptions) came online, went offline, or is typing or recording.",
		session.PresenceEvent{ChatID: "15551234567@c.us", Online: true, State: "typing", Timestamp: exampleTime.UnixMilli()}},
	{events.SessionData, "the session data file changed (linked, refreshed while WORKING, stopped, export, import, logout) or could not be written (error); profile_modified is when the newest profile change it holds was made; the file itself is at GET /v1/sessions/{id}/data.",
		session.DataEvent{Reason: "linked", Kind: "md", Size: 18233, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ProfileModified: new(exampleTime)}},
	{events.SessionPairingCode, "a pairing code was requested or WhatsApp replaced it (state active: type it on the phone, Linked devices → Link with phone number), or the flow ended: state expired (no code; POST /v1/sessions/{id}/pairing-code for a new one) or error (detail says why).",
		session.PairingCodeEvent{Code: "ABCD1234", Phone: "15550001111", State: "active"}},
	{events.SessionProgress, "a session's launch, load or sync advances.",
		session.ProgressEvent{Stage: "syncing", Percent: 50}},
	{events.SessionQR, "a new QR code is shown (SCAN_QR_CODE); codes rotate until one is scanned or qr_max is spent.",
		session.QREvent{Code: "2@AbCdEfGhIjKlMnOpQrStUvWxYz==,…", Index: 1, ExpiresAt: exampleTime.Add(time.Minute)}},
	{events.SessionStatus, "a session changes status; history holds the last five transitions.",
		session.StatusEvent{Status: session.StatusWorking, Previous: session.StatusSyncing, Reason: session.ReasonReauthOK,
			History: []session.Transition{{Status: session.StatusResuming, Reason: session.ReasonBoot, At: exampleTime.Add(-3 * time.Second)},
				{Status: session.StatusSyncing, Reason: session.ReasonReauthOK, At: exampleTime.Add(-time.Second)},
				{Status: session.StatusWorking, Reason: session.ReasonReauthOK, At: exampleTime}}}},
	{events.StatusReceived, "a contact posted a status update (text, image or video); GET /v1/sessions/{id}/status lists the last day's.",
		session.StatusUpdate{ID: "false_status@broadcast_3A0AF3B2C1D4E5F60719_15551234567@c.us", From: "15551234567@c.us", Kind: "text",
			Text: "Open until 8pm today", BackgroundColor: "#0275d8", Font: "serif", Timestamp: exampleTime.Unix()}},
	{events.WebhookDisabled, "a webhook failed continuously for a day and was disabled (of its session when it has exactly one, else of none).",
		events.WebhookDisabledData{WebhookID: "wh_3kq9d0v7x2m4p8r1t6yb", URL: "https://example.com/hooks/whatsapp",
			Reason: "every delivery failed since 2026-11-25T06:00:00Z (last error: HTTP 500)", FailingSince: exampleTime.Add(-24 * time.Hour)}},
}
