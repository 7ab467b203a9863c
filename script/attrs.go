package script

import (
	"go.starlark.net/starlark"
)

// member is one attribute of a value type: a plain attribute (get) or a
// method (call). A type's member table drives Attr, AttrNames and the
// documentation, so they cannot drift apart.
type member[T any] struct {
	name string
	sig  string // for methods, the declaration of the parameters: "group(name)"
	doc  string
	get  func(recv T) (starlark.Value, error)
	call func(thread *starlark.Thread, fn string, recv T, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)
}

// typeTable is a value type's members.
type typeTable[T any] struct {
	name    string
	members []member[T]
	index   map[string]int
	names   []string
}

// newType builds a member table and registers its documentation.
func newType[T any](name, doc string, members ...member[T]) *typeTable[T] {
	t := &typeTable[T]{name: name, members: members, index: map[string]int{}}
	td := &TypeDoc{Name: name, Doc: doc}
	for i, m := range members {
		if (m.get == nil) == (m.call == nil) {
			panic("script: member " + name + "." + m.name + " needs exactly one of get and call")
		}
		if _, dup := t.index[m.name]; dup {
			panic("script: member declared twice: " + name + "." + m.name)
		}
		t.index[m.name] = i
		t.names = append(t.names, m.name)
		md := MemberDoc{Name: m.name, Doc: m.doc, Method: m.call != nil}
		if m.call != nil {
			// The method unpacks its arguments with bind(name+"."+m.name, ...).
			s := parseSignature(m.sig)
			if s.name != m.name {
				panic("script: method " + name + "." + m.name + " declared with the signature " + m.sig)
			}
			registerSignature(name+"."+m.name, s)
			md.Sig = s.String()
		} else if m.sig != "" {
			panic("script: attribute " + name + "." + m.name + " has a signature")
		}
		td.Members = append(td.Members, md)
	}
	declType(td)
	return t
}

func (t *typeTable[T]) attr(recv T, name string) (starlark.Value, error) {
	i, ok := t.index[name]
	if !ok {
		return nil, nil // starlark reports "no .name field or method", with a hint
	}
	m := &t.members[i]
	if m.get != nil {
		return m.get(recv)
	}
	fn := t.name + "." + m.name
	return starlark.NewBuiltin(fn, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return m.call(thread, fn, recv, args, kwargs)
	}), nil
}

func (t *typeTable[T]) attrNames() []string { return append([]string(nil), t.names...) }
