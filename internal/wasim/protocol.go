package wasim

import (
	"errors"
	"regexp"
	"time"
)

// The page channel is one WebSocket per open page carrying JSON text frames,
// one message each. Messages are small flat objects whose "t" names the type;
// a page request carries an "id" that the server's "reply" echoes.
//
// page → server:
//
//	hello     {keys, creds? | legacy?}  first message, and again after a refused resume;
//	                           legacy carries the tokens of a legacy device
//	stored    {}               the credentials of "linked" are in the profile
//	rotated   {creds}          the credentials of "rotate" are in the profile (rotate.go)
//	refresh   {id}             WPP.conn.refreshQR
//	pair_code {id, phone}      WPP.conn.startLinkDeviceCodeForPhoneNumber (and its refreshes);
//	                           the reply's expires_at is when the page asks for the next code
//	logout    {id}             WPP.conn.logout
//	send      {id, send}       WPP.chat.send*Message: record and route one message
//	received  {seq}            messages up to seq are stored: do not redeliver
//	query     {id, q, ...}     WPP.chat.list/getMessages/getMessageById, WPP.contact.list/getPnLidEntry (q pnlid)
//	takeover  {id}             WPP.whatsapp.Socket.takeover: a CONFLICT page becomes the live one
//	act       {id, act}        react, edit, revoke, delete, star, pin, seen, played,
//	                           chatstate, presence, subscribe (actions.go); reply {msg?};
//	                           archive, pin_chat, mute, unmute, mark_unread, clear,
//	                           delete_chat (chats.go), block (users.go); reply {chats?, ids?}
//	query q user|users|blocklist|chat: who a jid is, the address book, the block list, one chat (users.go)
//	biz       {id, biz}        WPP.labels, WPP.status, WPP.newsletter (business.go); reply {biz?}
//	group     {id, group}      WPP.group.*: create, list, add, remove, promote, demote, leave,
//	                           set, invite, revoke, info, join, requests, approve, reject
//	                           (groups_page.go); community_create, _link, _unlink, _deactivate
//	                           (communities.go); reply {groups?, results?, code?, requests?, linked?, failed?}
//
// server → page:
//
//	qr       {ref, index, expires_at}           show this ref
//	idle     {}                                 the run is over: "click to reload"
//	linked   {creds, wid, push_name, method, legacy?}  a phone scanned or paired: store and sync;
//	                                            legacy (tokens) when the phone linked a legacy device
//	resumed  {wid, push_name, creds?}           stored credentials accepted (or a takeover): sync;
//	                                            creds.device_id tells a legacy page its device
//	conflict {wid, push_name, creds?}           legacy: another page is live on this account;
//	                                            this one stays in stream mode CONFLICT
//	phone    {online}                           legacy: the phone went offline (or came back)
//	refused  {reason}                           stored credentials rejected: purge, hello again
//	rotate   {creds}                            new credentials for this device: store them, answer rotated
//	main     {}                                 syncing done
//	logout   {reason}                           the phone logged this device out
//	reply    {id, ok, code?, error?, msg?, msgs?, chats?, contacts?}  answer to a request
//	message  {msg}                              a new message for this device (incoming, or sent elsewhere)
//	ack      {ids, chat, ack}                   the ack of messages this account sent changed
//	revoke   {msg, rid}                         a message was revoked; rid is the revoke's own id
//	reaction {reaction}                         a reaction to a message was set or removed (ours too)
//	edit     {msg}                              a message's text was edited (ours too)
//	vote     {vote}                             a poll of this account got a vote
//	presence {presence}                         a subscribed contact's presence changed
//	chat     {chats: [chat]}                    a chat's settings or unread count changed (chats.go)
//	blocklist {ids}                             the account's block list changed (users.go)
//	call     {call}                             an incoming call rang, or its state changed (calls.go)
//	status   {status}                           a contact posted a status (statuses.go)
//	group    {group, change?}                   a group of this account changed (metadata as it is now;
//	                                            change: a participant change, group.participant_changed)
//
// Media bytes never travel on the channel: the page uploads and downloads
// them over HTTP (/__page/media), authenticated with its device credentials.
const (
	msgHello    = "hello"
	msgStored   = "stored"
	msgRotated  = "rotated"
	msgRefresh  = "refresh"
	msgPairCode = "pair_code"
	msgLogout   = "logout"
	msgSend     = "send"
	msgReceived = "received"
	msgQuery    = "query"
	msgTakeover = "takeover"
	msgAct      = "act"

	msgQR        = "qr"
	msgIdle      = "idle"
	msgLinked    = "linked"
	msgResumed   = "resumed"
	msgRefused   = "refused"
	msgRotate    = "rotate"
	msgMain      = "main"
	msgReply     = "reply"
	msgMessage   = "message"
	msgAck       = "ack"
	msgRevoke    = "revoke"
	msgConflict  = "conflict"
	msgPhone     = "phone"
	msgReaction  = "reaction"
	msgEdit      = "edit"
	msgVote      = "vote"
	msgPresence  = "presence"
	msgChat      = "chat"
	msgBlocklist = "blocklist"
	msgGroup     = "group"
)

// Logout and refusal reasons the page reports as conn.logout_reason.
const (
	reasonDeviceRemoved = "device_removed" // the phone unlinked this device
	reasonUnknownDevice = "unknown_device" // stored credentials match no device
)

