package interp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/encephagen/encephagen/engine/connectome"
)

// Problem is one thing vet found, at a position ("exp.star:12:7").
type Problem struct {
	Pos string
	Msg string
}

func (p Problem) String() string {
	if p.Pos == "" {
		return p.Msg
	}
	return p.Pos + ": " + p.Msg
}

// Vet checks scripts without running them: syntax; undefined names (with
// a suggestion); load() targets (the module exists inside the allowed
// roots, defines the loaded names, and no load cycle); keyword arguments
// of builtin calls; and the params() declaration. Loaded modules are
// checked too, once each.
func Vet(scripts []string) []Problem {
	var out []Problem
	for _, s := range scripts {
		out = append(out, vetScript(s)...)
	}
	return out
}

type vetter struct {
	sb       *sandbox
	problems []Problem
	modules  map[string]*vetModule // by key
}

type vetModule struct {
	globals map[string]bool
	done    bool
}

func vetScript(path string) []Problem {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return []Problem{{Pos: path, Msg: "no such file"}}
		}
		return []Problem{{Pos: path, Msg: err.Error()}}
	}
	sb, err := newSandbox(path, connectome.DefaultStore())
	if err != nil {
		return []Problem{{Pos: path, Msg: err.Error()}}
	}
	v := &vetter{sb: sb, modules: map[string]*vetModule{}}
	src, err := readSource(path)
	if err != nil {
		return []Problem{{Pos: path, Msg: err.Error()}}
	}
	f := v.check(path, src, []string{path}, true)
	if f != nil {
		if _, err := StaticParams(f); err != nil {
			v.problems = append(v.problems, splitPos(err.Error()))
		}
	}
	return v.problems
}

// splitPos turns "file:1:2: msg" into a Problem.
func splitPos(s string) Problem {
	parts := strings.SplitN(s, ": ", 2)
	if len(parts) == 2 && strings.Count(parts[0], ":") >= 2 {
		return Problem{Pos: parts[0], Msg: parts[1]}
	}
	return Problem{Msg: s}
}

func (v *vetter) add(pos syntax.Position, format string, args ...any) {
	v.problems = append(v.problems, Problem{Pos: pos.String(), Msg: fmt.Sprintf(format, args...)})
}

// check parses and resolves one file and follows its loads; it returns
// the file (nil when it does not parse).
func (v *vetter) check(name string, src []byte, chain []string, main bool) *syntax.File {
	f, err := FileOptions.Parse(name, src, 0)
	if err != nil {
		var se syntax.Error
		if errors.As(err, &se) {
			v.add(se.Pos, "%s", se.Msg)
		} else {
			v.problems = append(v.problems, Problem{Pos: name, Msg: err.Error()})
		}
		return nil
	}
	if err := resolve.File(f, isPredeclared, starlark.Universe.Has); err != nil {
		var rl resolve.ErrorList
		if errors.As(err, &rl) {
			for _, e := range rl {
				v.add(e.Pos, "%s", hintUndefined(e.Msg))
			}
		} else {
			v.problems = append(v.problems, Problem{Pos: name, Msg: err.Error()})
		}
	}
	for _, stmt := range f.Stmts {
		if ld, ok := stmt.(*syntax.LoadStmt); ok {
			v.load(name, ld, chain)
		}
	}
	v.keywords(f, main)
	return f
}

