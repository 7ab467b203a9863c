package connectome

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// npyArray is a 2-D array read from a .npy file, row-major (a
// fortran_order file is transposed on read).
type npyArray struct {
	rows, cols int
	vals       []float64
}

func (a *npyArray) shape() string { return fmt.Sprintf("(%d, %d)", a.rows, a.cols) }

func (a *npyArray) square(file, what string) (int, error) {
	if a.rows != a.cols || a.rows == 0 {
		return 0, &FormatError{File: file, Msg: fmt.Sprintf("%s must be a non-empty square matrix, shape is %s", what, a.shape())}
	}
	return a.rows, nil
}

func (a *npyArray) nonNegative(file, what string) error {
	for k, v := range a.vals {
		if v < 0 {
			return &FormatError{File: file, Msg: fmt.Sprintf("negative %s %g at [%d, %d]", what, v, k/a.cols, k%a.cols)}
		}
	}
	return nil
}

// maxNpyBytes bounds a .npy file: a MaxRegions×MaxRegions float64
// matrix and a generous header.
const maxNpyBytes = MaxRegions*MaxRegions*8 + 1<<20

func readNpyFile(ctx context.Context, p string) (*npyArray, error) {
	b, err := readRegular(ctx, p, maxNpyBytes)
	if err != nil {
		return nil, err
	}
	a, err := parseNpy(b)
	if err != nil {
		return nil, &FormatError{File: p, Msg: err.Error()}
	}
	return a, nil
}

// parseNpy decodes the NumPy format (versions 1–3): 2-D arrays of float,
// signed or unsigned integer or bool, either byte order, C or Fortran
// order. Values must be finite.
func parseNpy(b []byte) (*npyArray, error) {
	const magic = "\x93NUMPY"
	if len(b) < len(magic)+2 || string(b[:len(magic)]) != magic {
		return nil, fmt.Errorf("not a .npy file (no \\x93NUMPY magic)")
	}
	major := b[6]
	var hlen, off int
	switch major {
	case 1:
		if len(b) < 10 {
			return nil, fmt.Errorf("truncated .npy header")
		}
		hlen, off = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf("truncated .npy header")
		}
		h := binary.LittleEndian.Uint32(b[8:12])
		if uint64(h) > uint64(len(b)) {
			return nil, fmt.Errorf("truncated .npy header")
		}
		hlen, off = int(h), 12
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d.%d", major, b[7])
	}
	if off+hlen > len(b) {
		return nil, fmt.Errorf("truncated .npy header")
	}
	h, err := parseNpyHeader(string(b[off : off+hlen]))
	if err != nil {
		return nil, fmt.Errorf(".npy header: %v", err)
	}
	data := b[off+hlen:]

	if len(h.shape) != 2 {
		return nil, fmt.Errorf("want a 2-D array, shape is %s", shapeString(h.shape))
	}
	rows, cols := h.shape[0], h.shape[1]
	d := h.descr
	if len(d) < 3 {
		return nil, fmt.Errorf("unsupported dtype %q (want <f8, <f4, <i8, <i4 or similar)", d)
	}
	var order binary.ByteOrder
	switch d[0] {
	case '<':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	case '|', '=':
		order = binary.LittleEndian // single bytes, or native (all our targets are little-endian)
	default:
		return nil, fmt.Errorf("unsupported dtype %q", d)
	}
	kind := d[1]
	size, err := strconv.Atoi(d[2:])
	if err != nil || !validDtype(kind, size) {
		return nil, fmt.Errorf("unsupported dtype %q (want float64 <f8, float32 <f4, int64 <i8, int32 <i4, …)", d)
	}
	if rows > 0 && cols > len(data)/size/rows+1 {
		return nil, fmt.Errorf("data truncated: shape %s of %s needs more than the %d bytes present", shapeString(h.shape), d, len(data))
	}
	count := rows * cols
	if len(data) != count*size {
		return nil, fmt.Errorf("data is %d bytes, shape %s of %s needs %d", len(data), shapeString(h.shape), d, count*size)
	}
	vals := make([]float64, count)
	for k := range vals {
		e := data[k*size : (k+1)*size]
		var v float64
		switch {
		case kind == 'f' && size == 8:
			v = math.Float64frombits(order.Uint64(e))
		case kind == 'f' && size == 4:
			v = float64(math.Float32frombits(order.Uint32(e)))
		case kind == 'i' && size == 8:
			v = float64(int64(order.Uint64(e)))
		case kind == 'i' && size == 4:
			v = float64(int32(order.Uint32(e)))
		case kind == 'i' && size == 2:
			v = float64(int16(order.Uint16(e)))
		case kind == 'i' && size == 1:
			v = float64(int8(e[0]))
		case kind == 'u' && size == 8:
			v = float64(order.Uint64(e))
		case kind == 'u' && size == 4:
			v = float64(order.Uint32(e))
		case kind == 'u' && size == 2:
			v = float64(order.Uint16(e))
		case (kind == 'u' || kind == 'b') && size == 1:
			v = float64(e[0])
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			r, c := k/cols, k%cols
			if h.fortran {
				r, c = k%rows, k/rows
			}
			return nil, fmt.Errorf("value at [%d, %d] is %g, not a finite number", r, c, v)
		}
		vals[k] = v + 0
	}
	if h.fortran {
		t := make([]float64, count)
		for c := 0; c < cols; c++ {
			for r := 0; r < rows; r++ {
				t[r*cols+c] = vals[c*rows+r]
			}
		}
		vals = t
	}
	return &npyArray{rows: rows, cols: cols, vals: vals}, nil
}

