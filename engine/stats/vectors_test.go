package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func TestParticipationRatio(t *testing.T) {
	cases := []struct {
		name string
		rows [][]float64
		want float64
	}{
		// (±1, 0), (0, ±1): covariance diag(2/3, 2/3) → (4/3)²/(2·4/9) = 2.
		{"isotropic 2-D", [][]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}, 2},
		// Collinear points: rank 1 → 1.
		{"line", [][]float64{{1, 1}, {2, 2}, {3, 3}}, 1},
		// (±2, 0), (0, ±1): variances 8/3 and 2/3, no covariance →
		// (10/3)²/((64+4)/9) = 100/68.
		{"anisotropic", [][]float64{{2, 0}, {-2, 0}, {0, 1}, {0, -1}}, 100.0 / 68},
		// A constant third column adds nothing.
		{"constant column", [][]float64{{2, 0, 5}, {-2, 0, 5}, {0, 1, 5}, {0, -1, 5}}, 100.0 / 68},
		// Correlated 2-D: rows (0,0), (1,1), (2,0): covariance (ddof 1)
		// [[1, 0], [0, 1/3]] — x: mean 1, Σd² = 2 → 1; y: mean 1/3,
		// Σd² = 2/3 → 1/3; Σdxdy = (−1)(−1/3) + 0 + (1)(−1/3) = 0.
		// PR = (4/3)²/(1 + 1/9) = (16/9)/(10/9) = 1.6.
		{"hand 2-D", [][]float64{{0, 0}, {1, 1}, {2, 0}}, 1.6},
		// Every row the same: defined as 0.
		{"no variance", [][]float64{{0.1, 3}, {0.1, 3}, {0.1, 3}}, 0},
	}
	for _, c := range cases {
		got, err := ParticipationRatio(c.rows)
		if err != nil {
			t.Fatal(c.name, err)
		}
		assertNear(t, "PR "+c.name, got, c.want, 1e-14, 0)
	}

	// Cross-check with the eigenvalues of stat.CovarianceMatrix by
	// mat.EigenSym on random 40 × 96 data (the Exp 23 shape), some columns
	// strongly correlated.
	rng := rand.New(rand.NewPCG(5, 6))
	rows := make([][]float64, 40)
	for i := range rows {
		rows[i] = make([]float64, 96)
		f := rng.NormFloat64()
		for j := range rows[i] {
			rows[i][j] = rng.Float64() + float64(j%7)*f
		}
	}
	x := mat.NewDense(40, 96, nil)
	for i, r := range rows {
		x.SetRow(i, r)
	}
	var c mat.SymDense
	stat.CovarianceMatrix(&c, x, nil)
	var eig mat.EigenSym
	if !eig.Factorize(&c, false) {
		t.Fatal("EigenSym failed")
	}
	var s1, s2 float64
	for _, l := range eig.Values(nil) {
		s1 += l
		s2 += l * l
	}
	got, _ := ParticipationRatio(rows)
	assertNear(t, "PR vs EigenSym", got, s1*s1/s2, 1e-10, 0)
	if got < 1 || got > 39 { // rank ≤ n−1 = 39
		t.Errorf("PR %v out of [1, 39]", got)
	}

	if _, err := ParticipationRatio(nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("no rows: %v", err)
	}
	if _, err := ParticipationRatio([][]float64{{}, {}}); !errors.Is(err, ErrEmpty) {
		t.Errorf("no columns: %v", err)
	}
	if _, err := ParticipationRatio([][]float64{{1, 2}}); !errors.Is(err, ErrTooFew) {
		t.Errorf("one row: %v", err)
	}
	if _, err := ParticipationRatio([][]float64{{1, 2}, {math.NaN(), 1}}); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN: %v", err)
	}
	mustPanic(t, "PR ragged", func() { ParticipationRatio([][]float64{{1, 2}, {1}}) })
}

