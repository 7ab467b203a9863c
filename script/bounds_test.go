package script

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/encephagen/encephagen/script/interp"
	"github.com/encephagen/encephagen/script/rundir"

	"go.starlark.net/starlark"
)

// TestJSONBounded: write_json and unit() refuse a value that contains
// itself, one nested deeper than maxJSONDepth and one whose encoding is
// longer than maxJSONBytes, with the script's position, in bounded time.
func TestJSONBounded(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"list cycle", "a = [1]\na.append(a)\nwrite_json(\"x.json\", a)\n", "value[1] contains itself"},
		{"dict cycle", "d = {}\nd[\"self\"] = [d]\nwrite_json(\"x.json\", {\"d\": d})\n", "value.d.self[0] contains itself"},
		{"unit cycle", "a = []\na.append(a)\nunit(\"k\", lambda: a)\n", "the result of unit \"k\": value[0] contains itself"},
		{"deep list", "x = []\nfor i in range(100000):\n    x = [x]\nwrite_json(\"x.json\", x)\n", "nested more than 200 lists, dicts or structs deep"},
		{"deep dict", "x = {}\nfor i in range(100000):\n    x = {\"a\": x}\nunit(\"k\", lambda: x)\n", "nested more than 200 lists, dicts or structs deep"},
		{"long", "s = \"x\" * (1 << 20)\nwrite_json(\"x.json\", [s] * 300)\n", "longer than 256 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := execSource(t, c.src, nil, Options{})
			if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
				t.Fatalf("error %v, want %q", r.err, c.want)
			}
			if !strings.Contains(r.err.Error(), "main.star:") {
				t.Errorf("error without the script position: %v", r.err)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	// At the limit: maxJSONDepth levels are written and read back.
	r := execSource(t, "x = 1\nfor i in range(200):\n    x = [x]\nunit(\"k\", lambda: x)\nwrite_json(\"x.json\", x)\n", nil, Options{})
	if r.err != nil {
		t.Fatal(r.err)
	}
}

// TestJSONEncodeCancelled: a cancelled context stops a long encoding.
func TestJSONEncodeCancelled(t *testing.T) {
	big := make(starlark.Tuple, 100000)
	for i := range big {
		big[i] = starlark.MakeInt(i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := interp.EncodeJSON(ctx, big, "")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestJSONDecodeDepth: a stored unit nested too deep is refused, not
// followed down the stack.
func TestJSONDecodeDepth(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if _, err := interp.DecodeOrdered([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("error %v", err)
	}
}

// TestFIFOsRefused: a script, a module or a connectome that is a FIFO is
// refused at once; opening it would block until a writer came, through
// Ctrl-C.
func TestFIFOsRefused(t *testing.T) {
	dataPath(t)
	dir := t.TempDir()
	for _, name := range []string{"fifo.star", "mod.star", "c.zip"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
			t.Skip("no FIFOs here:", err)
		}
	}
	main := filepath.Join(dir, "main.star")
	cases := []struct {
		script, src, want string
	}{
		{filepath.Join(dir, "fifo.star"), "", "fifo.star is not a regular file"},
		{main, "load(\"mod.star\", \"x\")\n", "mod.star is not a regular file"},
		{main, "connectome(\"./c.zip\")\n", "c.zip is not a regular file"},
	}
	for _, c := range cases {
		if c.src != "" {
			os.WriteFile(c.script, []byte(c.src), 0o644)
		}
		done := make(chan error, 1)
		go func() {
			_, err := Exec(context.Background(), Options{Script: c.script, RunDir: filepath.Join(t.TempDir(), "run"), Stdout: io.Discard, Stderr: io.Discard})
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want %q", c.src, err, c.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%q: still blocked after 5 s", c.src)
		}
	}
}

// TestRunDirLocked: while a run uses its directory, a second run there
// (--resume, or the same shard) is refused with the holder's process id;
// the lock ends with the run.
func TestRunDirLocked(t *testing.T) {
	dataPath(t)
	root := t.TempDir()
	script := filepath.Join(root, "main.star")
	for _, shard := range []*rundir.Shard{nil, {Index: 0, Count: 2, From: "--shard"}} {
		os.WriteFile(script, []byte("def f(u):\n    write_text(\"started.txt\", \"x\")\n    while True:\n        pass\nrun_units([{\"key\": \"a\"}, {\"key\": \"b\"}], f)\n"), 0o644)
		run := filepath.Join(t.TempDir(), "run")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := Exec(ctx, Options{Script: script, RunDir: run, Shard: shard, Stdout: io.Discard, Stderr: io.Discard})
			done <- err
		}()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, err := os.Stat(filepath.Join(run, "started.txt")); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the first run did not start")
			}
		}
		_, err := Exec(context.Background(), Options{Script: script, RunDir: run, Resume: true, Shard: shard, Stdout: io.Discard, Stderr: io.Discard})
		var ue *UsageError
		want := fmt.Sprintf("is in use by another encephagen run (pid %d on ", os.Getpid())
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("second run (shard %v): %v, want a usage error with %q", shard, err, want)
		}
		cancel()
		<-done
		// The lock ends with the run: resuming now proceeds (and is
		// interrupted at once).
		ctx2, cancel2 := context.WithCancel(context.Background())
		cancel2()
		_, err = Exec(ctx2, Options{Script: script, RunDir: run, Resume: true, Shard: shard, Stdout: io.Discard, Stderr: io.Discard})
		if err != nil && strings.Contains(err.Error(), "in use") {
			t.Errorf("after the first run ended: %v", err)
		}
	}
}