func validDtype(kind byte, size int) bool {
	switch kind {
	case 'f':
		return size == 4 || size == 8
	case 'i', 'u':
		return size == 1 || size == 2 || size == 4 || size == 8
	case 'b':
		return size == 1
	}
	return false
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(v)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNpyHeader reads the Python dict literal of a .npy header, e.g.
// {'descr': '<f8', 'fortran_order': False, 'shape': (96, 96), }.
func parseNpyHeader(s string) (*npyHeader, error) {
	p := &pyLit{s: s}
	h := &npyHeader{}
	var haveDescr, haveOrder, haveShape bool
	if !p.eat('{') {
		return nil, fmt.Errorf("want a dict, got %q", trim(s))
	}
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if !p.eat(':') {
			return nil, fmt.Errorf("want ':' after %q", key)
		}
		switch key {
		case "descr":
			if h.descr, err = p.str(); err != nil {
				return nil, fmt.Errorf("descr: %v (structured dtypes are not supported)", err)
			}
			haveDescr = true
		case "fortran_order":
			if h.fortran, err = p.boolean(); err != nil {
				return nil, err
			}
			haveOrder = true
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return nil, err
			}
			haveShape = true
		default:
			return nil, fmt.Errorf("unexpected key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return nil, fmt.Errorf("want ',' or '}' at %q", trim(p.s[p.i:]))
			}
			break
		}
	}
	if !haveDescr || !haveOrder || !haveShape {
		return nil, fmt.Errorf("want keys descr, fortran_order and shape, got %q", trim(s))
	}
	return h, nil
}

func trim(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// pyLit is a tiny scanner for the literals a .npy header may hold.
type pyLit struct {
	s string
	i int
}

func (p *pyLit) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyLit) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyLit) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", fmt.Errorf("want a quoted string at %q", trim(p.s[p.i:]))
	}
	q := p.s[p.i]
	j := strings.IndexByte(p.s[p.i+1:], q)
	if j < 0 {
		return "", fmt.Errorf("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+j]
	p.i += j + 2
	return v, nil
}

func (p *pyLit) boolean() (bool, error) {
	p.skip()
	switch {
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	}
	return false, fmt.Errorf("fortran_order: want True or False at %q", trim(p.s[p.i:]))
}

func (p *pyLit) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("shape: want a tuple at %q", trim(p.s[p.i:]))
	}
	var dims []int
	for {
		if p.eat(')') {
			return dims, nil
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i || j-p.i > 9 {
			return nil, fmt.Errorf("shape: want a dimension at %q", trim(p.s[p.i:]))
		}
		v, _ := strconv.Atoi(p.s[p.i:j])
		p.i = j
		dims = append(dims, v)
		if len(dims) > 32 {
			return nil, fmt.Errorf("shape: too many dimensions")
		}
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, fmt.Errorf("shape: want ',' or ')' at %q", trim(p.s[p.i:]))
			}
			return dims, nil
		}
	}
}