func TestFisherRatio(t *testing.T) {
	// 1-D: class 0 = {0, 2}, class 1 = {4, 6}. Grand mean 3, class means 1
	// and 5. between = 2·4 + 2·4 = 16; within = 1+1+1+1 = 4; ratio 4.
	v := [][]float64{{0}, {2}, {4}, {6}}
	got, err := FisherRatio(v, []int{0, 0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "Fisher 1-D", got, 4, 1e-15, 0)

	// 2-D, unbalanced, labels not 0-based: class 7 = {(0,0), (2,0), (1,3)}
	// mean (1,1); class −2 = {(4,4)} mean (4,4). Grand mean (7/4, 7/4).
	// between = 3·((3/4)²·2) + 1·((9/4)²·2) = 27/8 + 81/8 = 13.5.
	// within = (1+1) + (1+1) + (0+4) + 0 = 8. Ratio 13.5/8 = 1.6875.
	v = [][]float64{{0, 0}, {2, 0}, {1, 3}, {4, 4}}
	got, _ = FisherRatio(v, []int{7, 7, 7, -2})
	assertNear(t, "Fisher 2-D", got, 1.6875, 1e-15, 0)

	// within = 0: +Inf if the classes differ, 0 if everything is equal.
	got, _ = FisherRatio([][]float64{{1, 0}, {1, 0}, {0, 1}}, []int{0, 0, 1})
	if !math.IsInf(got, 1) {
		t.Errorf("within 0: %v, want +Inf", got)
	}
	got, err = FisherRatio([][]float64{{1, 0}, {1, 0}}, []int{0, 1})
	if got != 0 || err != nil {
		t.Errorf("all equal: %v, %v", got, err)
	}
	// One class: between 0.
	got, _ = FisherRatio([][]float64{{1}, {3}}, []int{4, 4})
	if got != 0 {
		t.Errorf("one class: %v", got)
	}
	if _, err := FisherRatio(nil, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	mustPanic(t, "Fisher labels", func() { FisherRatio([][]float64{{1}}, []int{0, 1}) })
}

func TestNearestCentroidLOO(t *testing.T) {
	// Two well-separated classes: every held-out vector's own class
	// centroid is its partner → 1.
	got, err := NearestCentroidLOO([][]float64{{1, 0}, {1, 0.1}, {0, 1}, {0.1, 1}}, []int{0, 0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "separated", got, 1, 0, 0)

	// Hand case with a class emptied by the removal:
	//  i=0 (1,0), label 0: class 0 → (0,1), cos 0; class 1 → (1,0.1),
	//      cos 1/√1.01 → predicts 1, wrong.
	//  i=1 (0,1), label 0: class 0 → (1,0), cos 0; class 1 → cos 0.1/√1.01
	//      → predicts 1, wrong.
	//  i=2 (1,0.1), label 1: class 1 is empty without it, skipped; class 0
	//      → (0.5,0.5) → predicts 0, wrong.
	got, _ = NearestCentroidLOO([][]float64{{1, 0}, {0, 1}, {1, 0.1}}, []int{0, 0, 1})
	assertNear(t, "emptied class", got, 0, 0, 0)

	// Tie broken by the lowest label. Class 2 = {(0,1), (0,1)},
	// class 5 = {(1,0), (1,0), (1,1)}.
	//  (0,1), 2: class 2 → (0,1) cos 1; class 5 → (1,1/3) cos 0.316 → right (×2).
	//  (1,0), 5: class 5 → (1,0.5) cos 0.894; class 2 → cos 0 → right (×2).
	//  (1,1), 5: class 5 → (1,0), class 2 → (0,1): both cos 1/√2, an exact
	//      tie → label 2, wrong. Accuracy 4/5 (5/5 if ties went high).
	v := [][]float64{{0, 1}, {0, 1}, {1, 0}, {1, 0}, {1, 1}}
	got, _ = NearestCentroidLOO(v, []int{2, 2, 5, 5, 5})
	assertNear(t, "tie", got, 0.8, 1e-15, 0)

	// Cosine ignores magnitude: a scaled copy of class 0's direction is
	// still class 0. Class 0 = {(1,0), (10,0.5)}, class 1 = {(0,1), (0.2,3)}.
	got, _ = NearestCentroidLOO([][]float64{{1, 0}, {10, 0.5}, {0, 1}, {0.2, 3}}, []int{0, 0, 1, 1})
	assertNear(t, "scale-free", got, 1, 0, 0)

	// Zero response vectors: similarity 0 to every centroid → lowest label.
	// Labels {0, 1}, all vectors zero: predictions all 0 → 2 of 4 right.
	z := [][]float64{{0, 0}, {0, 0}, {0, 0}, {0, 0}}
	got, _ = NearestCentroidLOO(z, []int{0, 1, 0, 1})
	assertNear(t, "zeros", got, 0.5, 0, 0)

	// A single class: always predicted → 1.
	got, _ = NearestCentroidLOO([][]float64{{1, 2}, {3, 1}}, []int{9, 9})
	assertNear(t, "one class", got, 1, 0, 0)

	if _, err := NearestCentroidLOO([][]float64{{1}}, []int{0}); !errors.Is(err, ErrTooFew) {
		t.Errorf("one vector: %v", err)
	}
	if _, err := NearestCentroidLOO(nil, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err := NearestCentroidLOO([][]float64{{1}, {math.Inf(1)}}, []int{0, 1}); !errors.Is(err, ErrInf) {
		t.Errorf("Inf: %v", err)
	}
	mustPanic(t, "LOO labels", func() { NearestCentroidLOO([][]float64{{1}, {2}}, []int{0}) })
	mustPanic(t, "LOO ragged", func() { NearestCentroidLOO([][]float64{{1}, {2, 3}}, []int{0, 1}) })
}

func TestBenjaminiHochberg(t *testing.T) {
	cases := []struct {
		p, want []float64
	}{
		// Sorted 0.005, 0.01, 0.03, 0.04 (m = 4): ·4/1, ·4/2, ·4/3, ·4/4 =
		// 0.02, 0.02, 0.04, 0.04; already monotone.
		{[]float64{0.01, 0.04, 0.03, 0.005}, []float64{0.02, 0.04, 0.04, 0.02}},
		// Step-up minimum: raw 0.04·3 = 0.12 > 0.041·1.5 = 0.0615.
		{[]float64{0.04, 0.041, 0.9}, []float64{0.0615, 0.0615, 0.9}},
		// Capped at 1: raw 1.8, 1.35, 1.0.
		{[]float64{0.6, 0.9, 1.0}, []float64{1, 1, 1}},
		// Ties keep equal values.
		{[]float64{0.02, 0.02}, []float64{0.02, 0.02}},
		{[]float64{0.3}, []float64{0.3}},
		{[]float64{}, []float64{}},
		// The 15 p-values of Benjamini & Hochberg (1995), also the example
		// of scipy.stats.false_discovery_control; adjusted by hand:
		// p·15/i, then running minimum from the top (0.0695 at i = 6 is
		// replaced by 0.0298·15/7).
		{
			[]float64{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
				0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000},
			[]float64{0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0298 * 15 / 7, 0.0298 * 15 / 7,
				0.0645, 0.0765, 0.486, 0.4262 * 15 / 11, 0.5719 * 15 / 12, 0.6528 * 15 / 13,
				0.7590 * 15 / 14, 1},
		},
	}
	for _, c := range cases {
		p := append([]float64(nil), c.p...)
		got := BenjaminiHochberg(p)
		if got == nil || len(got) != len(c.want) {
			t.Fatalf("BH(%v) = %v", c.p, got)
		}
		for i := range got {
			assertNear(t, "BH", got[i], c.want[i], 1e-14, 0)
		}
		for i := range p {
			if p[i] != c.p[i] {
				t.Errorf("BH modified its input")
			}
		}
	}
	mustPanic(t, "BH NaN", func() { BenjaminiHochberg([]float64{math.NaN()}) })
	mustPanic(t, "BH > 1", func() { BenjaminiHochberg([]float64{1.5}) })
	mustPanic(t, "BH < 0", func() { BenjaminiHochberg([]float64{-0.1}) })
}

// TestFisherRatioReproducible: the sums over classes run in label order,
// so the ratio is the same to the last bit on every call (Go's map order
// changes from call to call; summing in it once made results differ in
// the last digits between identical runs).
func TestFisherRatioReproducible(t *testing.T) {
	var vectors [][]float64
	var labels []int
	x := 0.1
	for i := 0; i < 60; i++ {
		v := make([]float64, 7)
		for k := range v {
			x = math.Mod(x*9301+49297, 233280) / 233280 * 100
			v[k] = x
		}
		vectors = append(vectors, v)
		labels = append(labels, i%9)
	}
	first, err := FisherRatio(vectors, labels)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if got, _ := FisherRatio(vectors, labels); got != first {
			t.Fatalf("call %d: %v, first call %v", i, got, first)
		}
	}
}
