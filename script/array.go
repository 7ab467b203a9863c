package script

import (
	"fmt"
	"math"
	"strings"

	"github.com/encephagen/encephagen/script/interp"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Array is an immutable vector or matrix of numbers kept in Go, so that a
// measurement of thousands of values never becomes a Starlark list unless
// the script asks (tolist()). A 1-D array indexes to numbers; a 2-D array
// indexes to its rows. Integer arrays (spike counts, region indices) index
// to ints.
type Array struct {
	data []float64
	rows int // 2-D when cols > 0: data is rows×cols, row-major
	cols int
	ints bool
}

var (
	_ starlark.Indexable  = (*Array)(nil)
	_ starlark.Sliceable  = (*Array)(nil)
	_ starlark.Iterable   = (*Array)(nil)
	_ starlark.HasAttrs   = (*Array)(nil)
	_ starlark.HasBinary  = (*Array)(nil)
	_ starlark.HasUnary   = (*Array)(nil)
	_ starlark.Comparable = (*Array)(nil)
)

// NewArray returns a 1-D array (it takes ownership of data).
func NewArray(data []float64) *Array { return &Array{data: data} }

func newIntArray(data []float64) *Array { return &Array{data: data, ints: true} }

// newMatrix returns a rows×cols array (it takes ownership of data).
func newMatrix(data []float64, rows, cols int) *Array {
	if rows*cols != len(data) {
		panic("script: matrix shape mismatch")
	}
	return &Array{data: data, rows: rows, cols: cols}
}

// Floats returns the values (row-major for a matrix); callers must not
// modify them.
func (a *Array) Floats() []float64 { return a.data }

func (a *Array) is2D() bool { return a.cols > 0 }

func (a *Array) String() string {
	var b strings.Builder
	b.WriteString("array([")
	n := a.Len()
	show := func(i int) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Index(i).String())
	}
	if n <= 12 {
		for i := 0; i < n; i++ {
			show(i)
		}
	} else {
		for i := 0; i < 5; i++ {
			show(i)
		}
		b.WriteString(", ...")
		for i := n - 3; i < n; i++ {
			show(i)
		}
	}
	b.WriteString("]")
	if a.is2D() {
		fmt.Fprintf(&b, ", shape=(%d, %d)", a.rows, a.cols)
	} else if n > 12 {
		fmt.Fprintf(&b, ", len=%d", n)
	}
	b.WriteString(")")
	return b.String()
}

func (a *Array) Type() string          { return "array" }
func (a *Array) Freeze()               {} // immutable
func (a *Array) Truth() starlark.Bool  { return a.Len() > 0 }
func (a *Array) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: array") }

func (a *Array) Len() int {
	if a.is2D() {
		return a.rows
	}
	return len(a.data)
}

func (a *Array) num(x float64) starlark.Value {
	if a.ints {
		return starlark.MakeInt64(int64(x))
	}
	return starlark.Float(x)
}

func (a *Array) Index(i int) starlark.Value {
	if a.is2D() {
		return &Array{data: a.data[i*a.cols : (i+1)*a.cols : (i+1)*a.cols], ints: a.ints}
	}
	return a.num(a.data[i])
}

func (a *Array) Slice(start, end, step int) starlark.Value {
	var idx []int
	if step > 0 {
		for i := start; i < end; i += step {
			idx = append(idx, i)
		}
	} else {
		for i := start; i > end; i += step {
			idx = append(idx, i)
		}
	}
	return a.take(idx)
}

func (a *Array) take(idx []int) *Array {
	if a.is2D() {
		out := make([]float64, 0, len(idx)*a.cols)
		for _, i := range idx {
			out = append(out, a.data[i*a.cols:(i+1)*a.cols]...)
		}
		return &Array{data: out, rows: len(idx), cols: a.cols, ints: a.ints}
	}
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = a.data[i]
	}
	return &Array{data: out, ints: a.ints}
}

func (a *Array) Iterate() starlark.Iterator { return &arrayIter{a: a} }

type arrayIter struct {
	a *Array
	i int
}

func (it *arrayIter) Next(p *starlark.Value) bool {
	if it.i >= it.a.Len() {
		return false
	}
	*p = it.a.Index(it.i)
	it.i++
	return true
}
func (it *arrayIter) Done() {}

