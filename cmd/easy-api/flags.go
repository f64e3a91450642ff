package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// parseFlags parses args into fs and then fills every flag not given on the
// command line from the environment (EASY_API_<FLAG>, dashes as
// underscores) and then from the JSON config file named by the "config"
// flag (or EASY_API_CONFIG): flag > env > file > default.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: easy-api %s [flags]\n\nEvery flag can also be set as an environment variable EASY_API_<FLAG> (e.g. EASY_API_PORT)\nor in the JSON file given by --config. Precedence: flag > env > file > default.\n\n", fs.Name())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
			set[f.Name] = true
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if cf := fs.Lookup("config"); cf != nil && cf.Value.String() != "" {
		return applyConfigFile(fs, cf.Value.String(), set)
	}
	return nil
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "EASY_API_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyConfigFile sets the flags not set yet from a JSON object whose keys are
// flag names.
func applyConfigFile(fs *flag.FlagSet, path string, set map[string]bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	for k, v := range m {
		f := fs.Lookup(k)
		if f == nil {
			return fmt.Errorf("config file %s: unknown setting %q", path, k)
		}
		if set[k] {
			continue
		}
		var vals []any
		if arr, ok := v.([]any); ok {
			vals = arr
		} else {
			vals = []any{v}
		}
		for _, one := range vals {
			if err := f.Value.Set(fmt.Sprint(one)); err != nil {
				return fmt.Errorf("config file %s: %s: %w", path, k, err)
			}
		}
	}
	return nil
}

// listFlag is a repeatable flag; from the environment it takes a
// comma-separated list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
