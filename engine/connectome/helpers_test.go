package connectome

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dataFile finds one of the shared connectome zips through ENCEPHAGEN_DATA.
// The data is required: a missing one fails rather than skips, so a
// misconfigured CI cannot pass by testing nothing.
func dataFile(t testing.TB, file string) string {
	t.Helper()
	env := os.Getenv("ENCEPHAGEN_DATA")
	if env == "" {
		t.Fatalf("ENCEPHAGEN_DATA is not set: set it to the folder holding the connectome zips (../shared/connectomes from the repository root)")
	}
	for _, d := range filepath.SplitList(env) {
		dirs := []string{d}
		if !filepath.IsAbs(d) {
			// A relative path is meant from the repository root, but
			// tests run in the package folder.
			dirs = append(dirs, filepath.Join("..", "..", d))
		}
		for _, d := range dirs {
			p := filepath.Join(d, file)
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	t.Fatalf("%s not found in ENCEPHAGEN_DATA=%s: set ENCEPHAGEN_DATA to the folder holding the connectome zips", file, env)
	return ""
}

var loaded = map[string]*Connectome{}

// shared loads a shared connectome once per test binary (read-only use).
func shared(t testing.TB, name string) *Connectome {
	t.Helper()
	if c, ok := loaded[name]; ok {
		return c
	}
	c, err := Load(dataFile(t, name+".zip"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loaded[name] = c
	return c
}

// member is one file of a synthetic zip or folder.
type member struct{ name, body string }

func zipBytes(t testing.TB, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range ms {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(m.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, p string, b []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeZip(t testing.TB, dir, name string, ms ...member) string {
	return writeFile(t, filepath.Join(dir, name), zipBytes(t, ms...))
}

// A 3-region TVB connectivity: 0→1 (1), 0→2 (2), 1→2 (3), 2→0 (0.5), and a
// self-loop on 1.
const (
	tinyWeights = "0 1 2\n0 4 3\n0.5 0 0\n"
	tinyTracts  = "0 10 20\n10 0 30\n20 30 0\n"
	tinyCentres = "rV1 0 0 0\nrA1 1 0 0\nrBG-Cd 0 1 0\n"
)

func tinyMembers() []member {
	return []member{{"weights.txt", tinyWeights}, {"tract_lengths.txt", tinyTracts}, {"centres.txt", tinyCentres}}
}

// npyBytes encodes a 2-D array in .npy format (version 1.0).
func npyBytes(descr string, fortran bool, rows, cols int, vals []float64) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%d, %d), }", descr, order, rows, cols)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&buf, binary.LittleEndian, uint16(len(h)))
	buf.WriteString(h)
	var bo binary.ByteOrder = binary.LittleEndian
	if strings.HasPrefix(descr, ">") {
		bo = binary.BigEndian
	}
	at := func(k int) float64 {
		if fortran {
			r, c := k%rows, k/rows
			return vals[r*cols+c]
		}
		return vals[k]
	}
	for k := 0; k < rows*cols; k++ {
		v := at(k)
		switch descr[1:] {
		case "f8":
			binary.Write(&buf, bo, math.Float64bits(v))
		case "f4":
			binary.Write(&buf, bo, math.Float32bits(float32(v)))
		case "i8":
			binary.Write(&buf, bo, int64(v))
		case "i4":
			binary.Write(&buf, bo, int32(v))
		}
	}
	return buf.Bytes()
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
