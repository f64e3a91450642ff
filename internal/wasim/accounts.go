package wasim

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"
)

// account is a phone (a WhatsApp account) and the devices it linked. The
// Server's mutex guards every field.
type account struct {
	phone   string
	name    string
	devices []*device
	next    int // device number of the next link

	// legacy accounts (legacy.go) have one live page at a time and need
	// their phone online; online is always true for multi-device ones.
	legacy  bool
	online  bool
	pending []*message // legacy: sends waiting for the phone, oldest first

	msgs     []*message            // its history: incoming and sent, in order
	byID     map[string]*message   // msgs by id
	contacts map[string]string     // jids it exchanged messages with → name
	lids     map[string]string     // phone-number jid → LID jid of contacts that write from a LID
	actions  []Action              // what its linked devices did (actions.go)
	seen     map[string]int        // chat → Seq when a device last marked it seen
	prefs    map[string]*chatPrefs // chat → its settings (chats.go)
	blocked  map[string]bool       // jids it blocked (users.go)
	about    string                // profile.go
	picture  string                // media id of the profile picture
	calls    map[string]*Call      // calls.go, by id
}

// device is one linked companion device: a browser profile holding its
// credentials. A logged-out device stays listed so its next resume is refused.
// A legacy device is a browser of a legacy account: its secret is the
// server token (WAToken2) and it resumes with browserID and clientToken too.
type device struct {
	id          string // phone:n, like WhatsApp's device JIDs
	secret      string
	legacy      bool
	browserID   string // legacy: WABrowserId
	clientToken string // legacy: WAToken1
	acct        *account
	linkedAt    time.Time
	loggedOut   bool
	// page is the page connected with this device's credentials, if any;
	// for a legacy device only the live one (never a page in CONFLICT).
	page   *page
	cursor int // the Seq of the last message the device confirmed storing
	// subscribed are the jids whose presence the device asked for.
	subscribed map[string]bool
	// overlaps counts resumes while another page held the device: two
	// browsers on one device at once.
	overlaps int
	// Credential rotation (rotate.go): the secret sent to the live page
	// and not yet confirmed stored, closed once it is; the secrets it
	// replaced, newest last.
	pending   string
	rotated   chan struct{}
	retired   []string
	rotations int
	rotatedAt time.Time
}

// platform is what the simulated phone reports itself as.
const platform = "android"

func (a *account) wid() string { return a.phone + "@c.us" }

// normalizePhone strips the punctuation people type in phone numbers and
// reports whether what is left is 6 to 15 digits (E.164 without the '+').
func normalizePhone(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	d := b.String()
	return d, len(d) >= 6 && len(d) <= 15
}

// accountLocked returns the account of phone, creating it, and sets its name
// when name is not empty. s.mu must be held.
func (s *Server) accountLocked(phone, name string) *account {
	a := s.accounts[phone]
	if a == nil {
		a = &account{phone: phone, name: "Sim " + phone[len(phone)-4:], next: 1, online: true,
			byID: map[string]*message{}, contacts: map[string]string{}, lids: map[string]string{}, seen: map[string]int{}}
		s.accounts[phone] = a
	}
	if name != "" {
		a.name = name
	}
	return a
}

// findDeviceLocked returns the device with id, or nil. s.mu must be held.
func (s *Server) findDeviceLocked(id string) *device {
	phone, _, ok := strings.Cut(id, ":")
	if !ok {
		return nil
	}
	if a := s.accounts[phone]; a != nil {
		for _, d := range a.devices {
			if d.id == id {
				return d
			}
		}
	}
	return nil
}

// checkResumeLocked reports why creds may not resume, or "" when they may:
// credentials a rotation replaced are refused like unknown ones, naming
// why. A legacy device resumes with its tokens only (checkLegacyResume).
// s.mu must be held.
func (s *Server) checkResumeLocked(d *device, creds *pageCreds) string {
	if d != nil && !d.legacy && d.retiredSecret(creds.Secret) {
		return reasonCredsRotated
	}
	if d == nil || d.legacy || !s.holdsLocked(d, creds.Secret) {
		return reasonUnknownDevice
	}
	if d.loggedOut {
		return reasonDeviceRemoved
	}
	return ""
}

