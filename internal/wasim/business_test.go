package wasim

import (
	"strings"
	"testing"
	"time"
)

// biz sends a page's biz request and returns the reply.
func (p *wsPage) biz(id int, r bizReq) outMsg {
	p.t.Helper()
	p.send(inMsg{T: msgBiz, ID: id, Biz: &r})
	return p.next(msgReply)
}

func TestLabelsOnlyForBusinessAccounts(t *testing.T) {
	s, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})
	page, _ := linkedPage(t, ts, "15551230010")
	if r := page.biz(1, bizReq{Op: "palette"}); !strings.HasPrefix(r.Error, "is_not_business: ") {
		t.Fatalf("a personal account's palette: %+v", r)
	}
	if r := page.biz(2, bizReq{Op: "labels"}); r.Error != "" || len(r.Biz.([]any)) != 0 {
		t.Fatalf("getAllLabels of a personal account: %+v, want [] as wa-js answers", r)
	}
	s.SetBusiness("15551230010", true)
	one := 3
	if r := page.biz(3, bizReq{Op: "label_add", Name: "VIP", Color: &one}); r.Error != "" {
		t.Fatalf("add: %+v", r)
	}
	if r := page.biz(4, bizReq{Op: "label_chats", Chats: []string{"15559990000@c.us"}, Changes: []labelChange{{LabelID: "1", Type: "add"}}}); r.Error != "" {
		t.Fatalf("label a chat: %+v", r)
	}
	if r := page.biz(5, bizReq{Op: "label_edit", ID: "7", Name: "x"}); !strings.HasPrefix(r.Error, "label_not_exist: ") {
		t.Fatalf("edit an unknown label: %+v", r)
	}
	info, err := s.Labels("15551230010")
	if err != nil || len(info.Labels) != 1 || info.Labels[0].ColorIndex != 3 || info.Labels[0].Count != 1 || info.Chats["15559990000@c.us"][0] != "1" {
		t.Fatalf("labels = %+v, %v", info, err)
	}
	if r := page.biz(6, bizReq{Op: "label_delete", ID: "1"}); r.Biz != true {
		t.Fatalf("delete: %+v", r)
	}
	if info, _ := s.Labels("15551230010"); len(info.Labels) != 0 || len(info.Chats) != 0 {
		t.Fatalf("after delete: %+v", info)
	}
}

func TestChannelsOwnerOnlyAndStatusAudience(t *testing.T) {
	s, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})
	page, _ := linkedPage(t, ts, "15551230020")
	c, err := s.CreateChannel("15554440000", "Bakery", "bread")
	if err != nil {
		t.Fatal(err)
	}
	page.send(inMsg{T: msgSend, ID: 1, Send: &sendReq{Key: "3EB0AABBCCDDEEFF", To: c.ID, Type: "chat", Body: "mine now"}})
	if r := page.next(msgReply); !strings.HasPrefix(r.Error, "not_authorized: ") {
		t.Fatalf("a follower posts: %+v", r)
	}
	if r := page.biz(2, bizReq{Op: "nl_follow", ID: c.ID}); r.Error != "" {
		t.Fatalf("follow: %+v", r)
	}
	if _, err := s.PostToChannel(c.ID, "fresh croissants"); err != nil {
		t.Fatal(err)
	}
	if m := page.next(msgMessage).Msg; m.ChatID != c.ID || m.Body != "fresh croissants" || m.FromMe {
		t.Fatalf("a follower got %+v", m)
	}
	if r := page.biz(3, bizReq{Op: "nl_search", Query: "BREAD"}); len(r.Biz.(map[string]any)["newsletters"].([]any)) != 1 {
		t.Fatalf("search by description: %+v", r)
	}

	// A status reaches only the accounts that have the poster as a contact.
	if _, err := s.PostStatus("15557770000", "stranger", StatusStyle{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deliver("15551230020", "15558880000", "Dan", "hi", nil); err != nil {
		t.Fatal(err)
	}
	page.next(msgMessage)
	if _, err := s.PostStatus("15558880000", "Dan's day", StatusStyle{Font: 2, BackgroundColor: 0xff0275d8}, nil); err != nil {
		t.Fatal(err)
	}
	st := page.next(msgStatus).Status
	if st.Author != "15558880000@c.us" || st.Body != "Dan's day" || st.Font != 2 || st.BackgroundColor != 0xff0275d8 {
		t.Fatalf("status = %+v", st)
	}
	if got := s.Statuses("15551230020").Received; len(got) != 1 {
		t.Fatalf("received %+v; the stranger's status is not ours to see", got)
	}
}
