package connectome

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadEverySharedFile(t *testing.T) {
	want := map[string]int{"paupau": 4, "tvb66": 66, "tvb68": 68, "tvb76": 76, "tvb80": 80, "tvb96": 96, "tvb192": 192, "tvb998": 998}
	for name, n := range want {
		t.Run(name, func(t *testing.T) {
			p := dataFile(t, name+".zip")
			c, err := Load(p, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if c.N() != n || len(c.Weights) != n*n {
				t.Fatalf("N = %d (%d weights), want %d", c.N(), len(c.Weights), n)
			}
			if c.Name != name || c.Source != p {
				t.Errorf("Name, Source = %q, %q; want %q, %q", c.Name, c.Source, name, p)
			}
			if c.TractLengths == nil || c.Centres == nil {
				t.Errorf("tract lengths or centres missing")
			}
			if c.Orientation != RowsAreSources {
				t.Errorf("orientation %v", c.Orientation)
			}
			if err := c.Validate(); err != nil {
				t.Error(err)
			}
			if len(c.Edges()) == 0 {
				t.Error("no edges")
			}
		})
	}
}

func TestTVB96Facts(t *testing.T) {
	c := shared(t, "tvb96")
	if c.N() != 96 {
		t.Fatalf("N = %d", c.N())
	}
	for _, w := range c.Weights {
		if w != 0 && w != 1 && w != 2 && w != 3 {
			t.Fatalf("weight %g not in {0,1,2,3}", w)
		}
	}
	es := c.Edges()
	if len(es) != 3860 {
		t.Errorf("%d edges, want 3860", len(es))
	}
	loops := 0
	for i := 0; i < 96; i++ {
		if c.Weight(i, i) > 0 {
			loops++
		}
	}
	if loops != 79 {
		t.Errorf("%d self-loops, want 79", loops)
	}
	asym := false
	for _, e := range es {
		if c.Weight(e.Dst, e.Src) != e.W {
			asym = true
		}
	}
	if !asym {
		t.Error("tvb96 should be asymmetric")
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, e := range es {
		l := c.TractLengths[e.Src*96+e.Dst]
		lo, hi = min(lo, l), max(hi, l)
	}
	if math.Round(lo*10)/10 != 6.3 || math.Round(hi*10)/10 != 150.1 {
		t.Errorf("tract lengths over edges %.4f–%.4f, want 6.3–150.1", lo, hi)
	}
	// Spot checks against the file (row 0 of weights.txt starts 3 3 0 2).
	if c.Labels[0] != "RM-TCpol_R" || c.Labels[95] != "BG-Acc_L" {
		t.Errorf("labels %q … %q", c.Labels[0], c.Labels[95])
	}
	if c.Weight(0, 0) != 3 || c.Weight(0, 1) != 3 || c.Weight(0, 2) != 0 || c.Weight(0, 3) != 2 {
		t.Errorf("row 0 starts %v", c.Weights[:4])
	}
	if c.Centres[0] != [3]float64{33.079347, -7.593124, -32.799272} {
		t.Errorf("centre 0 = %v", c.Centres[0])
	}
}

func TestTVB66FiveColumnCentres(t *testing.T) {
	// tvb66's centres.txt is "label x y z None": the fifth column is a
	// placeholder, ignored as TVB's own reader (use_cols=(1,2,3)) does.
	c := shared(t, "tvb66")
	if c.Labels[0] != "rBSTS" || c.Labels[1] != "rCAC" {
		t.Errorf("labels %q", c.Labels[:2])
	}
	if c.Centres[0] != [3]float64{85.82188210, 33.78090510, 43.47995310} {
		t.Errorf("centre 0 = %v", c.Centres[0])
	}
}

func TestTVB998(t *testing.T) {
	c, err := Load(dataFile(t, "tvb998.zip"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Edges()); n != 35730 {
		t.Errorf("%d edges, want 35730", n)
	}
	// A 19-digit value from the first row, read exactly.
	if got := c.Weight(0, 1); got != 6.2306765e-01 {
		t.Errorf("w[0,1] = %v", got)
	}
}

func TestOrientation(t *testing.T) {
	dir := t.TempDir()
	p := writeZip(t, dir, "tiny.zip", tinyMembers()...)
	src, err := Load(p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The file's row 0 is "0 1 2": read as sources, 0→1 has weight 1.
	if src.Weight(0, 1) != 1 || src.Weight(1, 0) != 0 || src.Weight(2, 0) != 0.5 {
		t.Errorf("source reading: %v", src.Weights)
	}
	dst, err := Load(p, LoadOptions{Rows: RowsAreTargets})
	if err != nil {
		t.Fatal(err)
	}
	if dst.Orientation != RowsAreTargets {
		t.Errorf("orientation %v", dst.Orientation)
	}
	if dst.Weight(1, 0) != 1 || dst.Weight(0, 1) != 0 || dst.Weight(0, 2) != 0.5 {
		t.Errorf("target reading: %v", dst.Weights)
	}
	tr := src.Transposed()
	if !sameFloats(tr.Weights, dst.Weights) || !sameFloats(tr.TractLengths, dst.TractLengths) || tr.Orientation != RowsAreTargets {
		t.Error("RowsAreTargets differs from Transposed()")
	}
	if _, err := Load(p, LoadOptions{Rows: Orientation(7)}); err == nil {
		t.Error("invalid orientation accepted")
	}
	// tvb96 read both ways.
	a := shared(t, "tvb96")
	b, err := Load(dataFile(t, "tvb96.zip"), LoadOptions{Rows: RowsAreTargets})
	if err != nil {
		t.Fatal(err)
	}
	if !sameFloats(a.Transposed().Weights, b.Weights) {
		t.Error("tvb96 target reading is not the transpose")
	}
}

func TestLoadFolderAndLayouts(t *testing.T) {
	dir := t.TempDir()
	check := func(t *testing.T, p string) {
		t.Helper()
		c, err := Load(p, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.N() != 3 || c.Labels[2] != "rBG-Cd" || c.Weight(1, 2) != 3 || c.TractLengths[2*3+1] != 30 || c.Centres[2] != [3]float64{0, 1, 0} {
			t.Errorf("%s: %+v", p, c)
		}
	}
	t.Run("folder", func(t *testing.T) {
		d := filepath.Join(dir, "tinyfolder")
		for _, m := range tinyMembers() {
			writeFile(t, filepath.Join(d, m.name), []byte(m.body))
		}
		check(t, d)
		c, _ := Load(d, LoadOptions{})
		if c.Name != "tinyfolder" {
			t.Errorf("name %q", c.Name)
		}
	})
	t.Run("folder with one subfolder", func(t *testing.T) {
		d := filepath.Join(dir, "outer")
		for _, m := range tinyMembers() {
			writeFile(t, filepath.Join(d, "connectivity_3", m.name), []byte(m.body))
		}
		check(t, d)
	})
	t.Run("zip subfolder", func(t *testing.T) {
		var ms []member
		for _, m := range tinyMembers() {
			ms = append(ms, member{"connectivity_3/" + m.name, m.body})
		}
		ms = append(ms, member{"__MACOSX/connectivity_3/._weights.txt", "junk"})
		check(t, writeZip(t, dir, "sub.zip", ms...))
	})
	t.Run("gzip members", func(t *testing.T) {
		var ms []member
		for _, m := range tinyMembers() {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write([]byte(m.body))
			zw.Close()
			ms = append(ms, member{m.name + ".gz", buf.String()})
		}
		check(t, writeZip(t, dir, "gz.zip", ms...))
	})
	t.Run("bz2 members (tvb68)", func(t *testing.T) {
		c := shared(t, "tvb68")
		if c.Labels[0] != "r_lateralorbitofrontal" || c.TractLengths == nil {
			t.Errorf("tvb68: %q", c.Labels[0])
		}
	})
	t.Run("tvb192 subfolder", func(t *testing.T) {
		c := shared(t, "tvb192")
		if c.Labels[0] != "lAD" {
			t.Errorf("tvb192 label 0 = %q", c.Labels[0])
		}
	})
	t.Run("centers spelling, CRLF, comments", func(t *testing.T) {
		p := writeZip(t, dir, "crlf.zip",
			member{"weights.txt", "# a comment\r\n0 1 2\r\n\r\n0 4 3\r\n0.5 0 0\r\n"},
			member{"centers.txt", tinyCentres})
		c, err := Load(p, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Labels[0] != "rV1" || c.Weight(2, 0) != 0.5 {
			t.Errorf("%+v", c)
		}
	})
}

func TestOptionalMembers(t *testing.T) {
	dir := t.TempDir()
	p := writeZip(t, dir, "bare.zip", member{"weights.txt", tinyWeights})
	c, err := Load(p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.TractLengths != nil || c.Centres != nil {
		t.Error("absent members should leave nil fields")
	}
	if strings.Join(c.Labels, " ") != "R0 R1 R2" {
		t.Errorf("default labels %q", c.Labels)
	}
	if _, ok := c.DistanceMM(0, 1); ok {
		t.Error("DistanceMM ok without tracts or centres")
	}
	if _, err := Load(p, LoadOptions{Labels: "x.json"}); err == nil || !strings.Contains(err.Error(), "go with .npy weights only") {
		t.Errorf("Labels option with a zip: %v", err)
	}
}

// TestRefusals checks that each kind of malformed input is refused with an
// error that says where: file, member and line.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	good := tinyMembers()
	with := func(name, body string) []member {
		var ms []member
		replaced := false
		for _, m := range good {
			if m.name == name {
				m.body = body
				replaced = true
			}
			ms = append(ms, m)
		}
		if !replaced {
			ms = append(ms, member{name, body})
		}
		return ms
	}
	without := func(name string) []member {
		var ms []member
		for _, m := range good {
			if m.name != name {
				ms = append(ms, m)
			}
		}
		return ms
	}
	cases := []struct {
		name  string
		ms    []member
		where string // expected "file:member:line" tail of the message
		msg   string
	}{
		{"non-square, too many rows", with("weights.txt", "0 1\n1 0\n1 1\n"), "weights.txt:3", "not square"},
		{"non-square, too few rows", with("weights.txt", "0 1 2\n1 0 2\n"), "weights.txt", "2 rows of 3"},
		{"ragged", with("weights.txt", "0 1 2\n1 0\n0 0 0\n"), "weights.txt:2", "ragged"},
		{"non-number", with("weights.txt", "0 1 2\n0 x 3\n0 0 0\n"), "weights.txt:2", `column 2: "x" is not a number`},
		{"comma", with("weights.txt", "0,1,2\n"), "weights.txt:1", "not a number"},
		{"NaN", with("weights.txt", "0 1 2\n0 0 3\nnan 0 0\n"), "weights.txt:3", "not a finite number"},
		{"Inf", with("weights.txt", "0 Inf 2\n0 0 3\n1 0 0\n"), "weights.txt:1", "not a finite number"},
		{"overflow", with("weights.txt", "0 1e999 2\n0 0 3\n1 0 0\n"), "weights.txt:1", "out of range"},
		{"negative weight", with("weights.txt", "0 1 2\n0 0 -3\n1 0 0\n"), "weights.txt:2", "negative weight"},
		{"negative tract", with("tract_lengths.txt", "0 1 2\n0 0 3\n-1 0 0\n"), "tract_lengths.txt:3", "negative tract length"},
		{"tract shape", with("tract_lengths.txt", "0 1\n1 0\n"), "tract_lengths.txt", "tract-length matrix is 2×2 but the weight matrix is 3×3"},
		{"tract ragged", with("tract_lengths.txt", "0 1 2\n0 0\n1 0 0\n"), "tract_lengths.txt:2", "ragged"},
		{"label count", with("centres.txt", "a 0 0 0\nb 0 0 0\n"), "centres.txt", "2 regions listed but the weight matrix is 3×3"},
		{"centres too few columns", with("centres.txt", "a 0 0 0\nb 0 0\nc 0 0 0\n"), "centres.txt:2", "want \"label x y z\""},
		{"centres column count changes", with("centres.txt", "a 0 0 0\nb 0 0 0 None\nc 0 0 0\n"), "centres.txt:2", "the first line (line 1) has 4"},
		{"centres bad coordinate", with("centres.txt", "a 0 0 0\nb 0 y 0\nc 0 0 0\n"), "centres.txt:2", `column 3: "y" is not a number`},
		{"centres NaN", with("centres.txt", "a 0 0 0\nb 0 0 NaN\nc 0 0 0\n"), "centres.txt:2", "not a finite number"},
		{"empty weights", with("weights.txt", ""), "weights.txt", "empty file"},
		{"blank weights", with("weights.txt", "\n  \n\t\n"), "weights.txt", "empty file"},
		{"empty centres", with("centres.txt", "\n"), "centres.txt", "empty file"},
		{"missing weights", without("weights.txt"), "bad.zip", "missing weights.txt"},
		{"two weights folders", append(with("weights.txt", tinyWeights), member{"other/weights.txt", tinyWeights}), "bad.zip", "several folders"},
		{"bad bzip2", []member{{"weights.txt.bz2", "not bzip2 data"}}, "weights.txt.bz2", "cannot read"},
		{"bad gzip", []member{{"weights.txt.gz", "not gzip data"}}, "weights.txt.gz", "bad gzip"},
		{"binary junk", with("weights.txt", "\x00\x01\x02\xff"), "weights.txt:1", "not a number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeZip(t, dir, "bad.zip", tc.ms...)
			_, err := Load(p, LoadOptions{})
			if err == nil {
				t.Fatal("accepted")
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error is %T, want *FormatError: %v", err, err)
			}
			s := err.Error()
			if !strings.HasPrefix(s, p) || !strings.Contains(s, tc.where+": ") || !strings.Contains(s, tc.msg) {
				t.Errorf("error %q\nwant prefix %q, location %q, text %q", s, p, tc.where, tc.msg)
			}
		})
	}

	zipped := zipBytes(t, good...)
	for name, b := range map[string][]byte{
		"truncated zip": zipped[:len(zipped)/2],
		"not a zip":     []byte("hello, world\n"),
		"empty file":    nil,
	} {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, filepath.Join(dir, "broken.zip"), b)
			_, err := Load(p, LoadOptions{})
			if err == nil || !strings.HasPrefix(err.Error(), p+": not a readable zip file") {
				t.Errorf("got %v", err)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(dir, "nope.zip"), LoadOptions{})
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("folder without weights", func(t *testing.T) {
		d := filepath.Join(dir, "empty")
		os.MkdirAll(d, 0o755)
		_, err := Load(d, LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), "missing weights.txt") {
			t.Errorf("got %v", err)
		}
	})
}

func TestFormatErrorText(t *testing.T) {
	e := &FormatError{File: "tvb96.zip", Member: "weights.txt", Line: 12, Msg: "ragged rows"}
	if got := e.Error(); got != "tvb96.zip:weights.txt:12: ragged rows" {
		t.Errorf("%q", got)
	}
	e = &FormatError{File: "w.npy", Msg: "bad"}
	if got := e.Error(); got != "w.npy: bad" {
		t.Errorf("%q", got)
	}
}

func TestFastFloatAgreesWithStrconv(t *testing.T) {
	for _, s := range []string{
		"0", "1", "-0", "+3", "2.0000000e+00", "1.4675861e+01", "0.000000000000000000e+00",
		"4.830560569890778311e-01", "7.716895480830742934e-03", "1e22", "1e23", "1e-22", "1e-23",
		"9007199254740993", "9007199254740992", "123456789012345678", ".5", "5.", "1E5", "0.1", "0.3",
		"85.82188210", "-7.593124", "1e", "e5", ".", "-", "", "1e+", "0x1p3", "1_0", "inf", "nan",
		"000000000000000000000000001", "1.00000000000000000000000001", "1e99999", "1e-99999",
	} {
		got, gerr := parseNumber([]byte(s))
		want, werr := strconvFinite(s)
		if werr == nil && !PlainDecimal(s) {
			werr = errors.New("not a plain decimal") // 0x1p3, 1_0: Go's forms only
		}
		if (gerr != nil) != (werr != nil) || (gerr == nil && math.Float64bits(got+0) != math.Float64bits(want+0)) {
			t.Errorf("%q: got %v (%v), want %v (%v)", s, got, gerr, want, werr)
		}
	}
}

func TestHugeFirstRow(t *testing.T) {
	// 200,000 columns on one line: refused without reserving 200,000² values.
	b := bytes.Repeat([]byte("0 "), 200000)
	if _, err := readMatrix(b, "weight"); err == nil || !strings.Contains(err.Error(), "1 rows of 200000") {
		t.Errorf("got %v", err)
	}
}
