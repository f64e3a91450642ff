package app

import (
	"errors"
	"fmt"
	"os"
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
	WAJSPackage = "@wppconnect/wa-js"
	// WAJSVersion and WAJSIntegrity pin what setup fetches; a test holds
	// them equal to package-lock.json's.
	WAJSVersion   = "4.6.0"
	WAJSIntegrity = "sha512-epf+ucZO9c25dCaGraslVNHB1mRjid7rfijZhKbalXed/gbDzi6u69wdHCgPbcZW9McVpKmVW+3AzffI39p2SQ=="
	// WAJSFile is the bundle's name in a folder setup wrote; WAJSLicense is
	// its licence beside it.
	WAJSFile    = "wppconnect-wa.js"
	WAJSLicense = "wppconnect-wa.LICENSE"
)

// WAJSInCheckout is where `make assets` (npm ci) puts the bundle, relative
// to the folder it ran in.
var WAJSInCheckout = filepath.Join("node_modules", "@wppconnect", "wa-js", "dist", WAJSFile)

// WAJSHint says how to get the bundle.
const WAJSHint = "run `easy-api setup` (npm fetches " + WAJSPackage + " " + WAJSVersion +
	" into the session data path), or `make assets` in a checkout, or point --wajs at the bundle"

// WAJSDirs are the folders the bundle is looked for in, in order: the
// executable's, the session data path, the working directory.
func WAJSDirs(dataPath string) []string {
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

// FindWAJS returns the bundle to inject: the --wajs value when set ("none"
// injects none), else the first existing <dir>/wppconnect-wa.js or
// <dir>/node_modules/@wppconnect/wa-js/dist/wppconnect-wa.js over dirs. A
// missing bundle is an error naming where it looked and how to get one.
func FindWAJS(flag string, dirs []string) (string, error) {
	switch flag {
	case browser.WAJSNone:
		return flag, nil
	case "":
	default:
		if _, err := os.Stat(flag); err != nil {
			return flag, fmt.Errorf("--wajs %s: %w; %s", flag, errors.Unwrap(err), WAJSHint)
		}
		return flag, nil
	}
	for _, dir := range dirs {
		for _, p := range []string{filepath.Join(dir, WAJSFile), filepath.Join(dir, WAJSInCheckout)} {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("no wa-js bundle (%s) next to the executable, in the session data path or in the working directory: %s", WAJSFile, WAJSHint)
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
	path, err := FindWAJS(flag, WAJSDirs(dataPath))
	if err == nil {
		if path != browser.WAJSNone {
			log.Info().Str("wajs", path).Msg("wa-js bundle")
		}
		return path, ready
	}
	log.Warn().Err(err).Msg("sessions cannot launch against WhatsApp Web until the wa-js bundle is there")
	if path == "" {
		path = filepath.Join(dataPath, WAJSFile)
	}
	return path, func() error {
		if _, err := os.Stat(path); err != nil {
			return apperr.E(apperr.Unavailable, "wa-js bundle missing (%s): %s", path, WAJSHint)
		}
		return nil
	}
}
