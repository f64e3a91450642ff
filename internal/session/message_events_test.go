package session

import "testing"

// TestBridgeActionEvents: the bridge's reaction, edit, poll_vote and
// presence events are published as message.reaction, message.edited,
// poll.vote and presence.update; malformed ones are dropped.
func TestBridgeActionEvents(t *testing.T) {
	h, p := workingSession(t)
	p.emit(BridgeReaction, map[string]any{"id": "false_15550001111@c.us_3A09", "message_id": "true_15550001111@c.us_3EB0",
		"chat_id": "15550001111@c.us", "from": "15550001111@c.us", "reaction": "👍", "timestamp": 1764136800000})
	if r := h.nextEvent(EventMessageReaction).Data.(ReactionEvent); r.Reaction != "👍" || r.FromMe {
		t.Errorf("reaction = %+v", r)
	}
	p.emit(BridgeEdit, map[string]any{"id": "true_15550001111@c.us_3EB0", "chat_id": "15550001111@c.us", "from_me": true, "body": "new"})
	if e := h.nextEvent(EventMessageEdited).Data.(EditEvent); e.Body != "new" || !e.FromMe {
		t.Errorf("edit = %+v", e)
	}
	p.emit(BridgePollVote, "garbage")
	p.emit(BridgePollVote, map[string]any{"message_id": "true_15550001111@c.us_3EB1", "voter": "15550001111@c.us",
		"selected": []map[string]any{{"index": 1, "name": "Sushi"}}})
	if v := h.nextEvent(EventPollVote).Data.(PollVoteEvent); len(v.Selected) != 1 || v.Selected[0].Name != "Sushi" {
		t.Errorf("vote = %+v", v)
	}
	p.emit(BridgePresence, map[string]any{"chat_id": "15550001111@c.us", "online": true, "state": "typing"})
	if pr := h.nextEvent(EventPresenceUpdate).Data.(PresenceEvent); pr.State != "typing" || !pr.Online {
		t.Errorf("presence = %+v", pr)
	}
}
