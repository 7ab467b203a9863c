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
