package rng

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"
)

// golden is testdata/numpy_golden.json, written by NumPy 1.24 itself
// (testdata/numpy_golden.py).
type golden struct {
	NumPy string `json:"numpy"`
	Seeds []struct {
		Seed  string   `json:"seed"`
		State string   `json:"state"`
		Inc   string   `json:"inc"`
		Raw   []string `json:"raw"`
	} `json:"seeds"`
	Random42   []string  `json:"random42"`
	Patterns42 [][]int64 `json:"patterns42"`
	Mixed7     []struct {
		N     int64   `json:"n"`
		K     int     `json:"k"`
		Idx   []int64 `json:"idx"`
		After string  `json:"after"`
	} `json:"mixed7"`
	Advance42 struct {
		Steps uint64 `json:"steps"`
		State string `json:"state"`
		Inc   string `json:"inc"`
	} `json:"advance42"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/numpy_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func hex128(w [2]uint64) string { return fmt.Sprintf("%016x%016x", w[0], w[1]) }

// parseHexFloat reads Python's float.hex() form.
func parseHexFloat(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("golden float %q: %v", s, err)
	}
	return x
}

func TestNumPySeedingAndRawDraws(t *testing.T) {
	g := loadGolden(t)
	if len(g.Seeds) == 0 {
		t.Fatal("no seeds in the golden file")
	}
	for _, s := range g.Seeds {
		seed, err := strconv.ParseUint(s.Seed, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		r := NewNumPy(seed)
		state, inc := r.State()
		if hex128(state) != s.State || hex128(inc) != s.Inc {
			t.Errorf("default_rng(%d): state %s inc %s, NumPy has %s %s", seed, hex128(state), hex128(inc), s.State, s.Inc)
		}
		for i, want := range s.Raw {
			if got := fmt.Sprintf("%016x", r.Uint64()); got != want {
				t.Errorf("default_rng(%d) raw draw %d: %s, NumPy %s", seed, i, got, want)
			}
		}
	}
}

func TestNumPyRandom(t *testing.T) {
	g := loadGolden(t)
	r := NewNumPy(42)
	got := make([]float64, 5, 12)
	for i := range got {
		got[i] = r.Random()
	}
	fill := make([]float64, 7)
	r.Fill(fill)
	got = append(got, fill...)
	if len(g.Random42) != len(got) {
		t.Fatalf("golden has %d values, test draws %d", len(g.Random42), len(got))
	}
	for i, s := range g.Random42 {
		if want := parseHexFloat(t, s); got[i] != want {
			t.Errorf("random draw %d: %v, NumPy %v", i, got[i], want)
		}
	}
}

// The reference's patterns: choice(200, 60, replace=False) five times from
// one default_rng(42).
func TestNumPyChoicePatterns(t *testing.T) {
	g := loadGolden(t)
	r := NewNumPy(42)
	for p, want := range g.Patterns42 {
		got, err := r.Choice(200, 60)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("pattern %d:\n got %v\nwant %v", p, got, want)
		}
	}
}

// Choice then Random from one generator: the kept 32-bit half, Floyd's
// algorithm, the tail shuffle and the 64-bit bounded draw all line up.
func TestNumPyChoiceMixed(t *testing.T) {
	g := loadGolden(t)
	r := NewNumPy(7)
	for _, c := range g.Mixed7 {
		got, err := r.Choice(int(c.N), c.K)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.Idx) {
			t.Fatalf("choice(%d, %d):\n got %v\nwant %v", c.N, c.K, got, c.Idx)
		}
		if after, want := r.Random(), parseHexFloat(t, c.After); after != want {
			t.Fatalf("random() after choice(%d, %d): %v, NumPy %v", c.N, c.K, after, want)
		}
	}
}

func TestNumPyChoiceRefusesBadSizes(t *testing.T) {
	r := NewNumPy(1)
	for _, c := range [][2]int{{5, 6}, {-1, 0}, {3, -1}} {
		if _, err := r.Choice(c[0], c[1]); err == nil {
			t.Errorf("choice(%d, %d) accepted", c[0], c[1])
		}
	}
}

func TestNumPyAdvance(t *testing.T) {
	g := loadGolden(t)
	r := NewNumPy(42)
	r.Advance(g.Advance42.Steps)
	state, inc := r.State()
	if hex128(state) != g.Advance42.State || hex128(inc) != g.Advance42.Inc {
		t.Fatalf("advance(%d): state %s, NumPy %s", g.Advance42.Steps, hex128(state), g.Advance42.State)
	}
	// And against stepping one by one.
	a, b := NewNumPy(3), NewNumPy(3)
	for i := 0; i < 1234; i++ {
		a.Uint64()
	}
	b.Advance(1234)
	if a.Uint64() != b.Uint64() {
		t.Fatal("Advance(1234) differs from 1234 draws")
	}
}

func TestBelowMatchesRandomComparison(t *testing.T) {
	r := New(11)
	for _, p := range []float64{0, 1e-300, 0.003, 0.02 * 2 / 3, 0.1, 0.5, 1 - 1e-16, 1, 2} {
		t53 := Below(p)
		for i := 0; i < 20000; i++ {
			m := r.Uint64() >> 11
			// Edge mantissas around the threshold too.
			if i%3 == 0 && t53 > 0 {
				m = t53 - 1 + uint64(i%2)
				if m >= 1<<53 {
					m = 1<<53 - 1
				}
			}
			u := float64(m) * (1.0 / (1 << 53))
			if (u < p) != (m < t53) {
				t.Fatalf("p %v, mantissa %d: float says %v, integer says %v", p, m, u < p, m < t53)
			}
		}
	}
	if Below(math.NaN()) != 0 {
		t.Fatal("Below(NaN) must be 0")
	}
}

// Pair and Bernoulli consume the stream exactly as successive Uint64
// calls, and leave it where they would.
func TestPairIsTwoDraws(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40} {
		a, b := NewNumPy(seed), NewNumPy(seed)
		a.Advance(seed % 1000)
		b.Advance(seed % 1000)
		for i := 0; i < 1000; i++ {
			x0, x1 := a.Pair()
			if y0, y1 := b.Uint64(), b.Uint64(); x0 != y0 || x1 != y1 {
				t.Fatalf("seed %d, pair %d: (%#x, %#x), want (%#x, %#x)", seed, i, x0, x1, y0, y1)
			}
		}
		below := Below(0.3)
		for _, n := range []int{0, 1, 7, 200} {
			keep := make([]bool, n)
			a.Bernoulli(keep, below)
			for m := range keep {
				if want := b.Uint64()>>11 < below; keep[m] != want {
					t.Fatalf("seed %d, n %d, draw %d: %v, want %v", seed, n, m, keep[m], want)
				}
			}
			if a.Uint64() != b.Uint64() {
				t.Fatalf("seed %d, n %d: the streams part after Bernoulli", seed, n)
			}
		}
	}
}
