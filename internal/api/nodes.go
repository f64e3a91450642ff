package api

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/cluster"
)

// NodeList is the body of GET /v1/nodes.
type NodeList struct {
	Nodes []cluster.Node `json:"nodes"`
} // @name NodeList

// DrainResponse is the body of POST /v1/nodes/{node}/drain.
type DrainResponse struct {
	Node   string `json:"node" example:"node-a"`
	Status string `json:"status" example:"draining"`
} // @name DrainResponse

// nodeRoutes adds the cluster's nodes. Both routes are for the admin: a
// scoped key is a tenant, and nodes' addresses and load are the operator's.
func (s *Server) nodeRoutes(r chi.Router) {
	r.Route("/v1/nodes", func(r chi.Router) {
		r.Use(s.adminOnly)
		r.Get("/", s.wrap(s.listNodes))
		r.Post("/{node}/drain", s.wrap(s.drainNode))
	})
}

// listNodes godoc
//
//	@Summary		List the cluster's nodes
//	@ID				listNodes
//	@Description	Every node of the cluster with its advertised URL, whether it is up, the session leases it holds, its browsers' memory and its last renewal in the node registry. A server that is not part of a cluster answers itself as the one node: its host name, no URL, up, its running sessions and their memory, last_renewal now. Admin only.
//	@Tags			operations
//	@Produce		json
//	@Success		200	{object}	NodeList
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem	"a scoped key"
//	@Failure		503	{object}	Problem	"the store cannot be read"
//	@Security		ApiKeyAuth
//	@Router			/v1/nodes [get]
func (s *Server) listNodes(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Cluster == nil {
		self, err := s.singleNode(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, NodeList{Nodes: []cluster.Node{self}})
	}
	nodes, err := s.cfg.Cluster.Nodes(r.Context())
	if err != nil {
		return err
	}
	if nodes == nil {
		nodes = []cluster.Node{}
	}
	return writeJSON(w, http.StatusOK, NodeList{Nodes: nodes})
}

// singleNode is the one node of a server outside a cluster, computed now.
func (s *Server) singleNode(ctx context.Context) (cluster.Node, error) {
	views, err := s.cfg.Sessions.List(ctx)
	if err != nil {
		return cluster.Node{}, err
	}
	name, err := os.Hostname()
	if err != nil {
		name = "localhost"
	}
	n := cluster.Node{Name: name, Up: true, LastRenewal: time.Now().UTC()}
	for _, v := range views {
		if v.Status.Running() {
			n.Sessions++
			n.MemoryBytes += v.Resources.PSSBytes
		}
	}
	return n, nil
}

// drainNode godoc
//
//	@Summary		Drain a node: hand its sessions to the other nodes
//	@ID				drainNode
//	@Description	The node hands its sessions over one at a time (graceful close, final snapshot, lease released) so that the other nodes resume them with no re-scan, and takes no new ones; SIGTERM does the same before the node exits. Any node accepts the call and passes it to the named node. 202 once the drain has started; GET /v1/nodes shows the node's sessions falling to 0. Admin only.
//	@Tags			operations
//	@Produce		json
//	@Param			node	path		string	true	"node name (--node-name)"
//	@Success		202		{object}	DrainResponse
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem	"a scoped key"
//	@Failure		404		{object}	Problem	"no node of that name"
//	@Failure		409		{object}	Problem	"not a cluster: there is no node to hand sessions to"
//	@Failure		503		{object}	Problem	"the node does not answer (owner_unreachable)"
//	@Security		ApiKeyAuth
//	@Router			/v1/nodes/{node}/drain [post]
func (s *Server) drainNode(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "node")
	if s.cfg.Cluster == nil {
		self, err := s.singleNode(r.Context())
		if err != nil {
			return err
		}
		if name != self.Name {
			return apperr.E(apperr.NotFound, "no node %q: this server is the single node %q", name, self.Name)
		}
		return apperr.E(apperr.Conflict, "this server is not part of a cluster: there is no node to hand its sessions to; stop it with SIGTERM")
	}
	if name != s.cfg.Cluster.Self() {
		return s.forwardDrain(w, r, name)
	}
	if err := s.cfg.Cluster.Drain(r.Context(), name); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, DrainResponse{Node: name, Status: "draining"})
}

// forwardDrain passes a drain to the node it names.
func (s *Server) forwardDrain(w http.ResponseWriter, r *http.Request, name string) error {
	if r.Header.Get(ForwardedByHeader) != "" {
		return apperr.E(apperr.OwnerUnreachable, "node %q was asked by another node to drain %q, which is not its name", s.cfg.Cluster.Self(), name)
	}
	nodes, err := s.cfg.Cluster.Nodes(r.Context())
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if n.Name != name {
			continue
		}
		target, usable := advertisedURL(n.URL)
		if !n.Up || !usable {
			return apperr.E(apperr.OwnerUnreachable, "node %q is not up (or advertises no usable URL %q); it cannot drain now", name, n.URL)
		}
		s.forwardTo(w, r, target)
		return nil
	}
	return apperr.E(apperr.NotFound, "no node %q in the cluster; GET /v1/nodes lists them", name)
}
