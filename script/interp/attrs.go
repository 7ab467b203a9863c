package interp

import (
	"go.starlark.net/starlark"
)

// member is one attribute of a value type: a plain attribute (get) or a
// method (call). A type's member table drives Attr, AttrNames and the
// documentation, so they cannot drift apart.
type Member[T any] struct {
	Name string
	Sig  string // for methods, the declaration of the parameters: "group(name)"
	Doc  string
	Get  func(recv T) (starlark.Value, error)
	Call func(thread *starlark.Thread, fn string, recv T, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)
}

// TypeTable is a value type's members.
type TypeTable[T any] struct {
	name    string
	members []Member[T]
	index   map[string]int
	names   []string
}

// newType builds a member table and registers its documentation.
func NewType[T any](name, doc string, members ...Member[T]) *TypeTable[T] {
	t := &TypeTable[T]{name: name, members: members, index: map[string]int{}}
	td := &TypeDoc{Name: name, Doc: doc}
	for i, m := range members {
		if (m.Get == nil) == (m.Call == nil) {
			panic("script: member " + name + "." + m.Name + " needs exactly one of get and call")
		}
		if _, dup := t.index[m.Name]; dup {
			panic("script: member declared twice: " + name + "." + m.Name)
		}
		t.index[m.Name] = i
		t.names = append(t.names, m.Name)
		md := MemberDoc{Name: m.Name, Doc: m.Doc, Method: m.Call != nil}
		if m.Call != nil {
			// The method unpacks its arguments with bind(name+"."+m.name, ...).
			s := parseSignature(m.Sig)
			if s.Name != m.Name {
				panic("script: method " + name + "." + m.Name + " declared with the signature " + m.Sig)
			}
			registerSignature(name+"."+m.Name, s)
			md.Sig = s.String()
		} else if m.Sig != "" {
			panic("script: attribute " + name + "." + m.Name + " has a signature")
		}
		td.Members = append(td.Members, md)
	}
	declType(td)
	return t
}

func (t *TypeTable[T]) Attr(recv T, name string) (starlark.Value, error) {
	i, ok := t.index[name]
	if !ok {
		return nil, nil // starlark reports "no .name field or method", with a hint
	}
	m := &t.members[i]
	if m.Get != nil {
		return m.Get(recv)
	}
	fn := t.name + "." + m.Name
	return starlark.NewBuiltin(fn, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return m.Call(thread, fn, recv, args, kwargs)
	}), nil
}

func (t *TypeTable[T]) AttrNames() []string { return append([]string(nil), t.names...) }
