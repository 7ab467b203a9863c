package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestDefaultBuildIsPureGo: the default build (make build) needs no cgo
// and no CUDA: it builds with CGO_ENABLED=0 and gorgonia.org/cu is not
// among its packages (only the cuda build links it).
func TestDefaultBuildIsPureGo(t *testing.T) {
	env := append(os.Environ(), "CGO_ENABLED=0")
	build := exec.Command("go", "build", "-o", os.DevNull, ".")
	build.Env = env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	list := exec.Command("go", "list", "-deps", ".")
	list.Env = env
	out, err := list.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "gorgonia.org/") || strings.HasSuffix(pkg, "/gpu/cuinit") {
			t.Errorf("the default build imports %s", pkg)
		}
	}
}

// TestLayers: data flows one way (script → engine backend → CPU or GPU).
// The script layer imports no backend (no gpu package, no cgo outside the
// standard library); the default binary does not contain package gpu (it
// registers itself as the backend "cuda" in the cuda build only); the
// engine knows nothing of Starlark.
func TestLayers(t *testing.T) {
	deps := func(tags string, pkgs ...string) []string {
		t.Helper()
		args := append([]string{"list", "-tags", tags, "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{len .CgoFiles}}"}, pkgs...)
		out, err := exec.Command("go", args...).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	const mod = "github.com/encephagen/encephagen/"
	for _, line := range deps("", "../../script/...") {
		f := strings.Fields(line)
		if strings.HasPrefix(f[0], mod+"gpu") {
			t.Errorf("the script layer imports %s", f[0])
		}
		if f[1] == "false" && f[2] != "0" {
			t.Errorf("the script layer depends on cgo in %s", f[0])
		}
	}
	for _, line := range deps("", ".") {
		if strings.HasPrefix(line, mod+"gpu") {
			t.Errorf("the default build contains %s", strings.Fields(line)[0])
		}
	}
	found := false
	for _, line := range deps("cuda", ".") {
		found = found || strings.HasPrefix(line, mod+"gpu ")
	}
	if !found {
		t.Error("the cuda build does not contain package gpu")
	}
	for _, line := range deps("", "../../engine/...") {
		if strings.HasPrefix(line, "go.starlark.net") || strings.HasPrefix(line, mod+"script") {
			t.Errorf("the engine imports %s", strings.Fields(line)[0])
		}
	}
}
