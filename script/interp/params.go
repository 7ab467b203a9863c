package interp

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"

	"github.com/encephagen/encephagen/engine/connectome"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// Script parameters. A script declares its parameters once, at the top
// level of the main file, with literal defaults:
//
//	P = params(
//	    runs = param(10, doc = "brains per condition", min = 1),
//	    trials = 30,
//	    connectome = "tvb96",
//	    delays = False,
//	)
//
// The type of each parameter is the type of its default (bool, int, float
// or string). `encephagen exec --set runs=2` overrides it; the declaration
// is read from the source before anything runs, so unknown names and
// values of the wrong type are refused (exit 2) before any work is done,
// and `encephagen vet` checks declarations without running the script.

// ParamDecl is one declared script parameter.
type ParamDecl struct {
	Name    string
	Default starlark.Value // bool, int, float or string
	Doc     string
	Min     *float64 // inclusive bounds for numbers
	Max     *float64
	Choices []starlark.Value
	Pos     syntax.Position
}

// Type is the parameter's type: "bool", "int", "float" or "string".
func (d *ParamDecl) Type() string { return d.Default.Type() }

// paramSpec is what param(...) returns: a declaration waiting for its name.
type paramSpec struct{ decl ParamDecl }

func (p *paramSpec) String() string        { return fmt.Sprintf("param(%s)", p.decl.Default) }
func (p *paramSpec) Type() string          { return "param" }
func (p *paramSpec) Freeze()               {}
func (p *paramSpec) Truth() starlark.Bool  { return true }
func (p *paramSpec) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: param") }

func paramBuiltin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var def starlark.Value
	var doc string
	var lo, hi OptNumber
	var choices starlark.Value = starlark.None
	if err := Bind(b.Name(), args, kwargs, &def, &doc, &lo, &hi, &choices); err != nil {
		return nil, err
	}
	d := ParamDecl{Default: def, Doc: doc}
	switch def.(type) {
	case starlark.Bool, starlark.Int, starlark.Float, starlark.String:
	default:
		return nil, fmt.Errorf("%s: default must be a bool, int, float or string, got %s", b.Name(), def.Type())
	}
	isNum := def.Type() == "int" || def.Type() == "float"
	if (lo.Set || hi.Set) && !isNum {
		return nil, fmt.Errorf("%s: min and max apply to int and float parameters, not %s", b.Name(), def.Type())
	}
	if lo.Set {
		d.Min = &lo.V
	}
	if hi.Set {
		d.Max = &hi.V
	}
	if choices != starlark.None {
		it, ok := choices.(starlark.Iterable)
		if !ok {
			return nil, fmt.Errorf("%s: choices: got %s, want a list", b.Name(), choices.Type())
		}
		iter := it.Iterate()
		var c starlark.Value
		for iter.Next(&c) {
			if c.Type() != def.Type() && !(isNum && (c.Type() == "int" || c.Type() == "float")) {
				iter.Done()
				return nil, fmt.Errorf("%s: choices: got a %s among %s choices", b.Name(), c.Type(), def.Type())
			}
			d.Choices = append(d.Choices, c)
		}
		iter.Done()
	}
	if err := d.check(def); err != nil {
		return nil, fmt.Errorf("%s: default %s", b.Name(), err)
	}
	return &paramSpec{d}, nil
}

// check validates a value against the declaration's bounds and choices.
func (d *ParamDecl) check(v starlark.Value) error {
	if f, ok := starlark.AsFloat(v); ok && v.Type() != "bool" {
		bound := func(b float64) string {
			if d.Type() == "int" && b == math.Trunc(b) {
				return fmt.Sprint(int64(b))
			}
			return FormatFloat(b)
		}
		if d.Min != nil && f < *d.Min {
			return fmt.Errorf("must be ≥ %s, got %s", bound(*d.Min), v)
		}
		if d.Max != nil && f > *d.Max {
			return fmt.Errorf("must be ≤ %s, got %s", bound(*d.Max), v)
		}
	}
	if len(d.Choices) > 0 {
		for _, c := range d.Choices {
			if eq, _ := starlark.Equal(c, v); eq {
				return nil
			}
		}
		var cs []string
		for _, c := range d.Choices {
			cs = append(cs, c.String())
		}
		return fmt.Errorf("must be one of %s, got %s", strings.Join(cs, ", "), v)
	}
	return nil
}

