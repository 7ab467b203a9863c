package interp

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

func TestParseSignature(t *testing.T) {
	for _, c := range []struct {
		decl, want string // want: the printed form, "" when decl itself
		names      []string
		npos       int
		kwargs     bool
	}{
		{decl: "f(a, b=1, *, c=None)", names: []string{"a", "b", "c"}, npos: 2},
		{decl: `g(x, s="a,b", t=(1, 2))`, names: []string{"x", "s", "t"}, npos: 3},
		{decl: "h(key, fn, /, *args, **kwargs)", names: []string{"key", "fn"}, npos: 2, kwargs: true},
		{decl: "p(**parameters)", names: []string{}, npos: 0, kwargs: true},
		{decl: "e()", names: []string{}, npos: 0},
		{decl: "v(format, *args)", names: []string{"format"}, npos: 1},
		{decl: "k(a, *rest, b=2)", names: []string{"a", "b"}, npos: 1},
		{decl: "w( a ,b = 'x' )", want: "w(a, b='x')", names: []string{"a", "b"}, npos: 2},
	} {
		s := parseSignature(c.decl)
		want := c.want
		if want == "" {
			want = c.decl
		}
		if s.String() != want || !slices.Equal(s.Names(), c.names) || s.Npos != c.npos || (s.Kwargs != "") != c.kwargs {
			t.Errorf("parseSignature(%q) = %s %v npos %d kwargs %q", c.decl, s, s.Names(), s.Npos, s.Kwargs)
		}
	}
	for _, bad := range []string{
		"f", "f(a", "(a)", "f(a, a)", "f(a=1, b)", "f(*, *)", "f(*)", "f(**kw, a)", "f(a b)", "f(a, )",
		"f(/)", "f(*, a=1, /)", "f(a=)", "f(1a)",
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("parseSignature(%q) did not panic", bad)
				}
			}()
			parseSignature(bad)
		}()
	}
}

// testSig registers a declaration for the bind tests.
func testSig(decl string) string {
	s := parseSignature(decl)
	name := "zz_test." + s.Name
	if LookupSignature(name) == nil {
		registerSignature(name, s)
	}
	return name
}

// call builds arguments from Go values: positional ones, then "name=value"
// keywords given as kw pairs.
func callArgs(pos []any, kw ...any) (starlark.Tuple, []starlark.Tuple) {
	conv := func(x any) starlark.Value {
		switch x := x.(type) {
		case int:
			return starlark.MakeInt(x)
		case float64:
			return starlark.Float(x)
		case string:
			return starlark.String(x)
		case nil:
			return starlark.None
		case starlark.Value:
			return x
		}
		panic(fmt.Sprintf("%T", x))
	}
	var args starlark.Tuple
	for _, x := range pos {
		args = append(args, conv(x))
	}
	var kwargs []starlark.Tuple
	for i := 0; i < len(kw); i += 2 {
		kwargs = append(kwargs, starlark.Tuple{starlark.String(kw[i].(string)), conv(kw[i+1])})
	}
	return args, kwargs
}

