package interp

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/encephagen/encephagen/script/rundir"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// Limits of the JSON a script writes (write_json, unit results, plans):
// values nested deeper than maxJSONDepth lists, dicts and structs, values
// that contain themselves and encodings longer than maxJSONBytes are
// refused, so that a hostile or mistaken value costs bounded time and
// memory. The encoder also stops when the run is interrupted.
const (
	maxJSONDepth = 200
	maxJSONBytes = 256 << 20
)

// jsonEncoder writes a value as JSON: dicts with string keys (in
// insertion order), lists, tuples, arrays, structs (fields sorted),
// numbers, strings, bools and None. Floats always carry a '.' or an
// exponent, so that they decode as floats again. NaN and infinities have
// no JSON form and are refused with the path of the value.
type jsonEncoder struct {
	buf    bytes.Buffer
	indent string
	ctx    context.Context  // nil: never interrupted
	open   []starlark.Value // the lists and dicts being written, outermost first
	count  int              // values written, for the cancellation check
}

var errJSONTooLong = fmt.Errorf("the JSON encoding is longer than %d MiB, the limit of one file or unit result", maxJSONBytes>>20)

func (e *jsonEncoder) encode(v starlark.Value, path string, depth int) error {
	buf := &e.buf
	if e.count++; e.count%4096 == 0 && e.ctx != nil {
		if err := e.ctx.Err(); err != nil {
			return fmt.Errorf("interrupted while writing JSON: %w", err)
		}
	}
	if buf.Len() > maxJSONBytes {
		return errJSONTooLong
	}
	switch v.(type) {
	case jsonAs, *starlark.List, starlark.Tuple, *starlark.Dict, *starlarkstruct.Struct:
		if depth >= maxJSONDepth {
			return fmt.Errorf("%s is nested more than %d lists, dicts or structs deep, the limit of JSON values; flatten it", truncPath(path), maxJSONDepth)
		}
	}
	switch v.(type) {
	case *starlark.List, *starlark.Dict:
		for _, o := range e.open {
			if o == v {
				return fmt.Errorf("%s contains itself (a list or dict holding itself has no JSON form); write a copy without the cycle", truncPath(path))
			}
		}
		e.open = append(e.open, v)
		defer func() { e.open = e.open[:len(e.open)-1] }()
	}
	nl := func(d int) {
		if e.indent != "" {
			buf.WriteByte('\n')
			for range d {
				buf.WriteString(e.indent)
			}
		}
	}
	writeFloat := func(f float64, p string) error {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s is %s, which JSON cannot represent; replace it (e.g. with None) before writing", p, FormatFloat(f))
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		buf.WriteString(s)
		return nil
	}
	sep := ": "
	if e.indent == "" {
		sep = ":"
	}
	list := func(n int, at func(i int) (starlark.Value, string)) error {
		buf.WriteByte('[')
		for i := 0; i < n; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			nl(depth + 1)
			x, p := at(i)
			if err := e.encode(x, p, depth+1); err != nil {
				return err
			}
		}
		if n > 0 {
			nl(depth)
		}
		buf.WriteByte(']')
		return nil
	}
	object := func(keys []string, get func(k string) starlark.Value) error {
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			nl(depth + 1)
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteString(sep)
			if err := e.encode(get(k), path+"."+k, depth+1); err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			nl(depth)
		}
		buf.WriteByte('}')
		return nil
	}
	switch x := v.(type) {
	case starlark.NoneType:
		buf.WriteString("null")
	case starlark.Bool:
		buf.WriteString(strconv.FormatBool(bool(x)))
	case starlark.Int:
		buf.WriteString(x.String())
	case starlark.Float:
		return writeFloat(float64(x), path)
	case starlark.String:
		b, _ := json.Marshal(string(x))
		buf.Write(b)
	case *starlark.List:
		return list(x.Len(), func(i int) (starlark.Value, string) { return x.Index(i), fmt.Sprintf("%s[%d]", path, i) })
	case starlark.Tuple:
		return list(len(x), func(i int) (starlark.Value, string) { return x[i], fmt.Sprintf("%s[%d]", path, i) })
	case *starlark.Dict:
		var keys []string
		vals := map[string]starlark.Value{}
		for _, kv := range x.Items() {
			k, ok := kv[0].(starlark.String)
			if !ok {
				return fmt.Errorf("%s has a %s key (%s); JSON object keys are strings", path, kv[0].Type(), kv[0])
			}
			keys = append(keys, string(k))
			vals[string(k)] = kv[1]
		}
		return object(keys, func(k string) starlark.Value { return vals[k] })
	case *starlarkstruct.Struct:
		keys := x.AttrNames()
		sort.Strings(keys)
		return object(keys, func(k string) starlark.Value { v, _ := x.Attr(k); return v })
	case jsonAs:
		if n, ok := x.(jsonNumbers); ok {
			if vals, ints, flat := n.JSONNumbers(); flat {
				// On one line, however the rest is indented.
				buf.WriteByte('[')
				for i, f := range vals {
					if i > 0 {
						buf.WriteString(", ")
					}
					if ints {
						buf.WriteString(strconv.FormatInt(int64(f), 10))
					} else if err := writeFloat(f, fmt.Sprintf("%s[%d]", path, i)); err != nil {
						return err
					}
				}
				buf.WriteByte(']')
				return nil
			}
		}
		return e.encode(x.JSONValue(), path, depth)
	default:
		return fmt.Errorf("%s is a %s, which cannot be written as JSON (use numbers, strings, bools, None, lists, dicts, structs and arrays)", path, v.Type())
	}
	return nil
}

