package interp

import (
	"fmt"
	"math"
	"strings"

	"github.com/encephagen/encephagen/engine/suggest"

	"go.starlark.net/starlark"
)

// unknownKeyword reports a keyword fn does not declare, with the nearest
// declared name when one is close ("brain: unexpected keyword argument
// tau_m (did you mean tau_m_ms?)"), else the list of valid keywords.
func unknownKeyword(fn, k string, names []string) string {
	if s := Nearest(k, names); s != "" {
		return fmt.Sprintf("%s: unexpected keyword argument %s (did you mean %s?)", fn, k, s)
	}
	return fmt.Sprintf("%s: unexpected keyword argument %s (valid: %s)", fn, k, strings.Join(names, ", "))
}

// nearest returns the candidate closest to s by edit distance, if it is
// close enough to be a typo, or "".
func Nearest(s string, candidates []string) string {
	best, bestD := "", max(2, len(s)/3)+1
	for _, c := range candidates {
		d := suggest.Distance(strings.ToLower(s), strings.ToLower(c))
		// A prefix or suffix match ("tau_m" for "tau_m_ms") counts as close.
		if strings.HasPrefix(c, s) || strings.HasPrefix(s, c) {
			d = min(d, 2)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// number is an argument that accepts an int or a float.
type Number float64

func (n *Number) Unpack(v starlark.Value) error {
	switch x := v.(type) {
	case starlark.Int:
		f, _ := starlark.AsFloat(x)
		*n = Number(f)
	case starlark.Float:
		*n = Number(x)
	default:
		return fmt.Errorf("got %s, want a number", v.Type())
	}
	return nil
}

// optNumber is a number argument that may be absent or None.
type OptNumber struct {
	Set bool
	V   float64
}

func (n *OptNumber) Unpack(v starlark.Value) error {
	if v == starlark.None {
		*n = OptNumber{}
		return nil
	}
	var x Number
	if err := x.Unpack(v); err != nil {
		return fmt.Errorf("got %s, want a number or None", v.Type())
	}
	*n = OptNumber{true, float64(x)}
	return nil
}

// seed is a non-negative integer argument (a random seed).
type Seed uint64

func (s *Seed) Unpack(v starlark.Value) error {
	i, ok := v.(starlark.Int)
	if !ok {
		return fmt.Errorf("got %s, want a non-negative integer", v.Type())
	}
	u, ok := i.Uint64()
	if !ok {
		return fmt.Errorf("got %s, want a non-negative integer below 2^64", i)
	}
	*s = Seed(u)
	return nil
}

// rangeError reports an argument outside its allowed range:
// "run: ms must be > 0, got -5".
func RangeError(fn, name, want string, got any) error {
	if f, ok := got.(float64); ok {
		got = FormatFloat(f)
	}
	return fmt.Errorf("%s: %s must be %s, got %v", fn, name, want, got)
}

func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "+inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return starlark.Float(f).String()
}

func Finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// toStrings converts a string or a sequence of strings.
func toStrings(fn, name string, v starlark.Value) ([]string, error) {
	if s, ok := starlark.AsString(v); ok {
		return []string{s}, nil
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: %s: got %s, want a string or a list of strings", fn, name, v.Type())
	}
	iter := it.Iterate()
	defer iter.Done()
	var out []string
	var x starlark.Value
	for iter.Next(&x) {
		s, ok := starlark.AsString(x)
		if !ok {
			return nil, fmt.Errorf("%s: %s[%d]: got %s, want a string", fn, name, len(out), x.Type())
		}
		out = append(out, s)
	}
	return out, nil
}

func IntTuple(v []int) starlark.Tuple {
	t := make(starlark.Tuple, len(v))
	for i, x := range v {
		t[i] = starlark.MakeInt(x)
	}
	return t
}
