package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
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

// Close stops both listeners and the simulator.
func (s *simServer) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
	s.sim.Close()
}

// simulator runs `easy-api simulator`: the simulator alone.
func simulator(ctx context.Context, args []string, getenv func(string) string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulator", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:7000", "address to listen on")
	first := fs.Duration("qr-first", wasim.DefaultQRFirst, "how long the first QR code of a run is valid")
	interval := fs.Duration("qr-interval", wasim.DefaultQRInterval, "how long each later QR code is valid")
	qrMax := fs.Int("qr-max", wasim.DefaultQRMax, "QR codes per run before the page goes idle")
	syncDelay := fs.Duration("sync-delay", wasim.DefaultSyncDelay, "how long a linked page syncs before it is ready")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a fresh self-signed certificate for web.whatsapp.com and print its SPKI pin")
	logLevel := fs.String("log-level", "info", "log level")
	fs.String("config", "", "JSON file of settings")
	if err := parseFlags(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := newLogger(*logLevel, "auto", stderr)
	if err != nil {
		return err
	}
	sim := wasim.New(wasim.Config{QRFirst: *first, QRInterval: *interval, QRMax: *qrMax, SyncDelay: *syncDelay, Log: log})
	defer sim.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if *useTLS {
		cert, pin, err := wasim.SelfSignedCert("web.whatsapp.com", "localhost", "127.0.0.1")
		if err != nil {
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
		log.Info().Str("spki_pin", pin).Msg("pass to Chromium as --ignore-certificate-errors-spki-list")
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info().Str("url", scheme+"://"+ln.Addr().String()+"/").Str("control_api", scheme+"://"+ln.Addr().String()+"/__sim/").Msg("simulator listening")
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}