// plainInt reports whether s is an optional sign and decimal digits.
func plainInt(s string) bool {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// parse converts a --set value to the parameter's type.
func (d *ParamDecl) parse(s string) (starlark.Value, error) {
	var v starlark.Value
	switch d.Default.(type) {
	case starlark.Bool:
		switch strings.ToLower(s) {
		case "true", "1", "yes":
			v = starlark.True
		case "false", "0", "no":
			v = starlark.False
		default:
			return nil, fmt.Errorf("want a bool (true or false), got %q", s)
		}
	case starlark.Int:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil || !plainInt(s) {
			return nil, fmt.Errorf("want an int (decimal digits, e.g. 12 or -3), got %q", s)
		}
		v = starlark.MakeInt64(i)
	case starlark.Float:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !connectome.PlainDecimal(s) || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("want a finite decimal number (e.g. 0.25, 3, -1.5e-3), got %q", s)
		}
		v = starlark.Float(f)
	case starlark.String:
		v = starlark.String(s)
	}
	if err := d.check(v); err != nil {
		return nil, err
	}
	return v, nil
}

// declsFromArgs turns the keyword arguments of params() into declarations.
func declsFromArgs(fn string, args starlark.Tuple, kwargs []starlark.Tuple) ([]ParamDecl, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("%s: takes keyword arguments only (name = default or name = param(default, ...)), got %d positional", fn, len(args))
	}
	var out []ParamDecl
	for _, kv := range kwargs {
		name := string(kv[0].(starlark.String))
		var d ParamDecl
		switch v := kv[1].(type) {
		case *paramSpec:
			d = v.decl
		case starlark.Bool, starlark.Int, starlark.Float, starlark.String:
			d = ParamDecl{Default: v}
		default:
			return nil, fmt.Errorf("%s: %s: default must be a bool, int, float, string or param(...), got %s", fn, name, v.Type())
		}
		d.Name = name
		out = append(out, d)
	}
	return out, nil
}

// StaticParams finds the params(...) declaration of a parsed main file and
// evaluates it without running the script. It returns nil when the file
// declares none. Only a top-level call whose arguments are literals (and
// param(...) of literals) is a declaration; anything else is an error at
// the call's position.
func StaticParams(f *syntax.File) ([]ParamDecl, error) {
	var found []*syntax.CallExpr
	var nested []*syntax.CallExpr
	top := map[syntax.Node]bool{}
	for _, stmt := range f.Stmts {
		switch s := stmt.(type) {
		case *syntax.AssignStmt:
			if c, ok := s.RHS.(*syntax.CallExpr); ok && isCallTo(c, "params") {
				found = append(found, c)
				top[c] = true
			}
		case *syntax.ExprStmt:
			if c, ok := s.X.(*syntax.CallExpr); ok && isCallTo(c, "params") {
				found = append(found, c)
				top[c] = true
			}
		}
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && isCallTo(c, "params") && !top[c] {
			nested = append(nested, c)
		}
		return true
	})
	if len(nested) > 0 {
		pos, _ := nested[0].Span()
		return nil, fmt.Errorf("%s: params() must be a statement at the top level of the main script (e.g. P = params(runs=10)), not inside an expression, function or loop", pos)
	}
	if len(found) > 1 {
		pos, _ := found[1].Span()
		return nil, fmt.Errorf("%s: params() is called more than once; declare every parameter in one call", pos)
	}
	if len(found) == 0 {
		return nil, nil
	}
	call := found[0]
	env := starlark.StringDict{"param": starlark.NewBuiltin("param", paramBuiltin)}
	thread := &starlark.Thread{Name: "params"}
	var args starlark.Tuple
	var kwargs []starlark.Tuple
	for _, a := range call.Args {
		pos, _ := a.Span()
		bin, ok := a.(*syntax.BinaryExpr)
		if !ok || bin.Op != syntax.EQ {
			return nil, fmt.Errorf("%s: params: takes keyword arguments only (name = default)", pos)
		}
		name := bin.X.(*syntax.Ident).Name
		v, err := starlark.EvalExprOptions(FileOptions, thread, bin.Y, env)
		if err != nil {
			msg := err.Error()
			var rl resolve.ErrorList
			if errors.As(err, &rl) {
				msg = rl[0].Msg
			}
			if strings.Contains(msg, "undefined") {
				msg = "a default must be a literal (a number, string, bool) or param(literal, ...): " + msg
			}
			return nil, fmt.Errorf("%s: params: %s: %s", pos, name, msg)
		}
		if p, ok := v.(*paramSpec); ok {
			p.decl.Pos = pos
		}
		kwargs = append(kwargs, starlark.Tuple{starlark.String(name), v})
	}
	decls, err := declsFromArgs("params", args, kwargs)
	if err != nil {
		pos, _ := call.Span()
		return nil, fmt.Errorf("%s: %v", pos, err)
	}
	for i := range decls {
		if !decls[i].Pos.IsValid() {
			decls[i].Pos, _ = call.Args[i].Span()
		}
	}
	return decls, nil
}

