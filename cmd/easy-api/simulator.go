package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/easy-api/easy-api/cmd/easy-api/app"
	"github.com/easy-api/easy-api/internal/wasim"
)

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
	if _, err := app.ParseFlags(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := app.NewLogger(*logLevel, "auto", stderr)
	if err != nil {
		return err
	}
	sim := wasim.New(wasim.Config{QRFirst: *first, QRInterval: *interval, QRMax: *qrMax, SyncDelay: *syncDelay, Log: log})
	defer sim.Close()
	if err := app.CompileSimulator(sim, log); err != nil {
		return err
	}
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
