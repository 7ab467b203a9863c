package interp

import (
	"errors"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

func parseMain(t *testing.T, src string) ([]ParamDecl, error) {
	t.Helper()
	f, err := FileOptions.Parse("main.star", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	return StaticParams(f)
}

func TestStaticParams(t *testing.T) {
	decls, err := parseMain(t, `
load("@stdlib//report.star", "table")
P = params(
    runs = param(10, doc = "brains per condition", min = 1, max = 100),
    rate = 0.5,
    name = param("tvb96", choices = ["tvb96", "paupau"]),
    delays = False,
)
x = P.runs
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(decls) != 4 {
		t.Fatalf("decls: %+v", decls)
	}
	want := []struct{ name, typ string }{{"runs", "int"}, {"rate", "float"}, {"name", "string"}, {"delays", "bool"}}
	for i, w := range want {
		if decls[i].Name != w.name || decls[i].Type() != w.typ {
			t.Errorf("decl %d = %s %s, want %s %s", i, decls[i].Name, decls[i].Type(), w.name, w.typ)
		}
	}
	if decls[0].Doc != "brains per condition" || *decls[0].Min != 1 || *decls[0].Max != 100 {
		t.Errorf("runs: %+v", decls[0])
	}
	if decls[0].Pos.Line != 4 {
		t.Errorf("runs declared at line %d, want 4", decls[0].Pos.Line)
	}

	// No declaration.
	if d, err := parseMain(t, "x = 1\n"); d != nil || err != nil {
		t.Errorf("no params: %v %v", d, err)
	}
	// Not literal, nested, twice, positional.
	for _, c := range []struct{ src, want string }{
		{"n = 3\nP = params(runs = n)\n", "a default must be a literal"},
		{"def f():\n    return params(runs = 1)\n", "must be a statement at the top level"},
		{"if True:\n    P = params(runs = 1)\n", "must be a statement at the top level"},
		{"P = params(runs = 1)\nQ = params(trials = 2)\n", "called more than once"},
		{"P = params(1)\n", "keyword arguments only"},
		{"P = params(runs = [1, 2])\n", "default must be a bool, int, float, string or param"},
		{"P = params(runs = param(5, min = 10))\n", "default must be ≥ 10, got 5"},
		{`P = params(name = param("a", min = 1))` + "\n", "min and max apply to int and float"},
	} {
		_, err := parseMain(t, c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

func TestResolveSets(t *testing.T) {
	decls, err := parseMain(t, `P = params(runs = param(10, min = 1), rate = 0.5, name = param("a", choices = ["a", "b"]), on = False)`+"\n")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := resolveSets("s.star", decls, []string{"runs=3", "rate=1", "name=b", "on=true"})
	if err != nil {
		t.Fatal(err)
	}
	// Every form of number a scientist writes is accepted.
	for _, set := range []string{"runs=+3", "runs=007", "rate=.5", "rate=5.", "rate=-1.5E-3", "rate=2e+1"} {
		if _, err := resolveSets("s.star", decls, []string{set}); err != nil && !strings.Contains(err.Error(), "must be") {
			t.Errorf("--set %s: %v", set, err)
		}
	}
	if vals["runs"] != starlark.MakeInt(3) || vals["rate"] != starlark.Float(1) || vals["name"] != starlark.String("b") || vals["on"] != starlark.True {
		t.Errorf("values %v", vals)
	}
	for _, c := range []struct{ set, want string }{
		{"runz=3", `has no parameter "runz" (did you mean runs?)`},
		{"runs=x", `want an int (decimal digits, e.g. 12 or -3), got "x"`},
		{"runs=1_0", `want an int (decimal digits, e.g. 12 or -3), got "1_0"`},
		{"runs=0x10", `want an int (decimal digits, e.g. 12 or -3), got "0x10"`},
		{"rate=0x1p4", `want a finite decimal number (e.g. 0.25, 3, -1.5e-3), got "0x1p4"`},
		{"rate=1_0.5", `want a finite decimal number`},
		{"rate=inf", `want a finite decimal number`},
		{"rate=1e", `want a finite decimal number`},
		{"runs=0", "must be ≥ 1, got 0"},
		{"rate=nan", "want a finite decimal number"},
		{"name=c", `must be one of "a", "b", got "c"`},
		{"on=2", "want a bool"},
		{"=1", "want name=value"},
	} {
		_, err := resolveSets("s.star", decls, []string{c.set})
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--set %s: %v, want a usage error with %q", c.set, err, c.want)
		}
	}
}
