package script

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// TestEveryBuiltinDocumented: every predeclared name, module member and
// value attribute has an entry with a signature and documentation.
func TestEveryBuiltinDocumented(t *testing.T) {
	for name, v := range Predeclared() {
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

// TestSignaturesMatch: the keywords a builtin accepts are those its
// documented signature lists (a bogus keyword makes unpack list them).
func TestSignaturesMatch(t *testing.T) {
	dataPath(t)
	s, err := newSession(context.Background(), Options{Script: "x.star"}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	th := s.newThread("test")
	pre := Predeclared()
	checked := 0
	for _, b := range Builtins() {
		kws, ok := b.Keywords()
		if b.fn == nil || !ok {
			continue
		}
		var fn starlark.Value
		if mod, member, dotted := strings.Cut(b.Name, "."); dotted {
			fn = pre[mod].(*starlarkstruct.Module).Members[member]
		} else {
			fn = pre[b.Name]
		}
		_, err := starlark.Call(th, fn, nil, []starlark.Tuple{{starlark.String("zz_not_a_keyword"), starlark.None}})
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if len(kws) == 0 && strings.HasSuffix(msg, "(it takes no arguments)") {
			checked++
			continue
		}
		i := strings.Index(msg, "(valid: ")
		if i < 0 {
			switch b.Name {
			case "brain", "params", "unit", "sprintf", "struct":
				continue // these check their arguments their own way
			}
			t.Errorf("%s: a bogus keyword gave %q", b.Name, msg)
			continue
		}
		got := strings.Split(strings.TrimSuffix(msg[i+len("(valid: "):], ")"), ", ")
		if !slices.Equal(got, kws) {
			t.Errorf("%s accepts %v, its signature lists %v", b.Name, got, kws)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d builtins checked", checked)
	}
	// brain: its table, plus nmda_regions, attractor_regions and noise_seed.
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

func TestSigParams(t *testing.T) {
	for _, c := range []struct {
		sig  string
		want []string
		ok   bool
	}{
		{"f(a, b=1, *, c=None)", []string{"a", "b", "c"}, true},
		{`g(x, s="a,b", t=(1, 2))`, []string{"x", "s", "t"}, true},
		{"h(key, fn, *args, **kwargs)", []string{"key", "fn"}, false},
		{"stats", nil, false},
	} {
		got, ok := sigParams(c.sig)
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("sigParams(%q) = %v, %v; want %v, %v", c.sig, got, ok, c.want, c.ok)
		}
	}
}