// jsonAs is a value written as JSON as another value (a pattern as its
// active indices, an array as a list of numbers).
type jsonAs interface {
	starlark.Value
	JSONValue() starlark.Value
}

// jsonNumbers is a jsonAs that may be a flat run of numbers (a 1-D array),
// written on one line: ints as integers, the others as floats.
type jsonNumbers interface {
	JSONNumbers() (vals []float64, ints, flat bool)
}

// truncPath shortens the path of a deeply nested value for a message.
func truncPath(p string) string {
	if len(p) > 120 {
		return p[:60] + "…" + p[len(p)-50:]
	}
	return p
}

// encodeJSON encodes v (see jsonEncoder); ctx, when not nil, interrupts
// a long encoding. Its errors name the part of v ("value.d is nan, ...")
// without a function name: the caller prefixes its own.
func EncodeJSON(ctx context.Context, v starlark.Value, indent string) ([]byte, error) {
	e := &jsonEncoder{indent: indent, ctx: ctx}
	if err := e.encode(v, "value", 0); err != nil {
		return nil, err
	}
	if e.buf.Len() > maxJSONBytes {
		return nil, errJSONTooLong
	}
	return e.buf.Bytes(), nil
}

// fromGo converts a JSON scalar token to Starlark: numbers with '.' or an
// exponent become floats, the others ints.
func fromGo(x any) (starlark.Value, error) {
	switch v := x.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(v), nil
	case string:
		return starlark.String(v), nil
	case json.Number:
		s := string(v)
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			return starlark.Float(f), err
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return starlark.MakeInt64(i), nil
		}
		i, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, fmt.Errorf("bad number %s", s)
		}
		return starlark.MakeBigInt(i), nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", x)
}

