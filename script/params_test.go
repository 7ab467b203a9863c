package script

import (
	"errors"
	"strings"
	"testing"
)

func TestParamsRuntime(t *testing.T) {
	r := execSource(t, `P = params(runs = 2, rate = 0.5, label = "x")
print(P.runs, P.rate, P.label, type(P.rate))
`, nil, Options{Sets: []string{"rate=2", "label=hello world"}})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.out != "2 2.0 hello world float\n" {
		t.Errorf("output %q", r.out)
	}
	// Only the main script declares parameters.
	r = execSource(t, `load("lib.star", "x")`, map[string]string{"lib.star": "x = params(a = 1)\n"}, Options{})
	if r.err == nil || !strings.Contains(r.err.Error(), "only the main script may declare parameters") {
		t.Errorf("params in a module: %v", r.err)
	}
	// Unknown --set names are refused before anything runs.
	r = execSource(t, "P = params(a = 1)\nprint(\"ran\")\n", nil, Options{Sets: []string{"b=1"}})
	var ue *UsageError
	if !errors.As(r.err, &ue) || r.out != "" {
		t.Errorf("unknown --set: %v, output %q", r.err, r.out)
	}
}
