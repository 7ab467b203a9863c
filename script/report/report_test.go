package report

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/engine/stats"
)

func TestCompareKnownValues(t *testing.T) {
	data := map[string]Values{
		"up":   {"connectome": {1, 2, 3, 4, 5}, "random": {6, 7, 8, 9, 10}},
		"flat": {"connectome": {1, 2, 3, 4, 5}, "random": {1, 2, 3, 4, 5}},
	}
	rows, err := Compare([]string{"up", "flat"}, data, []Pair{{"connectome", "random"}}, stats.Auto)
	if err != nil {
		t.Fatal(err)
	}
	up, flat := rows[0], rows[1]
	// Exact two-sided p for complete separation of 5 vs 5: 2/C(10,5) = 2/252.
	if math.Abs(up.P-2.0/252) > 1e-12 || up.Method != "exact" {
		t.Errorf("p = %v (%s), want 2/252 exact", up.P, up.Method)
	}
	// d = (3 − 8)/sqrt(2): population variance of 1..5 is 2.
	if math.Abs(up.D+5/math.Sqrt2) > 1e-12 {
		t.Errorf("d = %v, want %v", up.D, -5/math.Sqrt2)
	}
	if up.Winner != "random" || !up.Significant {
		t.Errorf("winner %q significant %v", up.Winner, up.Significant)
	}
	// BH over two p-values {2/252, p_flat}: the smaller is multiplied by 2.
	if math.Abs(up.PAdj-2*up.P) > 1e-12 {
		t.Errorf("FDR p = %v, want %v", up.PAdj, 2*up.P)
	}
	if flat.Winner != "" || flat.Significant || flat.P != 1 {
		t.Errorf("identical samples: winner %q p %v", flat.Winner, flat.P)
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, rows); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"random *", "tie", "-3.5355", "0.0079"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestCompareRefusesEmpty(t *testing.T) {
	data := map[string]Values{"m": {"a": {1}, "b": nil}}
	if _, err := Compare([]string{"m"}, data, []Pair{{"a", "b"}}, stats.Auto); err == nil || !strings.Contains(err.Error(), `0 for "b"`) {
		t.Fatalf("got %v", err)
	}
	if _, err := Compare([]string{"x"}, data, []Pair{{"a", "b"}}, stats.Auto); err == nil {
		t.Fatal("unknown metric accepted")
	}
}

func TestRowJSONInfinity(t *testing.T) {
	r := Row{Metric: "m", D: math.Inf(1), P: 0.5}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"cohens_d":"inf"`) {
		t.Fatalf("json %s", b)
	}
	var back Row
	if err := json.Unmarshal(b, &back); err != nil || !math.IsInf(back.D, 1) || back.P != 0.5 {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestPlotsArePNG(t *testing.T) {
	dir := t.TempDir()
	data := map[string]Values{
		"cv":   {"connectome": {0.5, 0.6, 0.55}, "random": {0.4, 0.45, 0.42}},
		"disc": {"connectome": {0.8, 0.9, 0.7}, "random": {0.6, 0.7, 0.65}},
	}
	rows, err := Compare([]string{"cv", "disc"}, data, []Pair{{"connectome", "random"}}, stats.Auto)
	if err != nil {
		t.Fatal(err)
	}
	conds := []string{"connectome", "random"}
	check := func(name string, draw func(w io.Writer) error) {
		t.Helper()
		var b bytes.Buffer
		if err := draw(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b.Bytes(), []byte("\x89PNG")) || b.Len() < 2000 {
			t.Fatalf("%s is not a PNG (%d bytes)", name, b.Len())
		}
		os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644)
	}
	check("metrics.png", func(w io.Writer) error { return MetricsPNG(w, []string{"cv", "disc"}, data, conds, rows) })
	curves := map[string][][]float64{"connectome": {{0, 1, 2}, {0, 2, 3}}, "random": {{0, 0.5, 1}}}
	check("curves.png", func(w io.Writer) error {
		return CurvesPNG(w, "conditioning", "test", "response", []float64{0, 1, 2}, curves, conds)
	})
	check("heat.png", func(w io.Writer) error {
		return HeatMapPNG(w, "rates", "region", "brain", [][]float64{{1, 2, 3}, {4, 5, 6}})
	})
	if err := CurvesPNG(io.Discard, "c", "x", "y", []float64{0, 1}, curves, conds); err == nil {
		t.Fatal("curve length mismatch accepted")
	}
	if os.Getenv("REPORT_PLOTS_KEEP") != "" {
		for _, n := range []string{"metrics.png", "curves.png", "heat.png"} {
			b, _ := os.ReadFile(filepath.Join(dir, n))
			os.WriteFile(filepath.Join(os.Getenv("REPORT_PLOTS_KEEP"), n), b, 0o644)
		}
	}
}
