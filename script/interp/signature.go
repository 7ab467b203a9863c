package interp

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.starlark.net/starlark"
)

// Signature is the parameter list of a builtin, module member or method,
// parsed once from its declaration ("run(target, *, ms=None, steps=None)").
// It is the single source of the names that unpacking (bind), the
// keyword check of `encephagen vet`, the reference of `encephagen doc` and
// the error messages use.
type Signature struct {
	Name    string  // as declared: "run", "stats.mean", "rewire" for a method
	Params  []param // the named parameters, in order
	Npos    int     // params[:npos] may be given by position, the rest only by keyword
	posOnly int     // params[:posOnly] only by position (declared before "/")
	varargs string  // the name of *args, or ""
	Kwargs  string  // the name of **kwargs, or ""
}

// param is one named parameter.
type param struct {
	Name string
	Def  string // the default as documented ("None", `"numpy"`); "" when required
}

func (p param) Optional() bool { return p.Def != "" }

// parseSignature parses a declaration such as
// `f(a, b=1, *, c="x,y", **kw)`. It panics on a malformed one: declarations
// are written in this package and parsed at initialisation.
func parseSignature(decl string) *Signature {
	bad := func(why string) { panic(fmt.Sprintf("script: signature %q: %s", decl, why)) }
	open := strings.IndexByte(decl, '(')
	if open <= 0 || !strings.HasSuffix(decl, ")") {
		bad("want name(parameters)")
	}
	s := &Signature{Name: decl[:open], Npos: -1}
	seen := map[string]bool{}
	for _, part := range splitParams(decl[open+1 : len(decl)-1]) {
		if s.Kwargs != "" {
			bad("a parameter after **" + s.Kwargs)
		}
		name, def, hasDef := strings.Cut(part, "=")
		name, def = strings.TrimSpace(name), strings.TrimSpace(def)
		switch {
		case part == "":
			bad("an empty parameter")
		case name == "/":
			if s.posOnly > 0 || s.Npos >= 0 || len(s.Params) == 0 {
				bad("a misplaced /")
			}
			s.posOnly = len(s.Params)
			continue
		case name == "*":
			if s.Npos >= 0 || hasDef {
				bad("a second * or *args")
			}
			s.Npos = len(s.Params)
			continue
		case strings.HasPrefix(name, "**"):
			s.Kwargs = name[2:]
			name = s.Kwargs
		case strings.HasPrefix(name, "*"):
			if s.Npos >= 0 {
				bad("a second * or *args")
			}
			s.varargs = name[1:]
			s.Npos = len(s.Params)
			name = s.varargs
		default:
			if hasDef && def == "" {
				bad(name + " has an empty default")
			}
			if s.Npos < 0 && !hasDef && len(s.Params) > 0 && s.Params[len(s.Params)-1].Optional() {
				bad("required " + name + " after an optional parameter")
			}
			s.Params = append(s.Params, param{Name: name, Def: def})
		}
		if !isIdent(name) || seen[name] {
			bad("bad or repeated parameter name " + name)
		}
		seen[name] = true
	}
	if s.Npos < 0 {
		s.Npos = len(s.Params)
	} else if s.Npos == len(s.Params) && s.varargs == "" {
		bad("* without keyword-only parameters")
	}
	return s
}

// splitParams splits a parameter list at its top-level commas, skipping
// those inside quotes and brackets of defaults.
func splitParams(list string) []string {
	if strings.TrimSpace(list) == "" {
		return nil
	}
	var parts []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(list); i++ {
		c := list[i]
		if quote != 0 {
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '\'':
			quote = c
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(list[start:i]))
				start = i + 1
			}
		}
	}
	return append(parts, strings.TrimSpace(list[start:]))
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// String is the declaration as the reference prints it.
func (s *Signature) String() string {
	var parts []string
	for i, p := range s.Params {
		if i == s.posOnly && i > 0 {
			parts = append(parts, "/")
		}
		if i == s.Npos {
			if s.varargs != "" {
				parts = append(parts, "*"+s.varargs)
			} else {
				parts = append(parts, "*")
			}
		}
		if p.Optional() {
			parts = append(parts, p.Name+"="+p.Def)
		} else {
			parts = append(parts, p.Name)
		}
	}
	if s.Npos == len(s.Params) && s.varargs != "" {
		if s.posOnly == len(s.Params) && s.posOnly > 0 {
			parts = append(parts, "/")
		}
		parts = append(parts, "*"+s.varargs)
	}
	if s.Kwargs != "" {
		parts = append(parts, "**"+s.Kwargs)
	}
	return s.Name + "(" + strings.Join(parts, ", ") + ")"
}

// names lists the named parameters, positional and keyword-only.
func (s *Signature) Names() []string {
	out := make([]string, len(s.Params))
	for i, p := range s.Params {
		out[i] = p.Name
	}
	return out
}