func isCallTo(c *syntax.CallExpr, name string) bool {
	id, ok := c.Fn.(*syntax.Ident)
	return ok && id.Name == name
}

// resolveSets applies --set name=value overrides to declarations; every
// failure is a usage error naming the parameter.
func resolveSets(script string, decls []ParamDecl, sets []string) (map[string]starlark.Value, error) {
	values := map[string]starlark.Value{}
	for _, d := range decls {
		values[d.Name] = d.Default
	}
	var names []string
	for _, d := range decls {
		names = append(names, d.Name)
	}
	for _, s := range sets {
		name, val, ok := strings.Cut(s, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, usagef("--set %q: want name=value", s)
		}
		if len(decls) == 0 {
			return nil, usagef("--set %s: %s declares no parameters (declare them with params(...))", name, script)
		}
		var d *ParamDecl
		for i := range decls {
			if decls[i].Name == name {
				d = &decls[i]
			}
		}
		if d == nil {
			msg := fmt.Sprintf("--set %s: %s has no parameter %q", name, script, name)
			if n := Nearest(name, names); n != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", n)
			}
			sort.Strings(names)
			return nil, usagef("%s; its parameters: %s", msg, strings.Join(names, ", "))
		}
		v, err := d.parse(val)
		if err != nil {
			return nil, usagef("--set %s: parameter %s (%s) %v", name, name, d.Type(), err)
		}
		values[name] = v
	}
	return values, nil
}

// paramState is a session's parameters.
type paramState struct {
	decls  []ParamDecl
	values map[string]starlark.Value
	called bool
}

func paramsBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := SessionOf(thread, b.Name())
	if err != nil {
		return nil, err
	}
	var kw []starlark.Tuple
	if err := Bind(b.Name(), args, kwargs, &kw); err != nil {
		return nil, err
	}
	if thread.CallStackDepth() != 2 || thread.CallFrame(1).Pos.Filename() != s.MainName {
		return nil, fmt.Errorf("%s: only the main script may declare parameters, at its top level", b.Name())
	}
	ps := &s.params
	if ps.called {
		return nil, fmt.Errorf("%s: called more than once", b.Name())
	}
	ps.called = true
	decls, err := declsFromArgs(b.Name(), nil, kw)
	if err != nil {
		return nil, err
	}
	fields := starlark.StringDict{}
	for _, d := range decls {
		v, ok := ps.values[d.Name]
		if !ok {
			return nil, fmt.Errorf("%s: parameter %s was not found when the script was read; declare parameters with literal defaults", b.Name(), d.Name)
		}
		fields[d.Name] = v
	}
	return starlarkstruct.FromStringDict(starlark.String("params"), fields), nil
}

// paramGoValue converts a parameter value for run.json.
func paramGoValue(v starlark.Value) any {
	switch x := v.(type) {
	case starlark.Bool:
		return bool(x)
	case starlark.Int:
		i, _ := x.Int64()
		return i
	case starlark.Float:
		return float64(x)
	case starlark.String:
		return string(x)
	}
	return v.String()
}

func init() {
	Decl("params", "script", "params(**parameters)",
		`Declares the script's parameters and returns a struct of their values. Call it once, at the
top level of the main script, with literal defaults: P = params(runs=10, trials=param(30, doc="...", min=1)).
The type of each parameter is that of its default (bool, int, float or string);
`+"`encephagen exec SCRIPT --set runs=2`"+` overrides a default, and an unknown name or a value of the
wrong type is refused before the script runs.`, paramsBuiltin)
	Decl("param", "script", "param(default, doc=\"\", min=None, max=None, choices=None)",
		"Describes one parameter inside params(...): its default, a description, inclusive bounds "+
			"(numbers) and the allowed values. Values from --set are checked against them.", paramBuiltin)
}
