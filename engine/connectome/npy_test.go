package connectome

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadNpy(t *testing.T) {
	dir := t.TempDir()
	w := []float64{0, 1, 2, 0, 4, 3, 0.5, 0, 0} // the tiny connectome, row-major
	for _, tc := range []struct {
		descr   string
		fortran bool
		want    []float64
	}{
		{"<f8", false, w},
		{"<f8", true, w},
		{">f8", false, w},
		{"<f4", false, w},
		{"<f4", true, w},
		{"<i8", false, []float64{0, 1, 2, 0, 4, 3, 0, 0, 0}},
		{"<i4", true, []float64{0, 1, 2, 0, 4, 3, 0, 0, 0}},
		{">i4", false, []float64{0, 1, 2, 0, 4, 3, 0, 0, 0}},
	} {
		name := strings.NewReplacer("<", "le", ">", "be").Replace(tc.descr)
		if tc.fortran {
			name += "F"
		}
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, filepath.Join(dir, name+".npy"), npyBytes(tc.descr, tc.fortran, 3, 3, w))
			c, err := Load(p, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !sameFloats(c.Weights, tc.want) {
				t.Errorf("weights %v, want %v", c.Weights, tc.want)
			}
			if c.Name != name || strings.Join(c.Labels, ",") != "R0,R1,R2" || c.TractLengths != nil || c.Centres != nil {
				t.Errorf("%+v", c)
			}
		})
	}

	t.Run("with sidecars", func(t *testing.T) {
		wp := writeFile(t, filepath.Join(dir, "w.npy"), npyBytes("<f8", false, 3, 3, w))
		tp := writeFile(t, filepath.Join(dir, "t.npy"), npyBytes("<f8", true, 3, 3, []float64{0, 10, 20, 10, 0, 30, 20, 31, 0}))
		cp := writeFile(t, filepath.Join(dir, "c.npy"), npyBytes("<f4", false, 3, 3, []float64{0, 0, 0, 1, 0, 0, 0, 1, 0}))
		lp := writeFile(t, filepath.Join(dir, "l.json"), []byte(`["rV1", "rA1", "rBG-Cd"]`))
		opt := LoadOptions{Labels: lp, TractLengths: tp, Centres: cp}
		c, err := Load(wp, opt)
		if err != nil {
			t.Fatal(err)
		}
		if c.Labels[2] != "rBG-Cd" || c.TractLengths[2*3+1] != 31 || c.Centres[1] != [3]float64{1, 0, 0} {
			t.Errorf("%+v", c)
		}
		opt.Rows = RowsAreTargets
		d, err := Load(wp, opt)
		if err != nil {
			t.Fatal(err)
		}
		if d.Weight(1, 0) != 1 || d.TractLengths[1*3+2] != 31 {
			t.Errorf("target reading %v %v", d.Weights, d.TractLengths)
		}
	})

	bad := func(name string, b []byte) string { return writeFile(t, filepath.Join(dir, name), b) }
	wp := bad("good.npy", npyBytes("<f8", false, 3, 3, w))
	cases := []struct {
		name string
		path string
		opt  LoadOptions
		file string // the file the error must name
		msg  string
	}{
		{"not npy", bad("text.npy", []byte("0 1\n1 0\n")), LoadOptions{}, "text.npy", "not a .npy file"},
		{"non-square", bad("rect.npy", npyBytes("<f8", false, 2, 3, []float64{0, 1, 2, 3, 4, 5})), LoadOptions{}, "rect.npy", "square"},
		{"3-D", bad("3d.npy", npyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }", make([]byte, 8))), LoadOptions{}, "3d.npy", "2-D"},
		{"complex dtype", bad("c16.npy", npyBytes("<c16", false, 0, 0, nil)), LoadOptions{}, "c16.npy", "unsupported dtype"},
		{"object dtype", bad("obj.npy", npyBytes("|O", false, 0, 0, nil)), LoadOptions{}, "obj.npy", "unsupported dtype"},
		{"truncated", bad("trunc.npy", npyBytes("<f8", false, 3, 3, w)[:128+60]), LoadOptions{}, "trunc.npy", "needs"},
		{"NaN", bad("nan.npy", npyBytes("<f8", false, 1, 1, []float64{nan()})), LoadOptions{}, "nan.npy", "not a finite number"},
		{"negative", bad("neg.npy", npyBytes("<f8", false, 2, 2, []float64{0, -1, 1, 0})), LoadOptions{}, "neg.npy", "negative weight -1 at [0, 1]"},
		{"labels count", wp, LoadOptions{Labels: bad("two.json", []byte(`["a","b"]`))}, "two.json", "2 labels but the weight matrix"},
		{"labels not JSON", wp, LoadOptions{Labels: bad("bad.json", []byte("[\"a\",\n\"b\",\n oops]"))}, "bad.json:3", "JSON array of strings"},
		{"labels not strings", wp, LoadOptions{Labels: bad("num.json", []byte(`[1, 2, 3]`))}, "num.json:1", "JSON array of strings"},
		{"tract shape", wp, LoadOptions{TractLengths: bad("t2.npy", npyBytes("<f8", false, 2, 2, []float64{0, 1, 1, 0}))}, "t2.npy", "tract-length matrix has shape (2, 2)"},
		{"negative tract", wp, LoadOptions{TractLengths: bad("tneg.npy", npyBytes("<f8", false, 3, 3, []float64{0, 1, 1, 1, 0, 1, 1, -1, 0}))}, "tneg.npy", "negative tract length -1 at [2, 1]"},
		{"centres shape", wp, LoadOptions{Centres: bad("c2.npy", npyBytes("<f8", false, 3, 2, make([]float64, 6)))}, "c2.npy", "want (3, 3)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.path, tc.opt)
			if err == nil {
				t.Fatal("accepted")
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %T: %v", err, err)
			}
			s := err.Error()
			if !strings.Contains(s, tc.file+": ") || !strings.Contains(s, tc.msg) {
				t.Errorf("error %q, want it to name %q and say %q", s, tc.file, tc.msg)
			}
		})
	}
}

// npyRaw builds a version 1.0 .npy file from a header and data.
func npyRaw(header string, data []byte) []byte {
	h := header + "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = append(b, byte(len(h)), byte(len(h)>>8))
	b = append(b, h...)
	return append(b, data...)
}

func nan() float64 {
	var z float64
	return z / z
}
