package kabi

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The parts of step.cu the table describes, as read from its text.
type cuSource struct {
	macros  map[string][]string // #define NAME body, as tokens
	structs map[string][]Field  // struct NAME { fields };
	kernels map[string]string   // extern "C" __global__ void NAME(MACRO)
	order   []string            // the kernels in the file's order
	errs    []string            // what could not be parsed
}

// tokens splits C source (without comments or preprocessor lines) into
// identifiers, numbers, string literals and single punctuation marks.
func tokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				j++
			}
			out = append(out, s[i:min(j+1, len(s))])
			i = j + 1
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '.' && c >= '0' && c <= '9' ||
				s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			out = append(out, string(c))
			i++
		}
	}
	return out
}

var (
	lineComment  = regexp.MustCompile(`//[^\n]*`)
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
)

func parseCU(src string) *cuSource {
	cu := &cuSource{macros: map[string][]string{}, structs: map[string][]Field{}, kernels: map[string]string{}}
	src = blockComment.ReplaceAllString(src, " ")
	src = lineComment.ReplaceAllString(src, "")
	src = strings.ReplaceAll(src, "\\\n", " ")
	var code strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if !strings.HasPrefix(t, "#") {
			code.WriteString(line + "\n")
			continue
		}
		tk := tokens(t[1:])
		if len(tk) >= 2 && tk[0] == "define" {
			cu.macros[tk[1]] = tk[2:]
		}
	}
	tk := tokens(code.String())
	for i := 0; i < len(tk); i++ {
		switch {
		case tk[i] == "struct" && i+2 < len(tk) && tk[i+2] == "{":
			name := tk[i+1]
			end := slices.Index(tk[i:], "}")
			if end < 0 {
				cu.errs = append(cu.errs, "struct "+name+" has no end")
				return cu
			}
			cu.structs[name] = cu.fields(name, tk[i+3:i+end])
			i += end
		case tk[i] == "extern" && i+8 < len(tk) && tk[i+1] == `"C"` && tk[i+2] == "__global__" && tk[i+3] == "void":
			name := tk[i+4]
			if tk[i+5] != "(" || tk[i+7] != ")" {
				cu.errs = append(cu.errs, "kernel "+name+"'s parameters are not one macro")
				continue
			}
			if _, dup := cu.kernels[name]; dup {
				cu.errs = append(cu.errs, "kernel "+name+" twice")
			}
			cu.kernels[name] = tk[i+6]
			cu.order = append(cu.order, name)
		}
	}
	return cu
}

// fields parses a struct body of declarations "type a, b[3];".
func (cu *cuSource) fields(name string, body []string) []Field {
	var out []Field
	for len(body) > 0 {
		end := slices.Index(body, ";")
		if end < 0 {
			cu.errs = append(cu.errs, "struct "+name+": a declaration without ';'")
			return out
		}
		decl := body[:end]
		body = body[end+1:]
		if len(decl) < 2 {
			cu.errs = append(cu.errs, fmt.Sprintf("struct %s: cannot read %q", name, strings.Join(decl, " ")))
			continue
		}
		typ := decl[0]
		for _, d := range splitTop(decl[1:]) {
			switch {
			case len(d) == 1:
				out = append(out, Field{C: d[0], Type: typ})
			case len(d) == 4 && d[1] == "[" && d[3] == "]":
				n, err := strconv.Atoi(d[2])
				if err != nil {
					cu.errs = append(cu.errs, fmt.Sprintf("struct %s: array length %q", name, d[2]))
				}
				out = append(out, Field{C: d[0], Type: typ, N: n})
			default:
				cu.errs = append(cu.errs, fmt.Sprintf("struct %s: cannot read declarator %q", name, strings.Join(d, " ")))
			}
		}
	}
	return out
}

// splitTop splits tokens at commas.
func splitTop(tk []string) [][]string {
	var out [][]string
	cur := []string{}
	for _, t := range tk {
		if t == "," {
			out = append(out, cur)
			cur = []string{}
			continue
		}
		cur = append(cur, t)
	}
	return append(out, cur)
}

