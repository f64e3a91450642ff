package events

import "crypto/rand"

// ConsumerName returns a name prefix for an ordered consumer that no other
// process shares: in a cluster every node's consumers live on the same
// replicated stream, and two nodes' "events_tail_1" would be one consumer.
func ConsumerName(prefix string) string { return prefix + "_" + rand.Text()[:10] }
