//go:build cudacheck

package main

// What a cuda build does on this machine (make test-cuda; needs cgo and the
// CUDA headers and link library). Without a usable GPU: the program ends
// with encephagen's message and exit status 1, before gorgonia.org/cu's own
// initialiser can print its; the GPU test binary skips (exit 0), or fails
// under REQUIRE_GPU=1. With a GPU (or the driver emulator first on
// LD_LIBRARY_PATH): the program starts and names the device, and scripts
// give the CPU's results. REQUIRE_GPU=1 (gpu/emu.sh sets it) makes the
// no-GPU outcome a failure.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func goBuild(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// runBinary runs a program and returns its exit status and output.
func runBinary(t *testing.T, env []string, name string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("%s: %v", name, err)
	return 0, "", ""
}

func TestCUDABuildBehaviour(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "encephagen-cuda")
	tests := filepath.Join(dir, "gpu.test")
	goBuild(t, "build", "-tags", "cuda", "-o", bin, ".")
	goBuild(t, "test", "-c", "-tags", "cuda", "-o", tests, "../../gpu")

	code, stdout, stderr := runBinary(t, nil, bin, "version")
	t.Logf("encephagen-cuda version: exit %d\n%s%s", code, stdout, stderr)
	if strings.Contains(stdout+stderr, "Error in initialization") {
		t.Fatal("gorgonia.org/cu's initialiser ran before package cuinit")
	}
	gpuTests := func(env ...string) (int, string) {
		code, stdout, stderr := runBinary(t, env, tests, "-test.run", "^TestAvailable$", "-test.v")
		return code, stdout + stderr
	}
	if code == 0 {
		// A usable GPU (or the emulator): the device is named.
		if !strings.Contains(stdout, "CUDA backend: ") || strings.Contains(stdout, "no usable GPU") {
			t.Errorf("version with a GPU does not name it:\n%s", stdout)
		}
		if code, out := gpuTests("REQUIRE_GPU=1"); code != 0 || !strings.Contains(out, "--- PASS: TestAvailable") {
			t.Errorf("GPU tests with a GPU: exit %d\n%s", code, out)
		}
		checkScriptsOnGPU(t, bin, dir)
		return
	}
	// No usable GPU.
	if os.Getenv("REQUIRE_GPU") == "1" {
		t.Fatalf("REQUIRE_GPU=1 and the cuda build found no usable GPU (exit %d):\n%s", code, stderr)
	}
	if code != 1 {
		t.Errorf("exit status %d without a GPU, want 1", code)
	}
	for _, want := range []string{"encephagen-cuda: this is the CUDA build", "no usable GPU (cuInit: CUDA_ERROR_", "bin/encephagen"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("message without a GPU lacks %q:\n%s", want, stderr)
		}
	}
	if code, out := gpuTests(); code != 0 || !strings.Contains(out, "SKIP: no usable GPU") {
		t.Errorf("GPU tests without a GPU: exit %d, want 0 with a SKIP line\n%s", code, out)
	}
	if code, out := gpuTests("REQUIRE_GPU=1"); code != 1 || !strings.Contains(out, "FAIL: REQUIRE_GPU=1") {
		t.Errorf("GPU tests without a GPU under REQUIRE_GPU=1: exit %d, want 1\n%s", code, out)
	}
}

// checkScriptsOnGPU: a script whose units run side by side gives the CPU's
// results on --backend auto (which picks the GPU and says so), and so
// does a script with e-prop.
func checkScriptsOnGPU(t *testing.T, bin, dir string) {
	requireData(t)
	units := testdata(t, "units.star")
	results := map[string]string{}
	for _, backend := range []string{"cpu", "auto"} {
		out := filepath.Join(dir, "units-"+backend)
		code, stdout, stderr := runBinary(t, nil, bin, "exec", units, "--backend", backend, "--out", out)
		if code != 0 {
			t.Fatalf("exec --backend %s: exit %d\n%s%s", backend, code, stdout, stderr)
		}
		if backend == "auto" && !strings.Contains(stderr, "backend auto: using cuda (") {
			t.Errorf("--backend auto does not say it uses cuda:\n%s", stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "units.json"))
		if err != nil {
			t.Fatal(err)
		}
		results[backend] = string(b)
		info, err := os.ReadFile(filepath.Join(out, "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"cpu": `"backend": "cpu"`, "auto": `"backend": "cuda: `}[backend]; !strings.Contains(string(info), want) {
			t.Errorf("run.json of --backend %s lacks %s", backend, want)
		}
		t.Logf("--backend %s: %s", backend, strings.TrimSpace(stdout))
	}
	if results["cpu"] != results["auto"] {
		t.Error("units.json differs between --backend cpu and the GPU")
	}
	if regexp.MustCompile(`"raster": \[\]`).MatchString(results["cpu"]) {
		t.Error("a unit's raster is empty: the comparison says little")
	}
	// E-prop on the device: the same reward and rates as on the CPU.
	var printed, rates []string
	for _, backend := range []string{"cpu", "cuda"} {
		out := filepath.Join(dir, "measure-"+backend)
		code, stdout, stderr := runBinary(t, nil, bin, "exec", testdata(t, "measure.star"), "--backend", backend, "--out", out)
		if code != 0 {
			t.Fatalf("measure.star on %s: exit %d\n%s%s", backend, code, stdout, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "rates.csv"))
		if err != nil {
			t.Fatal(err)
		}
		printed, rates = append(printed, stdout), append(rates, string(b))
	}
	if printed[0] != printed[1] || rates[0] != rates[1] || !strings.Contains(printed[0], "reward changed") {
		t.Errorf("measure.star (e-prop) differs between the CPU and the GPU:\n%s\n%s", printed[0], printed[1])
	}
}
