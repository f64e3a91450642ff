package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/wasim"
)

// simServer is an in-process simulator: TLS at the real origin for the
// browsers (through host-resolver rules) and plain HTTP for people.
type simServer struct {
	sim       *wasim.Server
	servers   []*http.Server
	hostRules string
	pin       string
}

// startSimulator serves the simulator on a loopback TLS port (for Chromium)
// and on controlAddr over plain HTTP (for the control API).
func startSimulator(_ context.Context, controlAddr string, log zerolog.Logger) (*simServer, error) {
	cert, pin, err := wasim.SelfSignedCert("web.whatsapp.com")
	if err != nil {
		return nil, err
	}
	sim := wasim.New(wasim.Config{Log: log.With().Str("component", "simulator").Logger()})
	if err := CompileSimulator(sim, log); err != nil {
		sim.Close()
		return nil, err
	}
	tlsLn, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	plainLn, err := net.Listen("tcp", controlAddr)
	if err != nil {
		tlsLn.Close()
		return nil, fmt.Errorf("--simulator-addr: %w", err)
	}
	s := &simServer{sim: sim, pin: pin,
		hostRules: fmt.Sprintf("MAP web.whatsapp.com %s, MAP * ~NOTFOUND", tlsLn.Addr())}
	for _, ln := range []net.Listener{tlsLn, plainLn} {
		srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
		s.servers = append(s.servers, srv)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error().Err(err).Msg("simulator")
			}
		}()
	}
	log.Info().Str("control_api", "http://"+plainLn.Addr().String()+"/__sim/").Str("origin", tlsLn.Addr().String()).
		Msg("WhatsApp Web simulator running; scan with POST /__sim/scan {code, phone}")
	return s, nil
}

// CompileSimulator compiles the simulator page's scripts now, so a script
// that does not build fails the start, and logs how long it took.
func CompileSimulator(sim *wasim.Server, log zerolog.Logger) error {
	took, err := sim.CompileScripts()
	if err != nil {
		return err
	}
	log.Info().Dur("took", took).Msg("simulator page scripts compiled from their TypeScript")
	return nil
}

// Close stops both listeners and the simulator.
func (s *simServer) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
	s.sim.Close()
}

// InProcessSimulator is a running in-process simulator for commands other
// than serve (easy-api doctor --simulator): point a browser.Config at it
// with HostResolverRules and SPKIPins, and Close it when done.
type InProcessSimulator struct {
	HostResolverRules string
	SPKIPin           string
	Close             func()
}

// StartSimulator starts an in-process simulator as serve --simulator does.
func StartSimulator(ctx context.Context, controlAddr string, log zerolog.Logger) (InProcessSimulator, error) {
	s, err := startSimulator(ctx, controlAddr, log)
	if err != nil {
		return InProcessSimulator{}, err
	}
	return InProcessSimulator{HostResolverRules: s.hostRules, SPKIPin: s.pin, Close: s.Close}, nil
}
