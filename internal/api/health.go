package api

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/easy-api/easy-api/internal/apperr"
)

// healthz godoc
//
//	@Summary	Liveness: the process answers
//	@ID			getHealth
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	HealthResponse
//	@Router		/healthz [get]
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, HealthResponse{Status: "ok", Version: s.cfg.Version})
}

// readyz godoc
//
//	@Summary		Readiness: the store and the supervisor are up (in a cluster: the store has quorum)
//	@ID				getReadiness
//	@Description	503 while the store is down or full, or, in a cluster, while this node's store has no JetStream quorum. /healthz (liveness) does not change during a partition.
//	@Tags			operations
//	@Produce		json
//	@Success		200	{object}	HealthResponse
//	@Failure		503	{object}	Problem
//	@Router			/readyz [get]
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.ready(); err != nil {
		// The cause goes to the log; an apperr detail is meant for the client.
		detail := "not ready"
		e, ok := errors.AsType[*apperr.Error](err)
		if ok {
			detail += ": " + e.Detail
		}
		nr := apperr.Wrap(err, apperr.Unavailable, "%s", detail)
		if ok && e.Code == apperr.StorageFull {
			// The store logged the fault once: no log line per probe.
			apperr.WriteProblem(w, nr, middleware.GetReqID(r.Context()))
			return nil
		}
		return nr
	}
	return writeJSON(w, http.StatusOK, HealthResponse{Status: "ready", Version: s.cfg.Version})
}

// ready is Config.Ready and, in a cluster, the store's quorum: a node
// without quorum cannot renew leases or write, so it takes no traffic.
// Liveness (/healthz) never looks at either: a partition must not get a
// node restarted, which would only lose its sessions sooner.
func (s *Server) ready() error {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			return err
		}
	}
	if s.cfg.Cluster == nil {
		return nil
	}
	err := s.cfg.Cluster.Quorum()
	if _, isApp := errors.AsType[*apperr.Error](err); err != nil && !isApp {
		return apperr.Wrap(err, apperr.Unavailable, "the store has no JetStream quorum (too few cluster nodes reachable)")
	}
	return err
}

// HealthResponse is the body of /healthz and /readyz.
type HealthResponse struct {
	Status  string `json:"status" example:"ok"`
	Version string `json:"version" example:"v0.1.0"`
} // @name HealthResponse
