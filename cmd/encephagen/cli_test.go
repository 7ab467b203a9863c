package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// runCLI runs the command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, _ := os.Pipe()
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, r)
		done <- b.String()
	}()
	code := run(args)
	w.Close()
	os.Stdout, os.Stderr = oldOut, oldErr
	return code, <-done
}

func TestExitCodes(t *testing.T) {
	if code, _ := runCLI(t, "version"); code != exitOK {
		t.Fatalf("version: exit %d", code)
	}
	if code, out := runCLI(t, "no-such-command"); code != exitUsage {
		t.Fatalf("unknown command: exit %d (%s)", code, out)
	}
	if code, out := runCLI(t, "simulate", "--no-such-flag"); code != exitUsage {
		t.Fatalf("unknown flag: exit %d (%s)", code, out)
	}
	if code, out := runCLI(t, "simulate", "--rows", "diagonal", "--connectome", "paupau"); code != exitUsage || !strings.Contains(out, "orientation must be") {
		t.Fatalf("bad --rows: exit %d (%s)", code, out)
	}
	for _, flag := range []string{"--wiring-rng", "--long-range"} {
		if code, out := runCLI(t, "simulate", flag, "torch", "--connectome", "paupau"); code != exitUsage || !strings.Contains(out, flag+" must be") {
			t.Fatalf("bad %s: exit %d (%s)", flag, code, out)
		}
	}
	if code, out := runCLI(t, "connectome", "info", "no-such-connectome"); code != exitError || !strings.Contains(out, "connectome fetch") {
		t.Fatalf("missing connectome: exit %d (%s)", code, out)
	}
}

// simulate turns --ms into steps with the scripts' rule: 0.3 ms is 3
// steps (0.3/0.1 is 2.9999999999999996; truncation gave 2).
func TestSimulateStepsRule(t *testing.T) {
	code, out := runCLI(t, "simulate", "--connectome", "paupau", "--npr", "20", "--ms", "0.3")
	if code != exitOK || !strings.Contains(out, "(3 steps)") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestSimulatePrintsGroupRates(t *testing.T) {
	code, out := runCLI(t, "simulate", "--connectome", "tvb96", "--npr", "20", "--ms", "50")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"prefrontal", "amygdala", "real-time factor", "500 steps"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestConnectomeCommands(t *testing.T) {
	code, out := runCLI(t, "connectome", "list")
	if code != exitOK || !strings.Contains(out, "tvb96") || !strings.Contains(out, "verified") {
		t.Fatalf("list: exit %d:\n%s", code, out)
	}
	code, out = runCLI(t, "connectome", "info", "tvb96")
	if code != exitOK || !strings.Contains(out, "3860") || !strings.Contains(out, "amygdala") {
		t.Fatalf("info: exit %d:\n%s", code, out)
	}
	code, out = runCLI(t, "connectome", "path", "paupau")
	if code != exitOK || !strings.HasSuffix(strings.TrimSpace(out), "paupau.zip") {
		t.Fatalf("path: exit %d:\n%s", code, out)
	}
	t.Setenv("ENCEPHAGEN_CACHE", t.TempDir())
	code, out = runCLI(t, "connectome", "import", os.Getenv("ENCEPHAGEN_DATA")+"/paupau.zip")
	if code != exitOK || !strings.Contains(out, "paupau.zip") {
		t.Fatalf("import: exit %d:\n%s", code, out)
	}
}

func TestBenchSmall(t *testing.T) {
	code, out := runCLI(t, "bench", "--connectome", "paupau", "--npr", "20", "--steps", "10", "--warmup", "0")
	if code != exitOK || !strings.Contains(out, "ms/step 1 core") {
		t.Fatalf("bench: exit %d:\n%s", code, out)
	}
}
