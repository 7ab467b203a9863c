package script

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/encephagen/encephagen/script/interp"
	"github.com/encephagen/encephagen/script/rundir"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// TestEveryBuiltinDocumented: every predeclared name, module member and
// value attribute has an entry with a signature and documentation.
func TestEveryBuiltinDocumented(t *testing.T) {
	for name, v := range interp.Predeclared() {
		b := LookupBuiltin(name)
		if b == nil {
			t.Errorf("predeclared %s has no registry entry", name)
			continue
		}
		if strings.TrimSpace(b.Doc) == "" || b.Sig == "" {
			t.Errorf("%s: empty doc or signature", name)
		}
		mod, ok := v.(*starlarkstruct.Module)
		if !ok {
			continue
		}
		for member := range mod.Members {
			full := name + "." + member
			if m := LookupBuiltin(full); m != nil {
				if strings.TrimSpace(m.Doc) == "" || !strings.HasPrefix(m.Sig, full+"(") {
					t.Errorf("%s: empty doc or a signature not starting with %s(: %q", full, full, m.Sig)
				}
				continue
			}
			// Library modules from go.starlark.net list their members in
			// the module's entry.
			if !strings.Contains(b.Doc, member) {
				t.Errorf("module member %s is not documented", full)
			}
		}
	}
	for _, b := range Builtins() {
		if strings.TrimSpace(b.Doc) == "" || b.Summary() == "" {
			t.Errorf("%s: no documentation", b.Name)
		}
	}
	// Every value type is documented with all its attributes.
	values := map[string]starlark.HasAttrs{
		"array": NewArray(nil), "connectome": &Connectome{}, "brain": &Brain{}, "batch": &Batch{},
		"pattern": &Pattern{}, "stimulus": &Stimulus{}, "recording": &Recording{},
	}
	var typeNames []string
	for _, td := range Types() {
		typeNames = append(typeNames, td.Name)
		v, ok := values[td.Name]
		if !ok {
			t.Errorf("documented type %s has no value in this test", td.Name)
			continue
		}
		if v.Type() != td.Name {
			t.Errorf("type %s documents values of type %s", td.Name, v.Type())
		}
		var documented []string
		for _, m := range td.Members {
			documented = append(documented, m.Name)
			if strings.TrimSpace(m.Doc) == "" || (m.Method && !strings.HasPrefix(m.Sig, m.Name+"(")) {
				t.Errorf("%s.%s: no doc, or a bad signature %q", td.Name, m.Name, m.Sig)
			}
		}
		attrs := v.AttrNames()
		sort.Strings(attrs)
		sort.Strings(documented)
		if !slices.Equal(attrs, documented) {
			t.Errorf("%s: attributes %v, documented %v", td.Name, attrs, documented)
		}
	}
	if len(typeNames) != len(values) {
		t.Errorf("types documented: %v", typeNames)
	}
}

