package interp

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"go.starlark.net/lib/json"
	"go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Categories of builtins, in the order `encephagen doc` lists them.
var categories = []string{
	"connectomes", "brains", "stimuli", "running", "measurement",
	"arrays", "statistics", "learning", "outputs", "script", "modules",
}

// Builtin is one predeclared function, module member or module. It is the
// single source of both the interpreter's predeclared names and the
// reference that `encephagen doc` prints.
type Builtin struct {
	Name     string // "brain", or "stats.cohens_d" for a member of module stats
	Category string
	Sig      string // the call signature, e.g. "run(target, *, ms=None, ...)", as sig prints it
	Doc      string // the first sentence is the summary

	sig   *Signature // the parsed declaration of a function; nil for a module
	Fn    func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)
	value starlark.Value // a predeclared non-function (a library module)
}

// Summary is the first sentence of the documentation.
func (b *Builtin) Summary() string { return summary(b.Doc) }

// Keywords lists the parameter names the declaration has; ok is false
// when the builtin also takes arbitrary keywords (**kwargs) or is not a
// function.
func (b *Builtin) Keywords() (names []string, ok bool) {
	if b.sig == nil {
		return nil, false
	}
	return b.sig.Keywords(), b.sig.Kwargs == ""
}

// TypeDoc documents a value type and its attributes.
type TypeDoc struct {
	Name    string // the Starlark type name, e.g. "brain"
	Doc     string
	Members []MemberDoc
}

// MemberDoc documents one attribute of a value type.
type MemberDoc struct {
	Name   string
	Sig    string // "group(name)" for a method; "" for a plain attribute
	Doc    string
	Method bool
}

var (
	registryMu sync.Mutex
	builtins   []*Builtin
	types      []*TypeDoc
)

// decl registers a builtin function. Names with a dot are members of a
// module (the part before the dot). sig declares its parameters
// ("run(target, *, ms=None, steps=None)"): fn unpacks its arguments with
// bind(name, ...), which takes the names from it, as do `encephagen doc`
// and `encephagen vet`.
func Decl(name, category, sig, doc string, fn func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)) {
	s := parseSignature(sig)
	if s.Name != name {
		panic("script: builtin " + name + " declared with the signature " + sig)
	}
	declare(&Builtin{Name: name, Category: category, Sig: s.String(), Doc: doc, sig: s, Fn: fn})
	registerSignature(name, s)
}

// declValue registers a predeclared value that is not a Go function.
func DeclValue(name, category, sig, doc string, v starlark.Value) {
	declare(&Builtin{Name: name, Category: category, Sig: sig, Doc: doc, value: v})
}

func declare(b *Builtin) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if !slices.Contains(categories, b.Category) {
		panic("script: unknown category " + b.Category + " for " + b.Name)
	}
	for _, o := range builtins {
		if o.Name == b.Name {
			panic("script: builtin declared twice: " + b.Name)
		}
	}
	builtins = append(builtins, b)
}

func declType(t *TypeDoc) {
	registryMu.Lock()
	defer registryMu.Unlock()
	types = append(types, t)
}

// Builtins returns every registered builtin, by category then name.
func Builtins() []*Builtin {
	registryMu.Lock()
	out := slices.Clone(builtins)
	registryMu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		ci, cj := slices.Index(categories, out[i].Category), slices.Index(categories, out[j].Category)
		if ci != cj {
			return ci < cj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Types returns the documented value types, by name.
func Types() []*TypeDoc {
	registryMu.Lock()
	out := slices.Clone(types)
	registryMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupBuiltin finds a builtin by its full name ("brain", "stats.mean").
func LookupBuiltin(name string) *Builtin {
	for _, b := range Builtins() {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// LookupType finds a value type by name.
func LookupType(name string) *TypeDoc {
	for _, t := range Types() {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// DocNames lists every name `encephagen doc NAME` accepts: builtins, types
// and type members (type.member).
func DocNames() []string {
	var names []string
	for _, b := range Builtins() {
		names = append(names, b.Name)
	}
	for _, t := range Types() {
		names = append(names, t.Name)
		for _, m := range t.Members {
			names = append(names, t.Name+"."+m.Name)
		}
	}
	return names
}

var (
	predeclOnce sync.Once
	predecl     starlark.StringDict
)

// Predeclared returns the names every script sees: the builtins, with the
// dotted ones gathered into modules (stats, …). The dictionary is frozen
// and shared; do not modify it.
func Predeclared() starlark.StringDict {
	predeclOnce.Do(func() {
		predecl = starlark.StringDict{}
		modules := map[string]starlark.StringDict{}
		for _, b := range Builtins() {
			var v starlark.Value = b.value
			mod, member, dotted := strings.Cut(b.Name, ".")
			if b.Fn != nil {
				v = starlark.NewBuiltin(b.Name, b.Fn)
			}
			if v == nil {
				continue // a documentation-only entry (a module header)
			}
			if dotted {
				if modules[mod] == nil {
					modules[mod] = starlark.StringDict{}
				}
				modules[mod][member] = v
				continue
			}
			predecl[b.Name] = v
		}
		for name, members := range modules {
			predecl[name] = &starlarkstruct.Module{Name: name, Members: members}
		}
		predecl.Freeze()
	})
	return predecl
}

// isPredeclared reports whether name is a predeclared name of scripts.
func isPredeclared(name string) bool { return Predeclared().Has(name) }

func summary(doc string) string {
	doc = strings.TrimSpace(doc)
	if i := strings.Index(doc, "\n\n"); i >= 0 {
		doc = doc[:i]
	}
	doc = strings.Join(strings.Fields(doc), " ")
	for i := 0; i+1 < len(doc); i++ {
		if doc[i] == '.' && doc[i+1] == ' ' {
			return doc[:i+1]
		}
	}
	return doc
}

// The go.starlark.net library modules scripts may use. Their members are
// documented upstream; the entry lists them so that the reference is
// complete.
func init() {
	DeclValue("math", "modules", "math",
		"The go.starlark.net math module (https://pkg.go.dev/go.starlark.net/lib/math). "+
			"Members: "+memberList(math.Module)+".", math.Module)
	DeclValue("json", "modules", "json",
		"The go.starlark.net json module (https://pkg.go.dev/go.starlark.net/lib/json): "+
			"encode(x), decode(s, default=unset), indent(s, prefix=\"\", indent=\"\\t\"). "+
			"Members: "+memberList(json.Module)+".", json.Module)
	Decl("struct", "script", "struct(**fields)",
		"Returns an immutable struct whose attributes are the given keyword arguments: "+
			"struct(cv=0.3, slope=0.01).cv is 0.3. Structs are written to JSON as objects.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var fields []starlark.Tuple
			if err := Bind(b.Name(), args, kwargs, &fields); err != nil {
				return nil, err
			}
			return starlarkstruct.FromKeywords(starlarkstruct.Default, fields), nil
		})
}

func memberList(m *starlarkstruct.Module) string {
	names := m.Members.Keys()
	sort.Strings(names)
	return strings.Join(names, ", ")
}