// pageKeys are the public keys a page generated for its AuthCode. The server
// only echoes them into the full QR code.
type pageKeys struct {
	Static   string `json:"static"`
	Identity string `json:"identity"`
	Secret   string `json:"secret"`
}

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9+/=_-]{1,128}$`)

func (k *pageKeys) validate() error {
	if k == nil {
		return errors.New("hello without keys")
	}
	for _, v := range []string{k.Static, k.Identity, k.Secret} {
		if !keyPattern.MatchString(v) {
			return errors.New("hello with a malformed key")
		}
	}
	return nil
}

// pageCreds are what a linked page stores in its profile and presents on
// resume.
type pageCreds struct {
	DeviceID string `json:"device_id"`
	Secret   string `json:"secret"`
}

// inMsg is a message from a page.
type inMsg struct {
	T      string        `json:"t"`
	ID     int           `json:"id,omitempty"`
	Keys   *pageKeys     `json:"keys,omitempty"`
	Creds  *pageCreds    `json:"creds,omitempty"`
	Legacy *legacyTokens `json:"legacy,omitempty"` // hello of a legacy page
	Phone  string        `json:"phone,omitempty"`

	Send   *sendReq `json:"send,omitempty"`   // send
	Seq    int      `json:"seq,omitempty"`    // received
	Q      string   `json:"q,omitempty"`      // query: chats, messages, message, contacts
	Chat   string   `json:"chat,omitempty"`   // query messages
	Count  int      `json:"count,omitempty"`  // query messages; <= 0 means all
	Before string   `json:"before,omitempty"` // query messages: only older than this id
	Msg    string   `json:"msg,omitempty"`    // query message: its id
	Act    *actReq  `json:"act,omitempty"`    // act
	Biz    *bizReq  `json:"biz,omitempty"`    // biz: labels, statuses, channels (business.go)

	Group *groupReq `json:"group,omitempty"` // group
}

// sendReq is a message a page sends. The page chooses Key (WhatsApp's
// clients generate message ids) and uploads media first.
type sendReq struct {
	Key      string `json:"key"`
	To       string `json:"to"`
	Type     string `json:"type"`
	Body     string `json:"body,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Mimetype string `json:"mimetype,omitempty"`
	Filename string `json:"filename,omitempty"`
	Media    string `json:"media,omitempty"` // id from POST /__page/media
	Content
	StatusStyle // a text status's look
}

// outMsg is a message to a page; each type uses the fields listed above.
type outMsg struct {
	T         string        `json:"t"`
	ID        int           `json:"id,omitempty"`
	Ref       string        `json:"ref,omitempty"`
	Index     int           `json:"index,omitempty"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	Creds     *pageCreds    `json:"creds,omitempty"`
	Legacy    *legacyTokens `json:"legacy,omitempty"` // linked: a legacy device's tokens
	Online    *bool         `json:"online,omitempty"` // phone
	Wid       string        `json:"wid,omitempty"`
	PushName  string        `json:"push_name,omitempty"`
	Platform  string        `json:"platform,omitempty"`
	Method    string        `json:"method,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	OK        bool          `json:"ok,omitempty"`
	Code      string        `json:"code,omitempty"`
	Error     string        `json:"error,omitempty"`

	Msg      *Message     `json:"msg,omitempty"`
	Msgs     []Message    `json:"msgs,omitempty"`
	Chats    []Chat       `json:"chats,omitempty"`
	Contacts []Contact    `json:"contacts,omitempty"`
	IDs      []string     `json:"ids,omitempty"`
	Chat     string       `json:"chat,omitempty"`
	Ack      int          `json:"ack,omitempty"`
	RID      string       `json:"rid,omitempty"`
	Phone    string       `json:"phone,omitempty"` // reply to query pnlid: the phone-number jid
	LID      string       `json:"lid,omitempty"`   // reply to query pnlid: the LID jid
	Reaction *Reaction    `json:"reaction,omitempty"`
	Vote     *Vote        `json:"vote,omitempty"`
	Presence *Presence    `json:"presence,omitempty"`
	User     *WireUser    `json:"user,omitempty"`    // reply to query user (users.go)
	Users    []WireUser   `json:"users,omitempty"`   // reply to query users
	Profile  *profileView `json:"profile,omitempty"` // reply to query profile (profile.go)
	Call     *Call        `json:"call,omitempty"`    // call (calls.go)
	Biz      any          `json:"biz,omitempty"`     // reply to biz
	Status   *Status      `json:"status,omitempty"`  // status: a contact posted a status

	Group    *GroupInfo    `json:"group,omitempty"`    // group; reply to group create/info/join
	Change   *GroupChange  `json:"change,omitempty"`   // group
	Groups   []GroupInfo   `json:"groups,omitempty"`   // reply to group list
	Results  []AddResult   `json:"results,omitempty"`  // reply to group create/add/approve/reject
	Requests []JoinRequest `json:"requests,omitempty"` // reply to group requests
	Pending  bool          `json:"pending,omitempty"`  // reply to group join: waiting for approval
	Linked   []string      `json:"linked,omitempty"`   // reply to community create/link/unlink
	Failed   []LinkFailure `json:"failed,omitempty"`   // reply to community create/link/unlink
}