// TestRunInfoAfterDiskFull: when the disk fills up, run.json still ends
// saying how the run ended (not "running"), written in the room it kept.
func TestRunInfoAfterDiskFull(t *testing.T) {
	writes := 0
	rundir.WriteFault = func(name string) error {
		if writes++; writes > 1 { // the first is run.json at the start
			return syscall.ENOSPC
		}
		return nil
	}
	defer func() { rundir.WriteFault = nil }()
	long := strings.Repeat("a long message ", 2000)
	r := execSource(t, "x = "+fmt.Sprintf("%q", long)+"\nwrite_json(\"results.json\", {\"a\": 1})\n", nil, Options{})
	if r.err == nil || !strings.Contains(r.err.Error(), "no space left on device") {
		t.Fatalf("error %v", r.err)
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info rundir.Info
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	if info.Status != "error" || !strings.Contains(info.Error, "no space left on device") {
		t.Errorf("run.json: status %q, error %q", info.Status, info.Error)
	}
	// A message longer than the room is shortened.
	writes = 0
	r = execSource(t, "fail("+fmt.Sprintf("%q", long)+")\n", nil, Options{})
	b, _ = os.ReadFile(filepath.Join(r.dir, "run.json"))
	if err := json.Unmarshal(b, &info); err != nil || info.Status != "error" || !strings.HasSuffix(info.Error, "[…]") {
		t.Errorf("run.json after a long error: %v, status %q, error ending %q", err, info.Status, info.Error[max(0, len(info.Error)-20):])
	}
}

// TestDamagedRunJSON: resuming a run whose run.json is damaged says so
// and what to do, not a bare JSON error.
func TestDamagedRunJSON(t *testing.T) {
	dataPath(t)
	root := t.TempDir()
	script := filepath.Join(root, "main.star")
	os.WriteFile(script, []byte("print(1)\n"), 0o644)
	run := filepath.Join(root, "run")
	if _, err := Exec(context.Background(), Options{Script: script, RunDir: run, Stdout: io.Discard, Stderr: io.Discard}); err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{"{\"status\": \"ok\", \"scr", "[]", "{}"} {
		os.WriteFile(filepath.Join(run, "run.json"), []byte(junk), 0o644)
		_, err := Exec(context.Background(), Options{Script: script, RunDir: run, Resume: true, Stdout: io.Discard, Stderr: io.Discard})
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "run.json is damaged and cannot be read") || !strings.Contains(err.Error(), "start a new run") {
			t.Errorf("run.json %q: %v", junk, err)
		}
	}
}