// DeviceInfo describes one linked device in GET /__sim/devices.
type DeviceInfo struct {
	ID        string    `json:"id"`
	LinkedAt  time.Time `json:"linked_at"`
	Connected bool      `json:"connected"` // a page is live with it
	// Conflict: a page holding this legacy device's tokens is open in
	// stream mode CONFLICT (another page is live on the account).
	Conflict  bool `json:"conflict,omitempty"`
	LoggedOut bool `json:"logged_out"`
	// Overlaps counts the times a page resumed this device while another
	// page still had it open (two browsers driving one device at once; the
	// newer wins). A server that fails sessions over cleanly keeps it 0.
	Overlaps int `json:"overlaps"`
	// Rotations counts the times its credentials were rotated
	// (POST /__sim/rotate); a profile copied before RotatedAt is refused.
	Rotations int        `json:"rotations"`
	RotatedAt *time.Time `json:"rotated_at,omitempty"`
}

// AccountInfo describes one simulated phone in GET /__sim/devices.
type AccountInfo struct {
	Phone  string `json:"phone"`
	Wid    string `json:"wid"`
	Name   string `json:"name"`
	Legacy bool   `json:"legacy"` // its devices are legacy (one live session, phone must be online)
	Online bool   `json:"online"` // the phone is online; always true for multi-device
	// Pending counts legacy sends waiting for the phone to come online.
	Pending  int          `json:"pending,omitempty"`
	Platform string       `json:"platform"`
	Devices  []DeviceInfo `json:"devices"`
}

// Accounts returns every simulated phone that linked a device, sorted by phone.
func (s *Server) Accounts() []AccountInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	conflict := map[*device]bool{}
	for _, p := range s.pages {
		if p.phase == phaseConflict && p.dev != nil {
			conflict[p.dev] = true
		}
	}
	out := make([]AccountInfo, 0, len(s.accounts))
	for _, a := range s.accounts {
		if len(a.devices) == 0 {
			continue // a group member's phone that never linked (groups_control.go)
		}
		ai := AccountInfo{Phone: a.phone, Wid: a.wid(), Name: a.name, Legacy: a.legacy,
			Online: a.online || !a.legacy, Pending: len(a.pending),
			Platform: platform, Devices: make([]DeviceInfo, 0, len(a.devices))}
		for _, d := range a.devices {
			di := DeviceInfo{ID: d.id, LinkedAt: d.linkedAt, Connected: d.page != nil, Conflict: conflict[d],
				LoggedOut: d.loggedOut, Overlaps: d.overlaps, Rotations: d.rotations}
			if d.rotations > 0 {
				di.RotatedAt = new(d.rotatedAt)
			}
			ai.Devices = append(ai.Devices, di)
		}
		out = append(out, ai)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Phone < out[j].Phone })
	return out
}

// randomString returns n random bytes encoded with enc.
func randomString(n int, enc *base64.Encoding) string {
	b := make([]byte, n)
	rand.Read(b)
	return enc.EncodeToString(b)
}

// newRef returns a fresh QR ref shaped like WhatsApp's ("2@" + base64).
func newRef() string { return "2@" + randomString(45, base64.StdEncoding) }

// pairAlphabet is the character set of pairing codes.
const pairAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newPairCode returns 8 random characters of pairAlphabet.
func newPairCode() string {
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		// 256 % 36 != 0 leaves a tiny bias; irrelevant for a simulator.
		b[i] = pairAlphabet[int(b[i])%len(pairAlphabet)]
	}
	return string(b)
}

// normalizePairCode accepts a code as people type it ("abcd-1234").
func normalizePairCode(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
}

func deviceID(a *account) string { return fmt.Sprintf("%s:%d", a.phone, a.next) }