// CheckCU compares the table with step.cu's text: every record's fields
// (name, type, array length, order), every parameter macro (type and name
// of each parameter, in order), the name macros, and the kernels with
// their parameter macros. It returns every disagreement.
func (t *Table) CheckCU(src string) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("step.cu: "+format, a...)) }
	cu := parseCU(src)
	for _, e := range cu.errs {
		bad("%s", e)
	}
	for _, c := range t.Consts {
		body, ok := cu.macros[c.C]
		if !ok {
			bad("no #define %s", c.C)
			continue
		}
		v, err := uint64(0), error(nil)
		if len(body) == 1 {
			v, err = strconv.ParseUint(strings.TrimRight(body[0], "uUlL"), 0, 64)
		}
		if len(body) != 1 || err != nil {
			bad("#define %s %s: not a number", c.C, strings.Join(body, " "))
		} else if v != c.Value {
			bad("#define %s is %d, the table has %d", c.C, v, c.Value)
		}
	}
	inTable := map[string]bool{}
	for _, s := range t.Structs {
		inTable[s.C] = true
		got, ok := cu.structs[s.C]
		if !ok {
			bad("no struct %s", s.C)
			continue
		}
		for i := 0; i < max(len(got), len(s.Fields)); i++ {
			var g, w Field
			if i < len(got) {
				g = got[i]
			}
			if i < len(s.Fields) {
				w = s.Fields[i]
			}
			if g.C != w.C || g.Type != w.Type || g.N != w.N {
				bad("struct %s field %d is %s, the table has %s", s.C, i, showField(g), showField(w))
			}
		}
	}
	for name := range cu.structs {
		if !inTable[name] {
			bad("struct %s is not in the table (gpu/internal/kabi)", name)
		}
	}
	sigs := map[string]bool{}
	for _, g := range t.Signatures {
		sigs[g.Macro] = true
		body, ok := cu.macros[g.Macro]
		if !ok {
			bad("no #define %s", g.Macro)
			continue
		}
		params := splitTop(body)
		for i := 0; i < max(len(params), len(g.Params)); i++ {
			var gotType, gotName, want string
			if i < len(params) && len(params[i]) >= 2 {
				pr := params[i]
				gotType, gotName = strings.Join(pr[:len(pr)-1], " "), pr[len(pr)-1]
			}
			if i < len(g.Params) {
				want = normType(g.Params[i].Type) + " " + g.Params[i].C
			}
			if got := strings.TrimSpace(gotType + " " + gotName); got != want {
				bad("%s parameter %d is %q, the table has %q", g.Macro, i, got, want)
			}
		}
		if g.Names == "" {
			continue
		}
		names, ok := cu.macros[g.Names]
		if !ok {
			bad("no #define %s", g.Names)
			continue
		}
		var want []string
		for _, pr := range g.Params {
			want = append(want, pr.C)
		}
		if got := strings.Join(names, ""); got != strings.Join(want, ",") {
			bad("%s is %q, the table has %q", g.Names, got, strings.Join(want, ","))
		}
	}
	for _, name := range cu.order {
		if !sigs[cu.kernels[name]] {
			bad("kernel %s takes %s, not a signature of the table", name, cu.kernels[name])
		}
	}
	want := map[string]string{}
	for _, k := range t.Kernels {
		want[k.Name] = k.Sig
		switch got, ok := cu.kernels[k.Name]; {
		case !ok:
			bad("no kernel %s", k.Name)
		case got != k.Sig:
			bad("kernel %s takes %s, the table has %s", k.Name, got, k.Sig)
		}
	}
	for _, name := range cu.order {
		if _, ok := want[name]; !ok {
			bad("kernel %s is not in the table (gpu/internal/kabi)", name)
		}
	}
	return errs
}

func normType(s string) string { return strings.Join(tokens(s), " ") }

func showField(f Field) string {
	switch {
	case f.C == "":
		return "nothing"
	case f.N > 0:
		return fmt.Sprintf("%s %s[%d]", f.Type, f.C, f.N)
	}
	return f.Type + " " + f.C
}

var (
	ptxEntry = regexp.MustCompile(`(?s)\.entry\s+([A-Za-z_][A-Za-z0-9_]*)\s*\((.*?)\)`)
	ptxParam = regexp.MustCompile(`^\.param\s+(\.[a-z0-9]+)\s+([A-Za-z_][A-Za-z0-9_]*)$`)
)

// PTXEntries reads the parameter types of every .entry of a PTX file.
func PTXEntries(src string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, m := range ptxEntry.FindAllStringSubmatch(src, -1) {
		name := m[1]
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("entry %s twice", name)
		}
		types := []string{}
		for i, decl := range strings.Split(m[2], ",") {
			decl = strings.TrimSpace(decl)
			if decl == "" {
				continue
			}
			pm := ptxParam.FindStringSubmatch(decl)
			if pm == nil {
				return nil, fmt.Errorf("entry %s: cannot read parameter %q", name, decl)
			}
			if want := fmt.Sprintf("%s_param_%d", name, i); pm[2] != want {
				return nil, fmt.Errorf("entry %s: parameter %d is named %s, not %s", name, i, pm[2], want)
			}
			types = append(types, pm[1])
		}
		out[name] = types
	}
	return out, nil
}

// CheckPTX compares the table with the .entry parameter lists of a PTX
// file: the same kernels, and for each as many parameters as its
// signature, each of the PTX type of its C type.
func (t *Table) CheckPTX(name, src string) []error {
	entries, err := PTXEntries(src)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", name, err)}
	}
	var errs []error
	sigs := map[string]*Signature{}
	for i := range t.Signatures {
		sigs[t.Signatures[i].Macro] = &t.Signatures[i]
	}
	known := map[string]bool{}
	for _, k := range t.Kernels {
		known[k.Name] = true
		got, ok := entries[k.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no .entry %s", name, k.Name))
			continue
		}
		g := sigs[k.Sig]
		if g == nil {
			continue // Validate reports it
		}
		if len(got) != len(g.Params) {
			errs = append(errs, fmt.Errorf("%s: .entry %s has %d parameters, the table's %s %d", name, k.Name, len(got), k.Sig, len(g.Params)))
		}
		for i := 0; i < min(len(got), len(g.Params)); i++ {
			if w, _ := ptxType(g.Params[i].Type); got[i] != w {
				errs = append(errs, fmt.Errorf("%s: .entry %s parameter %d is %s, the table's %s (%s) is %s", name, k.Name, i, got[i], g.Params[i].C, g.Params[i].Type, w))
			}
		}
	}
	for e := range entries {
		if !known[e] {
			errs = append(errs, fmt.Errorf("%s: .entry %s is not in the table (gpu/internal/kabi)", name, e))
		}
	}
	return errs
}