// keywords lists the parameters a keyword may name.
func (s *Signature) Keywords() []string { return s.Names()[s.posOnly:] }

// arity is the number of pointers bind takes: one per named parameter,
// then one for *args (a *starlark.Tuple) and one for **kwargs (a
// *[]starlark.Tuple).
func (s *Signature) arity() int {
	n := len(s.Params)
	if s.varargs != "" {
		n++
	}
	if s.Kwargs != "" {
		n++
	}
	return n
}

// match assigns the arguments of a call to the declared parameters: vals[i]
// is the value of params[i] (nil when not given), rest the positional
// arguments beyond them (*args) and extra the unmatched keywords
// (**kwargs). fn names the function in messages.
func (s *Signature) match(fn string, args starlark.Tuple, kwargs []starlark.Tuple) (vals []starlark.Value, rest starlark.Tuple, extra []starlark.Tuple, err error) {
	kws := make([]string, len(kwargs))
	for j, kv := range kwargs {
		kws[j] = string(kv[0].(starlark.String))
	}
	slots, err := s.assign(fn, len(args), kws, false)
	if err != nil {
		return nil, nil, nil, err
	}
	vals = make([]starlark.Value, len(s.Params))
	if len(args) > s.Npos {
		rest = args[s.Npos:]
		args = args[:s.Npos]
	}
	copy(vals, args)
	for j, kv := range kwargs {
		if slots[j] < 0 {
			extra = append(extra, kv)
		} else {
			vals[slots[j]] = kv[1]
		}
	}
	return vals, rest, extra, nil
}

// A callError is a call that does not fit its declaration. Keyword is
// the index of the keyword argument at fault, or -1 when the fault is the
// call's (too many positional arguments, a missing one).
type callError struct {
	msg     string
	keyword int
}

func (e *callError) Error() string { return e.msg }

// assign matches a call with npos positional arguments and the keyword
// arguments kws (in order) to the declaration: slots[j] is the parameter
// keyword j names, or -1 when it goes to **kwargs. A call that does not
// fit gets a *callError. partial says the call also passes *args or
// **kwargs whose contents are unknown (`encephagen vet` reading a script):
// then only its explicit keywords are checked.
func (s *Signature) assign(fn string, npos int, kws []string, partial bool) (slots []int, err error) {
	fail := func(j int, format string, args ...any) ([]int, error) {
		return nil, &callError{fn + ": " + fmt.Sprintf(format, args...), j}
	}
	if npos > s.Npos && s.varargs == "" && !partial {
		return nil, &callError{s.tooMany(fn, npos), -1}
	}
	given := make([]bool, len(s.Params))
	for i := range min(npos, s.Npos) {
		given[i] = true
	}
	slots = make([]int, len(kws))
	for j, k := range kws {
		i := s.index(k)
		slots[j] = i
		if i >= 0 {
			if given[i] {
				return fail(j, "got multiple values for keyword argument %s", k)
			}
			given[i] = true
			continue
		}
		switch {
		case s.Kwargs != "":
			if slices.Contains(kws[:j], k) {
				return fail(j, "got multiple values for keyword argument %s", k)
			}
		case len(s.Params) == 0 && s.varargs == "":
			return fail(j, "unexpected keyword argument %s (it takes no arguments)", k)
		case len(s.Keywords()) == 0:
			return fail(j, "unexpected keyword argument %s (it takes no keyword arguments)", k)
		default:
			return nil, &callError{unknownKeyword(fn, k, s.Keywords()), j}
		}
	}
	if !partial {
		for i, p := range s.Params {
			if !given[i] && !p.Optional() {
				return fail(-1, "missing argument for %s", p.Name)
			}
		}
	}
	return slots, nil
}

// index finds the parameter a keyword names; positional-only ones are
// not found (their names may be keywords for **kwargs).
func (s *Signature) index(name string) int {
	for i, p := range s.Params[s.posOnly:] {
		if p.Name == name {
			return s.posOnly + i
		}
	}
	return -1
}

func (s *Signature) tooMany(fn string, got int) string {
	args := plural(got, "positional argument")
	switch {
	case len(s.Params) == 0 && s.Kwargs == "":
		return fmt.Sprintf("%s: got %s, want none (it takes no arguments)", fn, args)
	case s.Npos == 0:
		return fmt.Sprintf("%s: got %s, want none (give %s by keyword)", fn, args, s.keywordHint())
	}
	return fmt.Sprintf("%s: got %s, want at most %d", fn, args, s.Npos)
}

