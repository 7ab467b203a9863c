package stdlib_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"

	"github.com/encephagen/encephagen/script"
	"github.com/encephagen/encephagen/stdlib"
)

// TestModules runs testdata/NAME_test.star for every module NAME.star of
// the library, with go.starlark.net's assert module loadable as
// "assert.star".
func TestModules(t *testing.T) {
	if os.Getenv("ENCEPHAGEN_DATA") == "" {
		t.Fatal("ENCEPHAGEN_DATA is not set: point it at the shared connectomes (e.g. ../shared/connectomes); `make test` does this")
	}
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	mods, err := fs.Glob(stdlib.FS, "*.star")
	if err != nil || len(mods) == 0 {
		t.Fatalf("no modules: %v", err)
	}
	for _, m := range mods {
		name := strings.TrimSuffix(m, ".star")
		t.Run(name, func(t *testing.T) {
			test := filepath.Join("testdata", name+"_test.star")
			if _, err := os.Stat(test); err != nil {
				t.Fatalf("module %s has no test: %v", m, err)
			}
			var out bytes.Buffer
			_, err := script.Exec(context.Background(), script.Options{
				Script:       test,
				RunDir:       t.TempDir(),
				Stdout:       &out,
				Stderr:       &out,
				ExtraModules: map[string]starlark.StringDict{"assert.star": assert},
				ThreadHook:   func(th *starlark.Thread) { starlarktest.SetReporter(th, t) },
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
		})
	}
}

// TestVet checks every module with `encephagen vet`'s checks.
func TestVet(t *testing.T) {
	mods, _ := fs.Glob(stdlib.FS, "*.star")
	for _, m := range mods {
		for _, p := range script.Vet([]string{filepath.Join(".", m)}) {
			t.Errorf("%s", p)
		}
	}
}