// TestEveryDeclarationBound calls every registered builtin, module member
// and method, with no arguments and with a bogus keyword: each must reach
// bind (or bindValues) under its own declaration, with as many variables
// as the declaration has parameters, and a bogus keyword must be refused
// with the declaration's keywords. A builtin whose declaration and binding
// disagree fails here, whatever its arguments.
func TestEveryDeclarationBound(t *testing.T) {
	dataPath(t)
	dir := t.TempDir()
	run, err := rundir.Create(filepath.Join(dir, "run"))
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	s, err := interp.NewSession(context.Background(), Options{Script: filepath.Join(dir, "main.star"), Stdout: io.Discard, Stderr: io.Discard}, run, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Info = interp.NewRunInfo(s.Opts, "", nil, nil, time.Now())
	th := s.NewThread("test")
	th.SetLocal(interp.ChainKey, []string{s.MainName})
	g, err := starlark.ExecFileOptions(interp.FileOptions, th, "values.star", `
c = connectome("paupau")
b = brain(c, neurons_per_region = 10)
values = {
    "array": array([[1.0, 2.0], [3.0, 4.0]]), "connectome": c, "brain": b,
    "batch": batch([brain(c, neurons_per_region = 10)]), "pattern": patterns(1, k = 2, n = 10)[0],
    "stimulus": stimulus("all", mv = 1), "recording": run(b, steps = 5),
}
`, interp.Predeclared())
	if err != nil {
		t.Fatal(err)
	}
	var reached []string
	defaults := map[string][]any{} // the variables of each bind, before it fills them
	trace := func(fn string, ptrs []any) {
		reached = append(reached, fn)
		if _, ok := defaults[fn]; !ok {
			defaults[fn] = ptrs
		}
	}
	interp.BindTrace.Store(&trace)
	defer interp.BindTrace.Store(nil)

	// call calls f (named fn) twice and checks what bind made of it.
	call := func(fn string, f starlark.Value, kws []string, anyKw bool) {
		t.Helper()
		bogus := []starlark.Tuple{{starlark.String("zz_not_a_keyword"), starlark.None}}
		for _, kwargs := range [][]starlark.Tuple{nil, bogus} {
			reached = nil
			_, err := starlark.Call(th, f, nil, kwargs)
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if !slices.Contains(reached, fn) {
				t.Errorf("%s(%v) did not reach bind with its declaration (reached %v): %q", fn, kwargs, reached, msg)
			}
			if strings.Contains(msg, "internal error") {
				t.Error(msg)
			}
			if kwargs == nil || anyKw {
				continue
			}
			want := fn + ": unexpected keyword argument zz_not_a_keyword (valid: " + strings.Join(kws, ", ") + ")"
			if len(kws) == 0 {
				want = fn + ": unexpected keyword argument zz_not_a_keyword (it takes no"
			}
			if !strings.HasPrefix(msg, want) {
				t.Errorf("%s with a bogus keyword: %q, want %q", fn, msg, want)
			}
		}
	}
	pre := interp.Predeclared()
	n := 0
	for _, b := range Builtins() {
		if b.Fn == nil {
			continue
		}
		var fn starlark.Value
		if mod, member, dotted := strings.Cut(b.Name, "."); dotted {
			fn = pre[mod].(*starlarkstruct.Module).Members[member]
		} else {
			fn = pre[b.Name]
		}
		kws, ok := b.Keywords()
		call(b.Name, fn, kws, !ok)
		n++
	}
	values := g["values"].(*starlark.Dict)
	for _, td := range Types() {
		v, found, _ := values.Get(starlark.String(td.Name))
		if !found {
			t.Errorf("no value of type %s in this test", td.Name)
			continue
		}
		for _, m := range td.Members {
			if !m.Method {
				continue
			}
			f, err := v.(starlark.HasAttrs).Attr(m.Name)
			if err != nil {
				t.Fatal(err)
			}
			sig := interp.LookupSignature(td.Name + "." + m.Name)
			call(td.Name+"."+m.Name, f, sig.Keywords(), sig.Kwargs != "")
			n++
		}
	}
	if n < 70 {
		t.Errorf("only %d builtins and methods called", n)
	}
	// The default a declaration documents is the one its variable starts
	// with, unless the variable starts unset (None, or an optional number
	// not set) and the builtin computes the default.
	checked := 0
	for fn, ptrs := range defaults {
		sig := interp.LookupSignature(fn)
		for i, p := range sig.Params {
			if !p.Optional() || ptrs == nil {
				continue
			}
			goDef, known := goDefault(ptrs[i])
			if !known || goDef == nil {
				t.Logf("%s: %s=%s not checked (%T unset or unread)", fn, p.Name, p.Def, ptrs[i])
				continue
			}
			doc, err := starlark.EvalOptions(interp.FileOptions, th, "default", p.Def, nil)
			if err != nil {
				t.Errorf("%s: the default of %s, %s: %v", fn, p.Name, p.Def, err)
				continue
			}
			if eq, err := starlark.Equal(goDef, doc); err != nil || !eq {
				t.Errorf("%s: %s is documented as %s but defaults to %s", fn, p.Name, p.Def, goDef)
			}
			checked++
		}
	}
	t.Logf("%d builtins, members and methods called; %d documented defaults checked", n, checked)
	if checked < 20 {
		t.Errorf("only %d defaults checked", checked)
	}
	// brain: connectome, its table, then nmda_regions, attractor_regions
	// and noise_seed.
	kws, _ := LookupBuiltin("brain").Keywords()
	want := []string{"connectome"}
	for _, bp := range brainParams {
		want = append(want, bp.name)
	}
	want = append(want, "nmda_regions", "attractor_regions", "noise_seed")
	if !slices.Equal(kws, want) {
		t.Errorf("brain signature %v, want %v", kws, want)
	}
}

// goDefault is the value a bind variable holds before bind: nil when it
// is unset (the builtin then computes its default), known false for a
// variable type this test does not read.
func goDefault(p any) (v starlark.Value, known bool) {
	switch p := p.(type) {
	case *starlark.Value:
		return *p, true
	case *string:
		return starlark.String(*p), true
	case *bool:
		return starlark.Bool(*p), true
	case *int:
		return starlark.MakeInt(*p), true
	case *float64:
		return starlark.Float(*p), true
	case *interp.Number:
		return starlark.Float(*p), true
	case *interp.Seed:
		return starlark.MakeUint64(uint64(*p)), true
	case *interp.OptNumber:
		if !p.Set {
			return nil, true
		}
		return starlark.Float(p.V), true
	}
	return nil, false
}