func (a *Array) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	b := y.(*Array)
	eq := a.rows == b.rows && a.cols == b.cols && len(a.data) == len(b.data)
	for i := 0; eq && i < len(a.data); i++ {
		eq = a.data[i] == b.data[i]
	}
	switch op {
	case syntax.EQL:
		return eq, nil
	case syntax.NEQ:
		return !eq, nil
	}
	return false, fmt.Errorf("array: %s not supported (compare values, e.g. a.max() < 3)", op)
}

func (a *Array) Unary(op syntax.Token) (starlark.Value, error) {
	switch op {
	case syntax.MINUS:
		return a.mapf(func(x float64) float64 { return -x }, a.ints), nil
	case syntax.PLUS:
		return a, nil
	}
	return nil, nil
}

func (a *Array) mapf(f func(float64) float64, ints bool) *Array {
	out := make([]float64, len(a.data))
	for i, x := range a.data {
		out[i] = f(x)
	}
	return &Array{data: out, rows: a.rows, cols: a.cols, ints: ints}
}

// Binary implements elementwise + - * / between arrays of the same shape,
// or between an array and a number.
func (a *Array) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	var f func(x, y float64) float64
	switch op {
	case syntax.PLUS:
		f = func(x, y float64) float64 { return x + y }
	case syntax.MINUS:
		f = func(x, y float64) float64 { return x - y }
	case syntax.STAR:
		f = func(x, y float64) float64 { return x * y }
	case syntax.SLASH:
		f = func(x, y float64) float64 { return x / y }
	default:
		return nil, nil
	}
	apply := func(x, y float64) float64 {
		if side == starlark.Right {
			return f(y, x)
		}
		return f(x, y)
	}
	switch b := y.(type) {
	case *Array:
		if a.rows != b.rows || a.cols != b.cols || len(a.data) != len(b.data) {
			return nil, fmt.Errorf("array %s array: shapes differ (%s and %s)", op, a.shapeString(), b.shapeString())
		}
		out := make([]float64, len(a.data))
		for i := range out {
			out[i] = apply(a.data[i], b.data[i])
		}
		return &Array{data: out, rows: a.rows, cols: a.cols, ints: a.ints && b.ints && op != syntax.SLASH}, nil
	case starlark.Int, starlark.Float:
		s, _ := starlark.AsFloat(b)
		_, isInt := b.(starlark.Int)
		return a.mapf(func(x float64) float64 { return apply(x, s) }, a.ints && isInt && op != syntax.SLASH), nil
	}
	return nil, nil
}

func (a *Array) shapeString() string {
	if a.is2D() {
		return fmt.Sprintf("(%d, %d)", a.rows, a.cols)
	}
	return fmt.Sprintf("(%d,)", len(a.data))
}

func (a *Array) Attr(name string) (starlark.Value, error) { return arrayType.Attr(a, name) }
func (a *Array) AttrNames() []string                      { return arrayType.AttrNames() }

// reduce applies f over the whole array (axis None), over rows (axis 0:
// one value per column) or within rows (axis 1: one value per row).
func (a *Array) reduce(fn string, args starlark.Tuple, kwargs []starlark.Tuple, f func([]float64) (float64, error), keepInts bool) (starlark.Value, error) {
	var axis starlark.Value = starlark.None
	if err := interp.Bind(fn, args, kwargs, &axis); err != nil {
		return nil, err
	}
	if axis == starlark.None {
		if len(a.data) == 0 {
			return nil, fmt.Errorf("%s: empty array", fn)
		}
		x, err := f(a.data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", fn, err)
		}
		if keepInts {
			return a.num(x), nil
		}
		return starlark.Float(x), nil
	}
	var ax int
	if err := starlark.AsInt(axis, &ax); err != nil || (ax != 0 && ax != 1) {
		return nil, interp.RangeError(fn, "axis", "None, 0 or 1", axis)
	}
	if !a.is2D() {
		return nil, fmt.Errorf("%s: axis=%d needs a 2-D array, got shape %s", fn, ax, a.shapeString())
	}
	var out []float64
	if ax == 1 {
		for r := 0; r < a.rows; r++ {
			x, err := f(a.data[r*a.cols : (r+1)*a.cols])
			if err != nil {
				return nil, fmt.Errorf("%s: row %d: %v", fn, r, err)
			}
			out = append(out, x)
		}
	} else {
		if a.rows == 0 {
			return nil, fmt.Errorf("%s: empty array", fn)
		}
		col := make([]float64, a.rows)
		for c := 0; c < a.cols; c++ {
			for r := 0; r < a.rows; r++ {
				col[r] = a.data[r*a.cols+c]
			}
			x, err := f(col)
			if err != nil {
				return nil, fmt.Errorf("%s: column %d: %v", fn, c, err)
			}
			out = append(out, x)
		}
	}
	return &Array{data: out, ints: keepInts && a.ints}, nil
}

