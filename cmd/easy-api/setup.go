package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/browser"
)

// The wa-js bundle (@wppconnect/wa-js, Apache-2.0) is injected into
// WhatsApp Web. It is never committed nor embedded: `make assets` installs
// it under node_modules in a checkout, `easy-api setup` fetches it with npm
// into the session data path, and serve looks for it at boot.
const (
	waJSPackage = "@wppconnect/wa-js"
	// waJSVersion and waJSIntegrity pin what setup fetches; a test holds
	// them equal to package-lock.json's.
	waJSVersion   = "4.6.0"
	waJSIntegrity = "sha512-epf+ucZO9c25dCaGraslVNHB1mRjid7rfijZhKbalXed/gbDzi6u69wdHCgPbcZW9McVpKmVW+3AzffI39p2SQ=="
	// waJSFile is the bundle's name in a folder setup wrote; waJSLicense is
	// its licence beside it.
	waJSFile    = "wppconnect-wa.js"
	waJSLicense = "wppconnect-wa.LICENSE"
)

// waJSInCheckout is where `make assets` (npm ci) puts the bundle, relative
// to the folder it ran in.
var waJSInCheckout = filepath.Join("node_modules", "@wppconnect", "wa-js", "dist", waJSFile)

// waJSHint says how to get the bundle.
const waJSHint = "run `easy-api setup` (npm fetches " + waJSPackage + " " + waJSVersion +
	" into the session data path), or `make assets` in a checkout, or point --wajs at the bundle"

// waJSDirs are the folders the bundle is looked for in, in order: the
// executable's, the session data path, the working directory.
func waJSDirs(dataPath string) []string {
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			dirs = append(dirs, filepath.Dir(exe))
		}
	}
	dirs = append(dirs, dataPath)
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	return dirs
}

// findWAJS returns the bundle to inject: the --wajs value when set ("none"
// injects none), else the first existing <dir>/wppconnect-wa.js or
// <dir>/node_modules/@wppconnect/wa-js/dist/wppconnect-wa.js over dirs. A
// missing bundle is an error naming where it looked and how to get one.
func findWAJS(flag string, dirs []string) (string, error) {
	switch flag {
	case browser.WAJSNone:
		return flag, nil
	case "":
	default:
		if _, err := os.Stat(flag); err != nil {
			return flag, fmt.Errorf("--wajs %s: %w; %s", flag, errors.Unwrap(err), waJSHint)
		}
		return flag, nil
	}
	for _, dir := range dirs {
		for _, p := range []string{filepath.Join(dir, waJSFile), filepath.Join(dir, waJSInCheckout)} {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("no wa-js bundle (%s) next to the executable, in the session data path or in the working directory: %s", waJSFile, waJSHint)
}

// resolveWAJS finds the bundle at boot. It returns the path for
// browser.Config.WAJS and a readiness check that fails, naming how to get
// the bundle, while a server that needs one (not --simulator, not --wajs
// none) has none; the same is logged now, not first at a session's launch.
// With no bundle found, launches read the session data path's, so one that
// `easy-api setup` writes later is used without a restart.
func resolveWAJS(flag string, simulator bool, dataPath string, log zerolog.Logger) (string, func() error) {
	ready := func() error { return nil }
	if simulator {
		return browser.WAJSNone, ready
	}
	path, err := findWAJS(flag, waJSDirs(dataPath))
	if err == nil {
		if path != browser.WAJSNone {
			log.Info().Str("wajs", path).Msg("wa-js bundle")
		}
		return path, ready
	}
	log.Warn().Err(err).Msg("sessions cannot launch against WhatsApp Web until the wa-js bundle is there")
	if path == "" {
		path = filepath.Join(dataPath, waJSFile)
	}
	return path, func() error {
		if _, err := os.Stat(path); err != nil {
			return apperr.E(apperr.Unavailable, "wa-js bundle missing (%s): %s", path, waJSHint)
		}
		return nil
	}
}

// setup is `easy-api setup`: it fetches the pinned wa-js bundle with npm
// (from npm's cache when there), checks it against the pinned integrity,
// and writes the bundle and its licence into the session data path, where
// serve finds it.
func setup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	dataPath := fs.String("session-data-path", ".", "folder to write "+waJSFile+" into (serve's --session-data-path)")
	if err := parseFlags(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	dir, err := filepath.Abs(*dataPath)
	if err != nil {
		return err
	}
	tgz, cleanup, err := npmPack(ctx, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := checkIntegrity(tgz); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	err = extract(tgz, map[string]string{
		"package/dist/" + waJSFile: filepath.Join(dir, waJSFile),
		"package/LICENSE":          filepath.Join(dir, waJSLicense),
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s %s written to %s; `easy-api serve --session-data-path %s` finds it\n",
		waJSPackage, waJSVersion, filepath.Join(dir, waJSFile), *dataPath)
	return err
}

// npmPack downloads the pinned package's tarball with npm into a temp
// folder that cleanup removes.
func npmPack(ctx context.Context, stderr io.Writer) (string, func(), error) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", nil, errors.New("setup fetches the wa-js bundle with npm, which is not on PATH: install it (Debian: apt-get install npm) or run `make assets` in a checkout")
	}
	tmp, err := os.MkdirTemp("", "easy-api-setup-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	cmd := exec.CommandContext(ctx, npm, "pack", waJSPackage+"@"+waJSVersion, "--pack-destination", tmp,
		"--prefer-offline", "--silent", "--no-audit", "--no-fund")
	cmd.Dir, cmd.Stdout, cmd.Stderr = tmp, io.Discard, stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("npm pack %s@%s: %w", waJSPackage, waJSVersion, err)
	}
	found, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if len(found) != 1 {
		cleanup()
		return "", nil, fmt.Errorf("npm pack left %d tarballs, want 1", len(found))
	}
	return found[0], cleanup, nil
}

// checkIntegrity compares the tarball's SHA-512 with the pinned one.
func checkIntegrity(tgz string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := "sha512-" + base64.StdEncoding.EncodeToString(h.Sum(nil)); got != waJSIntegrity {
		return fmt.Errorf("%s@%s: integrity %s, want the pinned %s", waJSPackage, waJSVersion, got, waJSIntegrity)
	}
	return nil
}

// extract writes the tarball's entries named in files to their paths,
// each atomically; every one must be there.
func extract(tgz string, files map[string]string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	left := len(files)
	for left > 0 {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: %d of its files are missing", filepath.Base(tgz), left)
		}
		if err != nil {
			return err
		}
		dst, ok := files[hdr.Name]
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := writeAtomic(dst, tr); err != nil {
			return err
		}
		left--
	}
	return nil
}

// writeAtomic writes r to path through a temp file in the same folder, so
// a server reading path never sees half a bundle.
func writeAtomic(path string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
