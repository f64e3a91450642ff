package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck is `easy-api healthcheck`, the Docker HEALTHCHECK: it asks a
// running server's liveness route and returns an error (exit status 1)
// unless the server answers 200 within --timeout. It needs no curl or wget
// in the image. By default it reads where the server listens from
// EASY_API_HOST and EASY_API_PORT, as serve does; a wildcard host (0.0.0.0,
// ::, empty) means this machine's loopback.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", envOr(getenv, "EASY_API_HOST", "127.0.0.1"), "address the server listens on (env EASY_API_HOST)")
	port := fs.String("port", envOr(getenv, "EASY_API_PORT", "8080"), "port the server listens on (env EASY_API_PORT)")
	path := fs.String("path", "/healthz", "route to ask")
	url := fs.String("url", "", "full URL to ask; overrides --host, --port and --path")
	timeout := fs.Duration("timeout", 3*time.Second, "how long the server may take to answer")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *url == "" {
		*url = "http://" + net.JoinHostPort(loopbackFor(*host), *port) + *path
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	_, err = fmt.Fprintln(stdout, "ok", *url)
	return err
}

// loopbackFor returns the address to reach a server listening on host from
// the same machine.
func loopbackFor(host string) string {
	switch host {
	case "", "0.0.0.0":
		return "127.0.0.1"
	case "::", "[::]":
		return "::1"
	}
	return host
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
