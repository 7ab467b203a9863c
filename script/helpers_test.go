package script

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// dataPath fails the test (never skips) when ENCEPHAGEN_DATA does not lead
// to the shared connectomes: `make test` sets it.
func dataPath(t testing.TB) {
	t.Helper()
	for _, dir := range filepath.SplitList(os.Getenv("ENCEPHAGEN_DATA")) {
		if _, err := os.Stat(filepath.Join(dir, "paupau.zip")); err == nil {
			return
		}
	}
	t.Fatal("paupau.zip not found: set ENCEPHAGEN_DATA to the folder holding the shared connectomes (e.g. ../shared/connectomes); `make test` does this")
}

type result struct {
	stderr string // notes from the runner
	out    string // printed output
	dir    string // run directory
	err    error
}

// execSource writes src as main.star (and any extra files) into a fresh
// folder and executes it with a run directory beside it.
func execSource(t testing.TB, src string, files map[string]string, opts Options) result {
	t.Helper()
	dataPath(t)
	root := t.TempDir()
	scripts := filepath.Join(root, "scripts")
	if err := os.MkdirAll(scripts, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(scripts, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	main := filepath.Join(scripts, "main.star")
	if err := os.WriteFile(main, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	opts.Script = main
	if opts.RunDir == "" {
		opts.RunDir = filepath.Join(root, "run")
	}
	opts.Stdout, opts.Stderr = &out, &errw
	dir, err := Exec(context.Background(), opts)
	return result{out: out.String(), stderr: errw.String(), dir: dir, err: err}
}

// execWithLinks is execSource with symbolic links in the script folder.
func execWithLinks(t testing.TB, src string, files, links map[string]string) result {
	t.Helper()
	root := t.TempDir()
	scripts := filepath.Join(root, "scripts")
	os.MkdirAll(scripts, 0o755)
	for name, body := range files {
		p := filepath.Join(scripts, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	for name, target := range links {
		p := filepath.Join(scripts, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	main := filepath.Join(scripts, "main.star")
	os.WriteFile(main, []byte(src), 0o644)
	return execSourceAt(t, main, src, Options{RunDir: filepath.Join(root, "run")})
}

// execSourceAt writes src to the script path and executes it.
func execSourceAt(t testing.TB, script, src string, opts Options) result {
	t.Helper()
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	opts.Script, opts.Stdout, opts.Stderr = script, &out, &out
	dir, err := Exec(context.Background(), opts)
	return result{out: out.String(), dir: dir, err: err}
}