func sum(x []float64) (float64, error) {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s, nil
}

func mean(x []float64) (float64, error) {
	if len(x) == 0 {
		return 0, fmt.Errorf("empty")
	}
	s, _ := sum(x)
	return s / float64(len(x)), nil
}

func popStd(x []float64) (float64, error) {
	m, err := mean(x)
	if err != nil {
		return 0, err
	}
	ss := 0.0
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x))), nil
}

func minOf(x []float64) (float64, error) {
	m := math.Inf(1)
	for _, v := range x {
		m = math.Min(m, v)
	}
	return m, nil
}

func maxOf(x []float64) (float64, error) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m, nil
}

func argOf(x []float64, better func(a, b float64) bool) (float64, error) {
	best := 0
	for i, v := range x {
		if better(v, x[best]) {
			best = i
		}
	}
	return float64(best), nil
}

func (a *Array) toList() starlark.Value {
	out := make([]starlark.Value, a.Len())
	for i := range out {
		v := a.Index(i)
		if r, ok := v.(*Array); ok {
			v = r.toList()
		}
		out[i] = v
	}
	return starlark.NewList(out)
}

var arrayType = interp.NewType("array",
	"An immutable vector or matrix of numbers kept in Go (measurements, statistics inputs). "+
		"len(a), a[i], a[i:j:k], iteration, == and !=, and elementwise + - * / with an array "+
		"of the same shape or a number are supported. A 2-D array indexes to its rows. "+
		"Reductions take axis=None (all values), 0 (down the rows: one value per column) or 1 "+
		"(along each row: one value per row).",
	interp.Member[*Array]{Name: "shape", Doc: "The shape as a tuple: (n,) or (rows, cols).",
		Get: func(a *Array) (starlark.Value, error) {
			if a.is2D() {
				return starlark.Tuple{starlark.MakeInt(a.rows), starlark.MakeInt(a.cols)}, nil
			}
			return starlark.Tuple{starlark.MakeInt(len(a.data))}, nil
		}},
	interp.Member[*Array]{Name: "sum", Sig: "sum(axis=None)", Doc: "The sum of the values.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a.data) == 0 && len(args) == 0 && len(kw) == 0 {
				return a.num(0), nil
			}
			return a.reduce(fn, args, kw, sum, true)
		}},
	interp.Member[*Array]{Name: "mean", Sig: "mean(axis=None)", Doc: "The arithmetic mean; an empty array is an error.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return a.reduce(fn, args, kw, mean, false)
		}},
	interp.Member[*Array]{Name: "std", Sig: "std(axis=None)", Doc: "The population standard deviation (ddof = 0).",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return a.reduce(fn, args, kw, popStd, false)
		}},
	interp.Member[*Array]{Name: "min", Sig: "min(axis=None)", Doc: "The smallest value.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return a.reduce(fn, args, kw, minOf, true)
		}},
	interp.Member[*Array]{Name: "max", Sig: "max(axis=None)", Doc: "The largest value.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return a.reduce(fn, args, kw, maxOf, true)
		}},
	interp.Member[*Array]{Name: "argmin", Sig: "argmin()", Doc: "The index of the smallest value (the first one on ties) of a 1-D array.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return a.arg(fn, args, kw, func(x, y float64) bool { return x < y })
		}},
	interp.Member[*Array]{Name: "argmax", Sig: "argmax()", Doc: "The index of the largest value (the first one on ties) of a 1-D array.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return a.arg(fn, args, kw, func(x, y float64) bool { return x > y })
		}},
	interp.Member[*Array]{Name: "take", Sig: "take(indices)", Doc: "A new array of the elements (1-D) or rows (2-D) at the given indices, in that order; negative indices count from the end.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var v starlark.Value
			if err := interp.Bind(fn, args, kw, &v); err != nil {
				return nil, err
			}
			idx, err := toInts(fn, "indices", v)
			if err != nil {
				return nil, err
			}
			n := a.Len()
			for k, i := range idx {
				if i < 0 {
					i += n
				}
				if i < 0 || i >= n {
					return nil, fmt.Errorf("%s: indices[%d] = %d out of range for length %d", fn, k, idx[k], n)
				}
				idx[k] = i
			}
			return a.take(idx), nil
		}},
	interp.Member[*Array]{Name: "column", Sig: "column(j)", Doc: "Column j of a 2-D array, as a 1-D array.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var j int
			if err := interp.Bind(fn, args, kw, &j); err != nil {
				return nil, err
			}
			if !a.is2D() {
				return nil, fmt.Errorf("%s: needs a 2-D array, got shape %s", fn, a.shapeString())
			}
			if j < 0 {
				j += a.cols
			}
			if j < 0 || j >= a.cols {
				return nil, interp.RangeError(fn, "j", fmt.Sprintf("in [0, %d)", a.cols), j)
			}
			out := make([]float64, a.rows)
			for r := range out {
				out[r] = a.data[r*a.cols+j]
			}
			return &Array{data: out, ints: a.ints}, nil
		}},
	interp.Member[*Array]{Name: "transpose", Sig: "transpose()", Doc: "The transpose of a 2-D array.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := interp.Bind(fn, args, kw); err != nil {
				return nil, err
			}
			if !a.is2D() {
				return nil, fmt.Errorf("%s: needs a 2-D array, got shape %s", fn, a.shapeString())
			}
			out := make([]float64, len(a.data))
			for r := 0; r < a.rows; r++ {
				for c := 0; c < a.cols; c++ {
					out[c*a.rows+r] = a.data[r*a.cols+c]
				}
			}
			return &Array{data: out, rows: a.cols, cols: a.rows, ints: a.ints}, nil
		}},
	interp.Member[*Array]{Name: "tolist", Sig: "tolist()", Doc: "The values as a Starlark list (nested for a 2-D array). Use it for small arrays only.",
		Call: func(_ *starlark.Thread, fn string, a *Array, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := interp.Bind(fn, args, kw); err != nil {
				return nil, err
			}
			return a.toList(), nil
		}},
)