// TestBindMessages: the matching of arguments to a declaration, and each
// way a call can fail, with the message it gets.
func TestBindMessages(t *testing.T) {
	run := testSig("run(target, *, ms=None, steps=None, raster=None)")
	f := testSig("f(src, dst, rng=\"numpy\")")
	none := testSig("none()")
	unit := testSig("unit(key, fn, /, *args, **kwargs)")
	for _, c := range []struct {
		name string
		fn   string
		pos  []any
		kw   []any
		want string // "" for success
	}{
		{"ok", run, []any{1}, []any{"ms", 2}, ""},
		{"ok keywords only", f, nil, []any{"dst", 2, "src", 1}, ""},
		{"too many", f, []any{1, 2, "x", 4}, nil, "zz_test.f: got 4 positional arguments, want at most 3"},
		{"keyword-only given by position", run, []any{1, 2}, nil, "zz_test.run: got 2 positional arguments, want at most 1"},
		{"none", none, []any{1}, nil, "zz_test.none: got 1 positional argument, want none (it takes no arguments)"},
		{"none keyword", none, nil, []any{"x", 1}, "zz_test.none: unexpected keyword argument x (it takes no arguments)"},
		{"missing", f, []any{1}, nil, "zz_test.f: missing argument for dst"},
		{"twice", f, []any{1, 2}, []any{"src", 3}, "zz_test.f: got multiple values for keyword argument src"},
		{"twice by keyword", run, []any{1}, []any{"ms", 1, "ms", 2}, "zz_test.run: got multiple values for keyword argument ms"},
		{"typo", run, []any{1}, []any{"msec", 2}, "zz_test.run: unexpected keyword argument msec (did you mean ms?)"},
		{"nothing close", f, []any{1, 2}, []any{"colour", 2}, "zz_test.f: unexpected keyword argument colour (valid: src, dst, rng)"},
		{"type", f, []any{1, 2}, []any{"rng", 3}, "zz_test.f: for parameter rng: got int, want string"},
		{"type by position", f, []any{1, "x"}, nil, "zz_test.f: for parameter dst: got string, want a number"},
		{"unpacker", run, []any{1}, []any{"ms", "1"}, "zz_test.run: for parameter ms: got string, want a number or None"},
		{"positional-only name as a keyword", unit, []any{"k", 1}, []any{"key", 2}, ""},
		{"positional-only missing", unit, []any{"k"}, nil, "zz_test.unit: missing argument for fn"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args, kwargs := callArgs(c.pos, c.kw...)
			var err error
			switch c.fn {
			case run:
				var target starlark.Value
				var ms OptNumber
				var steps, raster starlark.Value
				err = Bind(run, args, kwargs, &target, &ms, &steps, &raster)
			case f:
				var src, dst Number
				rng := "numpy"
				err = Bind(f, args, kwargs, &src, &dst, &rng)
			case none:
				err = Bind(none, args, kwargs)
			case unit:
				var key string
				var fn starlark.Value
				var rest starlark.Tuple
				var kw []starlark.Tuple
				err = Bind(unit, args, kwargs, &key, &fn, &rest, &kw)
				if err == nil && (len(kw) != 1 || string(kw[0][0].(starlark.String)) != "key") {
					t.Errorf("**kwargs got %v", kw)
				}
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestBindValues: values land in the variables of their parameters, by
// position or keyword; an absent optional one keeps its Go default;
// *args and **kwargs get the rest (their variables come last).
func TestBindValues(t *testing.T) {
	f := testSig("vals(a, b=1, *rest, c=None, **kw)")
	args, kwargs := callArgs([]any{"x", 2, 3, 4}, "z", 5, "c", 2.5)
	var a string
	b := 1
	var c starlark.Value = starlark.None
	var rest starlark.Tuple
	var kw []starlark.Tuple
	if err := Bind(f, args, kwargs, &a, &b, &c, &rest, &kw); err != nil {
		t.Fatal(err)
	}
	if a != "x" || b != 2 || c != starlark.Float(2.5) || len(rest) != 2 || len(kw) != 1 || kw[0][0] != starlark.String("z") {
		t.Errorf("a=%q b=%d c=%v rest=%v kw=%v", a, b, c, rest, kw)
	}
	args, kwargs = callArgs([]any{"y"})
	b = 7
	if err := Bind(f, args, kwargs, &a, &b, &c, &rest, &kw); err != nil {
		t.Fatal(err)
	}
	if a != "y" || b != 7 || len(rest) != 0 || len(kw) != 0 {
		t.Errorf("a=%q b=%d rest=%v kw=%v", a, b, rest, kw)
	}

	// Every pointer kind the builtins use.
	g := testSig("kinds(v, s, b, i, c, it, sq, l, d, tu, u)")
	var (
		v  starlark.Value
		s  string
		bo bool
		i  int
		cl starlark.Callable
		it starlark.Iterable
		sq starlark.Sequence
		l  *starlark.List
		d  *starlark.Dict
		tu starlark.Tuple
		u  Seed
	)
	list := starlark.NewList([]starlark.Value{starlark.MakeInt(1)})
	args = starlark.Tuple{starlark.None, starlark.String("s"), starlark.True, starlark.MakeInt(3),
		starlark.NewBuiltin("len", nil), list, list, list, starlark.NewDict(0), starlark.Tuple{}, starlark.MakeInt(9)}
	if err := Bind(g, args, nil, &v, &s, &bo, &i, &cl, &it, &sq, &l, &d, &tu, &u); err != nil {
		t.Fatal(err)
	}
	if v != starlark.None || s != "s" || !bo || i != 3 || cl == nil || it == nil || sq == nil || l != list || d == nil || tu == nil || u != 9 {
		t.Errorf("kinds not bound: %v %q %v %d %v %v %v %v %v %v %d", v, s, bo, i, cl, it, sq, l, d, tu, u)
	}
}

// TestBindMismatch: a binding whose variables do not fit the declaration
// is an internal error, whatever the arguments, and names both.
func TestBindMismatch(t *testing.T) {
	f := testSig("mismatch(a, b=1)")
	var a, b, c starlark.Value
	var s string
	for _, c := range []struct {
		ptrs []any
		want string
	}{
		{[]any{&a}, "zz_test.mismatch: internal error: the declaration mismatch(a, b=1) has 2 parameters but the call binds 1 variables"},
		{[]any{&a, &b, &c}, "has 2 parameters but the call binds 3 variables"},
		{[]any{&a, s}, "internal error: parameter b: cannot unpack into string"},
		{[]any{&a, 3.5}, "internal error: parameter b: cannot unpack into float64"},
	} {
		err := Bind(f, starlark.Tuple{starlark.None}, nil, c.ptrs...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bind with %d variables: %v, want %q", len(c.ptrs), err, c.want)
		}
	}
	if err := Bind("zz_test.undeclared", nil, nil); err == nil || !strings.Contains(err.Error(), "internal error: no declaration") {
		t.Errorf("undeclared: %v", err)
	}
}
