package connectome

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatError is a refusal to read malformed data. It names the file, the
// member inside a zip or TVB folder when there is one, and the 1-based line
// when the fault is on one line, so that a user can open the file and look.
type FormatError struct {
	File   string // path given to Load (or the sidecar file at fault)
	Member string // member of a zip or folder, "" for a plain file
	Line   int    // 1-based; 0 when the fault is not on one line
	Msg    string
}

func (e *FormatError) Error() string {
	s := e.File
	if e.Member != "" {
		if s != "" {
			s += ":"
		}
		s += e.Member
	}
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if s == "" {
		return e.Msg
	}
	return s + ": " + e.Msg
}

// locate fills in where an error from a reader that knows only lines happened.
func locate(err error, file, member string) error {
	if fe, ok := err.(*FormatError); ok {
		if fe.File == "" {
			fe.File = file
		}
		if fe.Member == "" {
			fe.Member = member
		}
		return fe
	}
	return err
}

func lineErr(line int, format string, args ...any) *FormatError {
	return &FormatError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// textLines iterates over the lines of b, numbering them from 1 and dropping
// a trailing '\r'.
type textLines struct {
	b    []byte
	line int
}

func (t *textLines) next() ([]byte, bool) {
	if len(t.b) == 0 {
		return nil, false
	}
	t.line++
	end := len(t.b)
	rest := len(t.b)
	for i, c := range t.b {
		if c == '\n' {
			end, rest = i, i+1
			break
		}
	}
	l := t.b[:end]
	t.b = t.b[rest:]
	if len(l) > 0 && l[len(l)-1] == '\r' {
		l = l[:len(l)-1]
	}
	return l, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

// fields splits a line on whitespace into dst (reused between lines).
func fields(dst [][]byte, l []byte) [][]byte {
	dst = dst[:0]
	i := 0
	for i < len(l) {
		for i < len(l) && isSpace(l[i]) {
			i++
		}
		j := i
		for j < len(l) && !isSpace(l[j]) {
			j++
		}
		if j > i {
			dst = append(dst, l[i:j])
		}
		i = j
	}
	return dst
}

// skipLine reports blank lines and '#' comments, which numpy.loadtxt (and so
// TVB) skips too.
func skipLine(f [][]byte) bool {
	return len(f) == 0 || f[0][0] == '#'
}

// nextRecord returns the fields (in dst, reused) of the next line that is
// neither blank nor a comment; t.line is its number.
func (t *textLines) nextRecord(dst [][]byte) ([][]byte, bool) {
	for {
		l, ok := t.next()
		if !ok {
			return dst[:0], false
		}
		if dst = fields(dst, l); !skipLine(dst) {
			return dst, true
		}
	}
}

// matrix is a square matrix read from text, row-major as in the file.
type matrix struct {
	n    int
	vals []float64
}

// readMatrix parses a whitespace-separated square matrix of finite,
// non-negative numbers (what names them in messages: "weight", "tract
// length"). Errors are *FormatError with the line set; the caller adds the
// file and member.
func readMatrix(b []byte, what string) (*matrix, error) {
	t := textLines{b: b}
	var f [][]byte
	var vals []float64
	cols, rows := -1, 0
	firstLine := 0
	for {
		var ok bool
		if f, ok = t.nextRecord(f); !ok {
			break
		}
		if cols < 0 {
			cols = len(f)
			firstLine = t.line
			// Each value takes at least two bytes, so a long first line
			// cannot make us reserve more than the input could fill.
			vals = make([]float64, 0, min(cols*cols, len(b)/2+1))
		} else if len(f) != cols {
			return nil, lineErr(t.line, "ragged rows: this row has %d values, the first row (line %d) has %d", len(f), firstLine, cols)
		}
		if rows >= cols {
			return nil, lineErr(t.line, "matrix is not square: more than %d rows of %d values", cols, cols)
		}
		for j, tok := range f {
			v, err := parseNumber(tok)
			if err != nil {
				return nil, lineErr(t.line, "column %d: %v", j+1, err)
			}
			if v < 0 {
				return nil, lineErr(t.line, "column %d: negative %s %s", j+1, what, quoteToken(tok))
			}
			vals = append(vals, v+0) // +0 turns -0 into 0
		}
		rows++
	}
	if cols < 0 {
		return nil, &FormatError{Msg: "empty file: no matrix rows"}
	}
	if rows != cols {
		return nil, &FormatError{Msg: fmt.Sprintf("matrix is not square: %d rows of %d values", rows, cols)}
	}
	return &matrix{n: cols, vals: vals}, nil
}

// parseNumber parses one finite decimal number. It is the hot loop of
// loading tvb998 (two 16 MB matrices), so the common short forms take a
// fast exact path; anything else goes to strconv.
func parseNumber(b []byte) (float64, error) {
	if v, ok := fastFloat(b); ok {
		return v, nil
	}
	if !PlainDecimal(string(b)) {
		switch strings.ToLower(strings.TrimLeft(string(b), "+-")) {
		case "nan", "inf", "infinity":
			return 0, fmt.Errorf("%s is not a finite number", quoteToken(b))
		}
		return 0, fmt.Errorf("%s is not a number (write decimals such as 0.25, 3, -1.5e-3)", quoteToken(b))
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%s is out of range", quoteToken(b))
		}
		return 0, fmt.Errorf("%s is not a number", quoteToken(b))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s is not a finite number", quoteToken(b))
	}
	return v, nil
}

// PlainDecimal reports whether s is a number as a scientist writes it:
// an optional sign, digits with an optional decimal point (or a point and
// digits), and an optional exponent (e or E, an optional sign, digits).
// Go's other forms (1_000, 0x1p4, inf, nan) are not.
func PlainDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ed := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			ed++
		}
		if ed == 0 {
			return false
		}
	}
	return i == len(s)
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat is Clinger's fast path: when the decimal mantissa fits in 53
// bits and the power of ten is at most 22, one IEEE multiply or divide of
// two exact values is correctly rounded, so the result equals strconv's.
// ok is false when the fast path does not apply (then use strconv).
func fastFloat(b []byte) (float64, bool) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	nd := 0 // significant digits taken into mant
	exp := 0
	digits := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		digits++
		if mant == 0 && b[i] == '0' {
			continue
		}
		if nd >= 19 {
			return 0, false
		}
		mant = mant*10 + uint64(b[i]-'0')
		nd++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			digits++
			exp--
			if mant == 0 && b[i] == '0' {
				continue
			}
			if nd >= 19 {
				return 0, false
			}
			mant = mant*10 + uint64(b[i]-'0')
			nd++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		e, ed := 0, 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if ed >= 4 {
				return 0, false
			}
			e = e*10 + int(b[i]-'0')
			ed++
		}
		if ed == 0 {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) {
		return 0, false
	}
	var v float64
	switch {
	case mant == 0:
		v = 0
	case mant > 1<<53:
		return 0, false
	case exp == 0:
		v = float64(mant)
	case exp > 0 && exp <= 22:
		v = float64(mant) * pow10[exp]
	case exp < 0 && exp >= -22:
		v = float64(mant) / pow10[-exp]
	default:
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// quoteToken quotes a token for a message, shortened so that a binary file
// read as text does not flood the terminal.
func quoteToken(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}
