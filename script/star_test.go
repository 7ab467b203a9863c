package script

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"
)

// TestStarFiles runs testdata/*_test.star with the assert module.
func TestStarFiles(t *testing.T) {
	dataPath(t)
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*_test.star"))
	if len(files) == 0 {
		t.Fatal("no .star tests")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".star"), func(t *testing.T) {
			var out bytes.Buffer
			dir := t.TempDir()
			_, err := Exec(context.Background(), Options{
				Script: f, RunDir: dir, Stdout: &out, Stderr: &out, Workers: 2,
				ExtraModules: map[string]starlark.StringDict{"assert.star": assert},
				ThreadHook:   func(th *starlark.Thread) { starlarktest.SetReporter(th, t) },
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if strings.HasPrefix(filepath.Base(f), "outputs") {
				checkOutputs(t, dir)
			}
		})
	}
}

func checkOutputs(t *testing.T, dir string) {
	want := map[string]string{
		"a/b.json":         "{\n  \"x\": 1.0,\n  \"arr\": [1.5, 2.0],\n  \"s\": {\n    \"k\": true\n  },\n  \"t\": [\n    1,\n    null\n  ]\n}\n",
		"t.csv":            "a,b,c,d,e\n1,2.5,x,,True\n",
		"report.txt":       "hello\n",
		"units/first.json": "{\"key\": \"first\", \"value\": {\"t\":[1,2],\"v\":3}}\n",
		"units/f/2.json":   "{\"key\": \"f/2\", \"value\": 2.0}\n",
	}
	for name, body := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		// A unit's wall time varies; the rest of the record must not.
		b = regexp.MustCompile(`"wall_s": [0-9.]+, `).ReplaceAll(b, nil)
		if string(b) != body {
			t.Errorf("%s:\n%s\nwant:\n%s", name, b, body)
		}
	}
	// No temporary files are left behind.
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".part") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}
