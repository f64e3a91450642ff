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

	"github.com/easy-api/easy-api/cmd/easy-api/app"
)

// setup is `easy-api setup`: it fetches the pinned wa-js bundle with npm
// (from npm's cache when there), checks it against the pinned integrity,
// and writes the bundle and its licence into the session data path, where
// serve finds it.
func setup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	dataPath := fs.String("session-data-path", ".", "folder to write "+app.WAJSFile+" into (serve's --session-data-path)")
	if _, err := app.ParseFlags(fs, args, getenv, stderr); err != nil {
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
		"package/dist/" + app.WAJSFile: filepath.Join(dir, app.WAJSFile),
		"package/LICENSE":              filepath.Join(dir, app.WAJSLicense),
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s %s written to %s; `easy-api serve --session-data-path %s` finds it\n",
		app.WAJSPackage, app.WAJSVersion, filepath.Join(dir, app.WAJSFile), *dataPath)
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
	cmd := exec.CommandContext(ctx, npm, "pack", app.WAJSPackage+"@"+app.WAJSVersion, "--pack-destination", tmp,
		"--prefer-offline", "--silent", "--no-audit", "--no-fund")
	cmd.Dir, cmd.Stdout, cmd.Stderr = tmp, io.Discard, stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("npm pack %s@%s: %w", app.WAJSPackage, app.WAJSVersion, err)
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
	if got := "sha512-" + base64.StdEncoding.EncodeToString(h.Sum(nil)); got != app.WAJSIntegrity {
		return fmt.Errorf("%s@%s: integrity %s, want the pinned %s", app.WAJSPackage, app.WAJSVersion, got, app.WAJSIntegrity)
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
