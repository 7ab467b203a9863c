package connectome

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strconv"
	"testing"
)

func strconvFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not finite")
	}
	return v, nil
}

// FuzzReadMatrix: the text matrix reader never panics, accepts only square
// matrices of finite non-negative numbers, reports a line inside the input,
// and reads every number exactly as strconv does.
func FuzzReadMatrix(f *testing.F) {
	for _, s := range []string{
		tinyWeights, tinyTracts, "", "\n", "0\n", "1 2\n3 4", "1 2\n3\n", "0 -1\n1 0\n",
		"   2.0000000e+00   3.0000000e+00\n   2.0000000e+00   2.0000000e+00\n",
		"4.830560569890778311e-01 0\n0 7.716895480830742934e-03\n", "nan", "1e999", "# c\n\r\n5\r\n",
		"0 1 2\n0 x 3\n0 0 0\n", "\x00\xff", "1e-400", "0x1p3", "-0", "1_0 0\n0 0\n", "0 0x1p4\n0 0\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readMatrix(b, "weight")
		lines := bytes.Count(b, []byte{'\n'}) + 1
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T: %v", err, err)
			}
			if fe.Line < 0 || fe.Line > lines {
				t.Fatalf("line %d outside 1..%d: %v", fe.Line, lines, err)
			}
			return
		}
		if m.n < 1 || len(m.vals) != m.n*m.n {
			t.Fatalf("n=%d with %d values", m.n, len(m.vals))
		}
		for _, v := range m.vals {
			if !(v >= 0) || math.IsInf(v, 0) || math.Signbit(v) {
				t.Fatalf("value %v accepted", v)
			}
		}
		// Re-parse each token with strconv: same numbers, same order.
		var want []float64
		t2 := textLines{b: b}
		var fs [][]byte
		for {
			var ok bool
			if fs, ok = t2.nextRecord(fs); !ok {
				break
			}
			for _, tok := range fs {
				v, err := strconvFinite(string(tok))
				if err != nil {
					t.Fatalf("token %q accepted but strconv says %v", tok, err)
				}
				if !PlainDecimal(string(tok)) {
					t.Fatalf("token %q accepted: not a plain decimal", tok)
				}
				want = append(want, v+0)
			}
		}
		if !sameFloats(m.vals, want) {
			t.Fatalf("values %v, strconv reads %v", m.vals, want)
		}
	})
}

// FuzzLoadZip: the zip reader never panics and returns either a valid
// connectome or a *FormatError naming the file.
func FuzzLoadZip(f *testing.F) {
	f.Add(zipBytes(f, tinyMembers()...))
	f.Add(zipBytes(f, member{"weights.txt", tinyWeights}))
	f.Add(zipBytes(f, member{"c/weights.txt", "1"}, member{"c/centres.txt", "a 1 2 3 None\n"}))
	f.Add(zipBytes(f, member{"weights.txt", "0 1\n1 0\n"}, member{"centres.txt", "a 1 2 3\n"}))
	f.Add(zipBytes(f, member{"weights.txt.gz", "\x1f\x8b"}))
	f.Add(zipBytes(f, member{"weights.txt.bz2", "BZh9"}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := loadZip(context.Background(), bytes.NewReader(b), int64(len(b)), "fuzz.zip")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != "fuzz.zip" {
				t.Fatalf("error %T does not name the file: %v", err, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid connectome: %v", err)
		}
	})
}

// FuzzParseNpy: the .npy decoder never panics and accepts only 2-D arrays
// of finite values whose size matches the data.
func FuzzParseNpy(f *testing.F) {
	f.Add(npyBytes("<f8", false, 2, 2, []float64{0, 1, 2, 3}))
	f.Add(npyBytes("<f4", true, 2, 3, []float64{0, 1, 2, 3, 4, 5}))
	f.Add(npyBytes(">i8", false, 1, 1, []float64{7}))
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'descr': '<f8',"))
	f.Add([]byte("\x93NUMPY\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseNpy(b)
		if err != nil {
			return
		}
		if a.rows < 0 || a.cols < 0 || len(a.vals) != a.rows*a.cols {
			t.Fatalf("shape %s with %d values", a.shape(), len(a.vals))
		}
		for _, v := range a.vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite %v accepted", v)
			}
		}
	})
}