// decodeOrdered decodes JSON keeping the key order of objects (so a
// resumed unit's dicts iterate as the fresh one's did).
func DecodeOrdered(b []byte) (starlark.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (starlark.Value, error) {
	if depth > maxJSONDepth+2 { // +2: a unit file's record around the value
		return nil, fmt.Errorf("JSON nested more than %d deep", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			d := starlark.NewDict(0)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				d.SetKey(starlark.String(kt.(string)), v)
			}
			_, err := dec.Token()
			return d, err
		case '[':
			var out []starlark.Value
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := dec.Token()
			return starlark.NewList(out), err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return fromGo(t)
	}
}

func writeBuiltin(thread *starlark.Thread, fn, name string, data []byte) error {
	s, err := SessionOf(thread, fn)
	if err != nil {
		return err
	}
	clean, err := rundir.CheckName(fn, name)
	if err != nil {
		return err
	}
	s.planMu.Lock()
	early := s.mode == modeShard && !s.unitsCalled
	s.planMu.Unlock()
	if early {
		// A shard stops after run_units; what the script writes belongs to
		// the merge, not to each shard in the shared directory.
		return fmt.Errorf("%s: %s: a shard (%s) writes no files before run_units: the shards share the run directory, and encephagen merge writes the results; write after run_units", fn, name, s.shard.Flag())
	}
	if err := s.Dir.WriteFile(clean, data); err != nil {
		return fmt.Errorf("%s: %s: %v", fn, name, err)
	}
	return nil
}

func init() {
	Decl("write_json", "outputs", "write_json(name, value, indent=True)",
		`Writes value as JSON to the file name in the run directory (a relative path such as "results.json" or
"brains/3.json"; absolute paths, ".." and the run's own files are refused). Dicts keep their order, structs
become objects, arrays lists; NaN and infinities are refused with the path of the offending value.
The file appears atomically.`,
		func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var name string
			var v starlark.Value
			indent := true
			if err := Bind(b.Name(), args, kw, &name, &v, &indent); err != nil {
				return nil, err
			}
			ind := ""
			if indent {
				ind = "  "
			}
			data, err := EncodeJSON(threadCtxOf(thread), v, ind)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			return starlark.None, writeBuiltin(thread, b.Name(), name, append(data, '\n'))
		})
	Decl("write_csv", "outputs", "write_csv(name, rows, header=None)",
		"Writes rows (a list of lists of numbers, strings, bools or None, or a 2-D array) as CSV to the file name in the run directory, after an optional header row.",
		func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			fn := b.Name()
			var name string
			var rows starlark.Value
			var header starlark.Value = starlark.None
			if err := Bind(fn, args, kw, &name, &rows, &header); err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			if header != starlark.None {
				h, err := toStrings(fn, "header", header)
				if err != nil {
					return nil, err
				}
				w.Write(h)
			}
			it, ok := rows.(starlark.Iterable)
			if !ok {
				return nil, fmt.Errorf("%s: for parameter rows: got %s, want a list of rows", fn, rows.Type())
			}
			iter := it.Iterate()
			defer iter.Done()
			var row starlark.Value
			for i := 0; iter.Next(&row); i++ {
				cells, ok := row.(starlark.Iterable)
				if !ok {
					return nil, fmt.Errorf("%s: rows[%d]: got %s, want a list", fn, i, row.Type())
				}
				var rec []string
				ci := cells.Iterate()
				var c starlark.Value
				for j := 0; ci.Next(&c); j++ {
					switch x := c.(type) {
					case starlark.String:
						rec = append(rec, string(x))
					case starlark.NoneType:
						rec = append(rec, "")
					case starlark.Int, starlark.Bool:
						rec = append(rec, x.String())
					case starlark.Float:
						rec = append(rec, strconv.FormatFloat(float64(x), 'g', -1, 64))
					default:
						ci.Done()
						return nil, fmt.Errorf("%s: rows[%d][%d]: got %s, want a number, string, bool or None", fn, i, j, c.Type())
					}
				}
				ci.Done()
				w.Write(rec)
			}
			w.Flush()
			return starlark.None, writeBuiltin(thread, fn, name, buf.Bytes())
		})
	Decl("write_text", "outputs", "write_text(name, text)",
		"Writes a string to the file name in the run directory (a printed report, a table).",
		func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var name, text string
			if err := Bind(b.Name(), args, kw, &name, &text); err != nil {
				return nil, err
			}
			return starlark.None, writeBuiltin(thread, b.Name(), name, []byte(text))
		})
	Decl("provenance", "outputs", "provenance()",
		"The run's provenance as a dict (program version and commit, script path and sha256, loaded modules, parameters, workers, backend, host, start time), to embed in a results file. run.json in the run directory holds the same and how the run ended.",
		func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := Bind(b.Name(), args, kw); err != nil {
				return nil, err
			}
			s, err := SessionOf(thread, b.Name())
			if err != nil {
				return nil, err
			}
			return s.provenance(), nil
		})
}