func (s *Signature) keywordHint() string {
	if len(s.Params) == 0 {
		return "every argument"
	}
	return strings.Join(s.Names(), ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// bind unpacks the arguments of a call of the builtin or method fn ("run",
// "connectome.rewire") into ptrs, one per parameter of fn's declaration,
// in declared order, then *args and **kwargs if declared. An absent
// optional parameter leaves its variable as it is (its Go default). Each
// value is converted as starlark.UnpackArg does (starlark.Unpacker,
// *starlark.Value, *string, *bool, *int, *starlark.Callable,
// *starlark.Iterable, **starlark.List, a pointer to any other Value type).
func Bind(fn string, args starlark.Tuple, kwargs []starlark.Tuple, ptrs ...any) error {
	s, err := declared(fn, ptrs)
	if err != nil {
		return err
	}
	if err := s.checkPtrs(ptrs); err != nil {
		return fmt.Errorf("%s: internal error: %v", fn, err)
	}
	vals, rest, extra, err := s.match(fn, args, kwargs)
	if err != nil {
		return err
	}
	for i, v := range vals {
		if v == nil {
			continue
		}
		if err := starlark.UnpackArg(v, ptrs[i]); err != nil {
			return fmt.Errorf("%s: for parameter %s: %v", fn, s.Params[i].Name, err)
		}
	}
	i := len(s.Params)
	if s.varargs != "" {
		*ptrs[i].(*starlark.Tuple) = rest
		i++
	}
	if s.Kwargs != "" {
		*ptrs[i].(*[]starlark.Tuple) = extra
	}
	return nil
}

// bindValues is bind for a builtin that converts the values itself (brain,
// with its table of parameters): vals[i] is the value of the i-th declared
// parameter, nil when not given. fn declares no *args or **kwargs.
func BindValues(fn string, args starlark.Tuple, kwargs []starlark.Tuple) (vals []starlark.Value, err error) {
	s, err := declared(fn, nil)
	if err != nil {
		return nil, err
	}
	if s.varargs != "" || s.Kwargs != "" {
		return nil, fmt.Errorf("%s: internal error: bindValues on %s", fn, s)
	}
	vals, _, _, err = s.match(fn, args, kwargs)
	return vals, err
}

func declared(fn string, ptrs []any) (*Signature, error) {
	if trace := BindTrace.Load(); trace != nil {
		(*trace)(fn, ptrs)
	}
	s := LookupSignature(fn)
	if s == nil {
		return nil, fmt.Errorf("%s: internal error: no declaration", fn)
	}
	return s, nil
}

// bindTrace, when set (by tests), sees every bind (with its variables,
// still holding their Go defaults) and bindValues (with none) first.
var BindTrace atomic.Pointer[func(fn string, ptrs []any)]

var (
	valueType    = reflect.TypeFor[starlark.Value]()
	unpackerType = reflect.TypeFor[starlark.Unpacker]()
)

// checkPtrs reports pointers that do not fit the declaration: their
// number, and for each one a type starlark.UnpackArg cannot fill.
func (s *Signature) checkPtrs(ptrs []any) error {
	if len(ptrs) != s.arity() {
		return fmt.Errorf("the declaration %s has %d parameters but the call binds %d variables", s, s.arity(), len(ptrs))
	}
	for i, p := range ptrs[:len(s.Params)] {
		switch p.(type) {
		case starlark.Unpacker, *starlark.Value, *string, *bool, *float64,
			*int, *int8, *int16, *int32, *int64, *uint, *uint8, *uint16, *uint32, *uint64, *uintptr,
			**starlark.List, **starlark.Dict, *starlark.Callable, *starlark.Iterable:
			continue
		}
		t := reflect.TypeOf(p)
		if t == nil || t.Kind() != reflect.Pointer || !t.Elem().Implements(valueType) && !t.Implements(unpackerType) {
			return fmt.Errorf("parameter %s: cannot unpack into %T", s.Params[i].Name, p)
		}
	}
	i := len(s.Params)
	if s.varargs != "" {
		if _, ok := ptrs[i].(*starlark.Tuple); !ok {
			return fmt.Errorf("*%s: want a *starlark.Tuple, got %T", s.varargs, ptrs[i])
		}
		i++
	}
	if s.Kwargs != "" {
		if _, ok := ptrs[i].(*[]starlark.Tuple); !ok {
			return fmt.Errorf("**%s: want a *[]starlark.Tuple, got %T", s.Kwargs, ptrs[i])
		}
	}
	return nil
}

// signatures holds the declaration of every builtin and method by the name
// its starlark.Builtin has ("run", "stats.mean", "connectome.rewire").
// They are registered during package initialisation only.
var signatures sync.Map // string → *Signature

func registerSignature(fullName string, s *Signature) {
	if _, dup := signatures.LoadOrStore(fullName, s); dup {
		panic("script: signature declared twice: " + fullName)
	}
}

func LookupSignature(fn string) *Signature {
	s, _ := signatures.Load(fn)
	sig, _ := s.(*Signature)
	return sig
}