func (a *Array) arg(fn string, args starlark.Tuple, kw []starlark.Tuple, better func(x, y float64) bool) (starlark.Value, error) {
	if err := interp.Bind(fn, args, kw); err != nil {
		return nil, err
	}
	if a.is2D() {
		return nil, fmt.Errorf("%s: needs a 1-D array, got shape %s", fn, a.shapeString())
	}
	if len(a.data) == 0 {
		return nil, fmt.Errorf("%s: empty array", fn)
	}
	i, _ := argOf(a.data, better)
	return starlark.MakeInt(int(i)), nil
}

// toFloats converts a 1-D array or a sequence of numbers.
func toFloats(fn, name string, v starlark.Value) ([]float64, error) {
	if a, ok := v.(*Array); ok {
		if a.is2D() {
			return nil, fmt.Errorf("%s: %s: got a 2-D array of shape %s, want a 1-D sequence of numbers", fn, name, a.shapeString())
		}
		return a.data, nil
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: %s: got %s, want a sequence of numbers (list, tuple or array)", fn, name, v.Type())
	}
	var out []float64
	if l, ok := v.(starlark.Sequence); ok {
		out = make([]float64, 0, l.Len())
	}
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		f, ok := starlark.AsFloat(x)
		if !ok || x.Type() == "bool" {
			return nil, fmt.Errorf("%s: %s[%d]: got %s, want a number", fn, name, len(out), x.Type())
		}
		out = append(out, f)
	}
	return out, nil
}

