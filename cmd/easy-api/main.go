// Command easy-api runs many WhatsApp Web sessions and serves them over REST,
// WebSocket/SSE and webhooks. main only wires: see run, and app.Serve for serve.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/easy-api/easy-api/cmd/easy-api/app"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "easy-api:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand: serve (the default), simulator, setup,
// doctor, healthcheck, version.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return app.Serve(ctx, args, getenv, stdout, stderr, app.Options{Version: version})
	case "simulator":
		return simulator(ctx, args, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args, getenv, stdout, stderr)
	case "setup":
		return setup(ctx, args, getenv, stdout, stderr)
	case "doctor":
		return doctor(ctx, args, getenv, stdout, stderr)
	case "version":
		_, err := fmt.Fprintln(stdout, "easy-api", version)
		return err
	case "help":
		_, err := fmt.Fprintln(stdout, "usage: easy-api [serve|simulator|setup|doctor|healthcheck|version] [flags]; easy-api serve --help lists every flag")
		return err
	default:
		return fmt.Errorf("unknown command %q (want serve, simulator, setup, doctor, healthcheck or version)", cmd)
	}
}
