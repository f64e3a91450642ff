package wasim

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestPairingCodeExpires: a pairing code pairs within its lifetime and is
// refused after it as expired (not unknown), as WhatsApp refuses it; the
// page is not told, and a fresh code pairs.
func TestPairingCodeExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const ttl = 3 * time.Minute
		s := New(Config{PairCodeTTL: ttl})
		defer s.Close()
		p, tr := openTestPage(t, s)
		s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys})
		tr.take()

		s.onPageMessage(p, inMsg{T: msgPairCode, ID: 1, Phone: "15557654321"})
		r := only(t, tr.take(), msgReply)
		if !r.OK || r.ExpiresAt == nil || !r.ExpiresAt.Equal(time.Now().Add(ttl)) {
			t.Fatalf("pair code reply = %+v, want a code expiring in %v", r, ttl)
		}
		time.Sleep(ttl)
		if _, err := s.Pair(r.Code, ""); CodeOf(err) != CodeCodeExpired {
			t.Fatalf("Pair(expired code) = %v, want %s", err, CodeCodeExpired)
		}
		for _, m := range tr.take() { // QR refs rotated meanwhile
			if m.T != msgQR && m.T != msgIdle {
				t.Errorf("the page was told %s after a refused code", m.T)
			}
		}

		s.onPageMessage(p, inMsg{T: msgPairCode, ID: 2, Phone: "15557654321"})
		fresh := only(t, tr.take(), msgReply)
		if _, err := s.Pair(r.Code, ""); CodeOf(err) != CodeUnknownCode {
			t.Errorf("Pair(replaced code) = %v, want %s", err, CodeUnknownCode)
		}
		time.Sleep(ttl - time.Second)
		if l, err := s.Pair(fresh.Code, ""); err != nil || l.Method != "pairing" {
			t.Fatalf("Pair(fresh code) a second before it expires = %+v, %v", l, err)
		}
		if msgs := tr.take(); len(msgs) == 0 || msgs[len(msgs)-1].T != msgLinked {
			t.Errorf("the page got %+v, want linked last", msgs)
		}
	})
}
