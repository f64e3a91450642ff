package app

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// sources records where each setting came from, to name it in errors.
type sources map[string]string

// of names where the setting came from: "--qr-timeout", its environment
// variable, or the config file and key; a default is named as its flag.
func (s sources) of(name string) string {
	if src, ok := s[name]; ok {
		return src
	}
	return "--" + name
}

// ParseFlags parses args into fs and then fills every flag not given on the
// command line from the environment (EASY_API_<FLAG>, dashes as
// underscores) and then from the JSON config file named by the "config"
// flag (or EASY_API_CONFIG): flag > env > file > default. It returns where
// each setting was found.
func ParseFlags(fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) (sources, error) {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: easy-api %s [flags]\n\nEvery flag can also be set as an environment variable EASY_API_<FLAG> (e.g. EASY_API_PORT)\nor in the JSON file given by --config. Precedence: flag > env > file > default.\n\n", fs.Name())
		if fs.Name() == "serve" {
			fmt.Fprint(stderr, "Every setting is checked before anything opens; docs/configuration.md explains each one.\n\n")
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	src := sources{}
	fs.Visit(func(f *flag.Flag) { src[f.Name] = "--" + f.Name })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if _, set := src[f.Name]; set {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvName(f.Name), err))
			}
			src[f.Name] = EnvName(f.Name)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cf := fs.Lookup("config"); cf != nil && cf.Value.String() != "" {
		if err := applyConfigFile(fs, cf.Value.String(), src); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// EnvName is the environment variable of a flag.
func EnvName(flagName string) string {
	return "EASY_API_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyConfigFile sets the flags not set yet from a JSON object whose keys are
// flag names and whose values are what --print-config prints: strings,
// numbers, booleans, or arrays of them for repeatable flags.
func applyConfigFile(fs *flag.FlagSet, path string, src sources) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("config file %s: not a JSON object: %w", path, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := fs.Lookup(k)
		where := fmt.Sprintf("config file %s: %q", path, k)
		if f == nil || k == "config" {
			return fmt.Errorf("%s: unknown setting", where)
		}
		if _, set := src[k]; set {
			continue
		}
		vals, err := fileValues(m[k])
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		for _, one := range vals {
			if err := f.Value.Set(one); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		src[k] = where
	}
	return nil
}

// fileValues turns a config file value into flag strings.
func fileValues(raw json.RawMessage) ([]string, error) {
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		arr = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(arr))
	for _, one := range arr {
		var v any
		if err := json.Unmarshal(one, &v); err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case bool, float64:
			out = append(out, string(one)) // the number as written: 16777216, not 1.6777216e+07
		default:
			return nil, fmt.Errorf("want a string, number, boolean or an array of them, not %s", one)
		}
	}
	return out, nil
}

// printConfig writes every setting of fs as typed JSON (numbers, booleans,
// duration strings, arrays for repeatable flags) that --config reads back
// unchanged. Secrets and the flags that steer this run (config,
// print-config) are left out.
func printConfig(fs *flag.FlagSet, w io.Writer) error {
	m := map[string]any{}
	fs.VisitAll(func(f *flag.Flag) {
		if secretFlags[f.Name] || f.Name == "config" || f.Name == "print-config" {
			return
		}
		v := any(f.Value.String())
		if g, ok := f.Value.(flag.Getter); ok {
			v = g.Get()
		}
		if d, ok := v.(time.Duration); ok {
			v = d.String()
		}
		m[f.Name] = v
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// secretFlags are never printed.
var secretFlags = map[string]bool{"api-key": true, "webhook-secret": true, "session-data": true, "cluster-secret": true, "nats-url": true}

// listFlag is a repeatable flag; from the environment it takes a
// comma-separated list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Get implements flag.Getter: the list, never null.
func (l *listFlag) Get() any { return append([]string{}, *l...) }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