// toMatrix converts a 2-D array or a sequence of equal-length numeric
// sequences into rows.
func toMatrix(fn, name string, v starlark.Value) ([][]float64, error) {
	if a, ok := v.(*Array); ok && a.is2D() {
		rows := make([][]float64, a.rows)
		for r := range rows {
			rows[r] = a.data[r*a.cols : (r+1)*a.cols]
		}
		return rows, nil
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: %s: got %s, want a list of vectors or a 2-D array", fn, name, v.Type())
	}
	iter := it.Iterate()
	defer iter.Done()
	var rows [][]float64
	var x starlark.Value
	for iter.Next(&x) {
		r, err := toFloats(fn, fmt.Sprintf("%s[%d]", name, len(rows)), x)
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 && len(r) != len(rows[0]) {
			return nil, fmt.Errorf("%s: %s[%d] has %d values, but %s[0] has %d: vectors must have equal lengths", fn, name, len(rows), len(r), name, len(rows[0]))
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func init() {
	interp.Decl("array", "arrays", "array(values)",
		"Returns an array of the given numbers: a list or tuple of numbers (1-D), or a list of "+
			"equal-length lists (2-D). An array of ints stays an integer array.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var v starlark.Value
			if err := interp.Bind(b.Name(), args, kw, &v); err != nil {
				return nil, err
			}
			if a, ok := v.(*Array); ok {
				return a, nil
			}
			allInts := func(x starlark.Value) bool {
				it, ok := x.(starlark.Iterable)
				if !ok {
					return false
				}
				iter := it.Iterate()
				defer iter.Done()
				var e starlark.Value
				for iter.Next(&e) {
					if _, ok := e.(starlark.Int); !ok {
						return false
					}
				}
				return true
			}
			// 2-D when the first element is itself a sequence.
			if seq, ok := v.(starlark.Indexable); ok && seq.Len() > 0 {
				if _, inner := seq.Index(0).(starlark.Iterable); inner {
					rows, err := toMatrix(b.Name(), "values", v)
					if err != nil {
						return nil, err
					}
					ints := true
					var flat []float64
					for i := 0; i < seq.Len(); i++ {
						ints = ints && allInts(seq.Index(i))
						flat = append(flat, rows[i]...)
					}
					m := newMatrix(flat, len(rows), len(rows[0]))
					m.ints = ints
					return m, nil
				}
			}
			xs, err := toFloats(b.Name(), "values", v)
			if err != nil {
				return nil, err
			}
			return &Array{data: append([]float64(nil), xs...), ints: allInts(v)}, nil
		})
}

// toInts converts a sequence of Starlark ints (list, tuple, range, int
// Array) to Go ints.
func toInts(fn, name string, v starlark.Value) ([]int, error) {
	if a, ok := v.(*Array); ok {
		if !a.ints || a.cols > 0 {
			return nil, fmt.Errorf("%s: %s: got a float array, want integers", fn, name)
		}
		out := make([]int, len(a.data))
		for i, x := range a.data {
			out[i] = int(x)
		}
		return out, nil
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: %s: got %s, want a sequence of integers", fn, name, v.Type())
	}
	iter := it.Iterate()
	defer iter.Done()
	var out []int
	var x starlark.Value
	for iter.Next(&x) {
		var i int
		if err := starlark.AsInt(x, &i); err != nil {
			return nil, fmt.Errorf("%s: %s[%d]: got %s, want an integer", fn, name, len(out), x.Type())
		}
		out = append(out, i)
	}
	return out, nil
}

// JSONNumbers gives a 1-D array to JSON as its numbers (flat).
func (a *Array) JSONNumbers() (vals []float64, ints, flat bool) {
	return a.data, a.ints, !a.is2D()
}

// JSONValue is the array as JSON writes it: a list of numbers (ints for an
// int array), or of rows for a matrix.
func (a *Array) JSONValue() starlark.Value {
	if a.is2D() {
		rows := make([]starlark.Value, a.rows)
		for i := range rows {
			rows[i] = a.Index(i)
		}
		return starlark.NewList(rows)
	}
	vals := make([]starlark.Value, len(a.data))
	for i, f := range a.data {
		if a.ints {
			vals[i] = starlark.MakeInt64(int64(f))
		} else {
			vals[i] = starlark.Float(f)
		}
	}
	return starlark.NewList(vals)
}