func (v *vetter) load(from string, ld *syntax.LoadStmt, chain []string) {
	module := ld.ModuleName()
	pos := ld.Module.TokenPos
	ref, err := resolveModule(v.sb, from, module)
	if err != nil {
		v.add(pos, "cannot load %s: %v", module, err)
		return
	}
	for _, c := range chain {
		if c == ref.display {
			v.add(pos, "load cycle: %s → %s", strings.Join(chain, " → "), ref.display)
			return
		}
	}
	m := v.modules[ref.key]
	if m == nil {
		m = &vetModule{globals: map[string]bool{}}
		v.modules[ref.key] = m
		src, err := ref.source()
		if err != nil {
			v.add(pos, "cannot load %s: %v", module, err)
			m.done = true
			return
		}
		f := v.check(ref.display, src, append(append([]string(nil), chain...), ref.display), false)
		if f != nil {
			if mod, ok := f.Module.(*resolve.Module); ok {
				for _, b := range mod.Globals {
					if b.First != nil {
						m.globals[b.First.Name] = true
					}
				}
			}
		}
		m.done = true
	} else if !m.done {
		v.add(pos, "load cycle: %s → %s", strings.Join(chain, " → "), ref.display)
		return
	}
	var names []string
	for n := range m.globals {
		if !strings.HasPrefix(n, "_") {
			names = append(names, n)
		}
	}
	for _, id := range ld.From {
		switch {
		case strings.HasPrefix(id.Name, "_"):
			// The resolver reports these.
		case !m.globals[id.Name]:
			msg := fmt.Sprintf("load: %s does not define %s", ref.display, id.Name)
			if n := Nearest(id.Name, names); n != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", n)
			}
			v.add(id.NamePos, "%s", msg)
		}
	}
}

// keywords checks calls to builtins against their declarations (the
// keywords, and the number of arguments where the call shows them all), and
// that only the main script declares parameters.
func (v *vetter) keywords(f *syntax.File, main bool) {
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok {
			return true
		}
		name := ""
		switch fn := call.Fn.(type) {
		case *syntax.Ident:
			if b, ok := fn.Binding.(*resolve.Binding); ok && b.Scope == resolve.Predeclared {
				name = fn.Name
			}
		case *syntax.DotExpr:
			if id, ok := fn.X.(*syntax.Ident); ok {
				if b, ok := id.Binding.(*resolve.Binding); ok && b.Scope == resolve.Predeclared {
					name = id.Name + "." + fn.Name.Name
				}
			}
		}
		if name == "" {
			return true
		}
		if name == "params" && !main {
			pos, _ := call.Span()
			v.add(pos, "params: only the main script may declare parameters")
		}
		b := LookupBuiltin(name)
		if b == nil {
			if strings.Contains(name, ".") {
				pos, _ := call.Span()
				mod, member, _ := strings.Cut(name, ".")
				if LookupBuiltin(mod) != nil && LookupBuiltin(mod).value == nil {
					var members []string
					for _, x := range Builtins() {
						if m, ok := strings.CutPrefix(x.Name, mod+"."); ok {
							members = append(members, m)
						}
					}
					msg := fmt.Sprintf("module %s has no member %s", mod, member)
					if s := Nearest(member, members); s != "" {
						msg += fmt.Sprintf(" (did you mean %s.%s?)", mod, s)
					}
					v.add(pos, "%s", msg)
				}
			}
			return true
		}
		if b.sig == nil {
			return true
		}
		// The call against the builtin's declaration, as bind will match
		// it: its positional arguments, its keywords, and whether it also
		// passes *args or **kwargs.
		npos, partial := 0, false
		var kws []string
		var kwPos []syntax.Position
		for _, a := range call.Args {
			switch a := a.(type) {
			case *syntax.BinaryExpr:
				if a.Op == syntax.EQ {
					id := a.X.(*syntax.Ident)
					kws = append(kws, id.Name)
					kwPos = append(kwPos, id.NamePos)
					continue
				}
			case *syntax.UnaryExpr:
				if a.Op == syntax.STAR || a.Op == syntax.STARSTAR {
					partial = true
					continue
				}
			}
			npos++
		}
		_, err := b.sig.assign(name, npos, kws, partial)
		var ce *callError
		if errors.As(err, &ce) {
			pos, _ := call.Span()
			if ce.keyword >= 0 {
				pos = kwPos[ce.keyword]
			}
			v.add(pos, "%s", ce.msg)
		}
		return true
	})
}
