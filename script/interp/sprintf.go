package interp

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// sprintf formats like C's printf with widths and precisions, which
// Starlark's % operator lacks ("%.3f").
func sprintf(fn string, format string, args starlark.Tuple) (string, error) {
	var b strings.Builder
	ai := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			return "", fmt.Errorf("%s: format ends inside a conversion: %q", fn, format[i:])
		}
		spec, verb := format[i+1:j], format[j]
		i = j
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if ai >= len(args) {
			return "", fmt.Errorf("%s: format has more conversions than the %d arguments given", fn, len(args))
		}
		a := args[ai]
		ai++
		var x any
		switch verb {
		case 'd', 'x', 'X', 'o', 'b':
			var n int64
			if err := starlark.AsInt(a, &n); err != nil {
				return "", fmt.Errorf("%s: argument %d for %%%c: got %s, want int", fn, ai, verb, a.Type())
			}
			x = n
		case 'f', 'F', 'e', 'E', 'g', 'G':
			f, ok := starlark.AsFloat(a)
			if !ok || a.Type() == "bool" {
				return "", fmt.Errorf("%s: argument %d for %%%c: got %s, want a number", fn, ai, verb, a.Type())
			}
			x = f
		case 's':
			if s, ok := starlark.AsString(a); ok {
				x = s
			} else {
				x = a.String()
			}
		case 'r':
			verb, x = 's', a.String()
		default:
			return "", fmt.Errorf("%s: unsupported conversion %%%c (use d, x, o, b, f, e, g, s or r)", fn, verb)
		}
		fmt.Fprintf(&b, "%"+spec+string(verb), x)
	}
	if ai < len(args) {
		return "", fmt.Errorf("%s: %d arguments given but the format uses %d", fn, len(args), ai)
	}
	return b.String(), nil
}

func init() {
	Decl("sprintf", "script", "sprintf(format, /, *args)",
		`Formats like printf, with the widths and precisions Starlark's % lacks:
sprintf("%-12s %8.3f %5d", "visual", 12.345678, 7). Conversions: d x o b (ints), f e g (numbers),
s (strings, or any value's str), r (repr), and %%.`,
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var format string
			var rest starlark.Tuple
			if err := Bind(b.Name(), args, kw, &format, &rest); err != nil {
				return nil, err
			}
			s, err := sprintf(b.Name(), format, rest)
			if err != nil {
				return nil, err
			}
			return starlark.String(s), nil
		})
}
