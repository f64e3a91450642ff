// Package cluster lets several easy-api nodes share one replicated store:
// each running session is owned by exactly one node through a lease in a KV
// bucket, nodes publish their load in a node registry, and a node that
// cannot renew a lease kills that session's browser before the lease can
// expire elsewhere. A nil cluster means a single node.
package cluster

import "time"

// Node is one node of the cluster as the node registry knows it.
type Node struct {
	// Name is the node's unique name (--node-name).
	Name string `json:"name"`
	// URL is the node's advertised API URL (--advertise-url), where other
	// nodes forward requests for the sessions it owns.
	URL string `json:"url"` // advertised API URL
	// Up is whether the node renewed its registry entry recently enough to
	// be considered alive.
	Up bool `json:"up"`
	// Sessions is how many session leases the node holds.
	Sessions int `json:"sessions"`
	// MemoryBytes is the memory its sessions' browsers use (PSS).
	MemoryBytes int64 `json:"memory_bytes"`
	// LastRenewal is when the node last renewed its registry entry.
	LastRenewal time.Time `json:"last_renewal"`
}
