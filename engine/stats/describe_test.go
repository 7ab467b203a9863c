package stats

import (
	"errors"
	"math"
	"testing"
)

func TestMeanPopStdCV(t *testing.T) {
	// Classic example: mean 5, population std 2 (Σ(x−5)² = 32, /8 = 4).
	x := []float64{2, 4, 4, 4, 5, 5, 7, 9}
	m, err := Mean(x)
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "Mean", m, 5, 0, 0)
	s, _ := PopStd(x)
	assertNear(t, "PopStd", s, 2, 1e-15, 0)
	cv, _ := CV(x)
	assertNear(t, "CV", cv, 0.4, 1e-15, 0)

	// Negative mean: the sign follows the mean. x = {−1, −3}: mean −2,
	// population std 1, CV −0.5.
	cv, _ = CV([]float64{-1, -3})
	assertNear(t, "CV negative", cv, -0.5, 1e-15, 0)

	// A constant slice has std exactly 0 even when Σx/n rounds.
	s, _ = PopStd([]float64{0.1, 0.1, 0.1})
	if s != 0 {
		t.Errorf("PopStd(constant) = %g, want 0", s)
	}
	m, _ = Mean([]float64{0.1, 0.1, 0.1})
	if m != 0.1 {
		t.Errorf("Mean(constant) = %.17g, want 0.1", m)
	}
	// One value: std 0, CV 0.
	s, _ = PopStd([]float64{7})
	cv, _ = CV([]float64{7})
	if s != 0 || cv != 0 {
		t.Errorf("single value: std %g, CV %g", s, cv)
	}
	// All zero (silent brain): CV defined as 0.
	cv, err = CV([]float64{0, 0, 0})
	if cv != 0 || err != nil {
		t.Errorf("CV(zeros) = %g, %v", cv, err)
	}
	if _, err := CV([]float64{-1, 1}); !errors.Is(err, ErrZeroMean) {
		t.Errorf("CV(-1, 1) err = %v", err)
	}
	for name, f := range map[string]func([]float64) (float64, error){"Mean": Mean, "PopStd": PopStd, "CV": CV} {
		if _, err := f(nil); !errors.Is(err, ErrEmpty) {
			t.Errorf("%s(nil) err = %v", name, err)
		}
		if _, err := f([]float64{1, math.NaN()}); !errors.Is(err, ErrNaN) {
			t.Errorf("%s(NaN) err = %v", name, err)
		}
		if _, err := f([]float64{1, math.Inf(-1)}); !errors.Is(err, ErrInf) {
			t.Errorf("%s(Inf) err = %v", name, err)
		}
	}
}

func TestCohensD(t *testing.T) {
	// x = {1,2,3}: mean 2, population variance 2/3; y = {4,5,6,7}: mean 5.5,
	// population variance 1.25. Pooled = (3·2/3 + 4·1.25)/7 = 7/7 = 1, so
	// d = (2 − 5.5)/1 = −3.5. (With sample variances, the usual d would be
	// −3.5/sqrt((2·1 + 3·5/3)/5) = −3.5/sqrt(7/5) ≈ −2.958, so the test
	// tells the two apart.)
	d, err := CohensD([]float64{1, 2, 3}, []float64{4, 5, 6, 7})
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "d", d, -3.5, 1e-15, 0)
	d, _ = CohensD([]float64{4, 5, 6, 7}, []float64{1, 2, 3})
	assertNear(t, "d swapped", d, 3.5, 1e-15, 0)

	// Unequal variances and sizes: x = {0, 10} (mean 5, var 25), y = {1}
	// (mean 1, var 0): pooled = (2·25 + 0)/3 = 50/3, d = 4/sqrt(50/3).
	d, _ = CohensD([]float64{0, 10}, []float64{1})
	assertNear(t, "d unequal", d, 4/math.Sqrt(50.0/3), 1e-15, 0)

	// Zero pooled variance.
	d, err = CohensD([]float64{0.1, 0.1, 0.1}, []float64{0.1})
	if d != 0 || err != nil {
		t.Errorf("identical constants: %v, %v", d, err)
	}
	d, _ = CohensD([]float64{2, 2}, []float64{1, 1, 1})
	if !math.IsInf(d, 1) {
		t.Errorf("constant, x above: %v, want +Inf", d)
	}
	d, _ = CohensD([]float64{1}, []float64{2})
	if !math.IsInf(d, -1) {
		t.Errorf("constant, x below: %v, want -Inf", d)
	}

	if _, err := CohensD(nil, []float64{1}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err := CohensD([]float64{1}, []float64{math.NaN()}); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN: %v", err)
	}
}

func TestSlope(t *testing.T) {
	// Exact line over the Exp 22 abscissa 0..5.
	x := []float64{0, 1, 2, 3, 4, 5}
	y := []float64{1, 3, 5, 7, 9, 11}
	b, err := Slope(x, y)
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "slope line", b, 2, 1e-15, 0)
	// Hand: x = 0..3, y = {1,3,2,5}: x̄ = 1.5, ȳ = 2.75,
	// Sxy = 2.625 − 0.125 − 0.375 + 3.375 = 5.5, Sxx = 5, slope 1.1.
	b, _ = Slope([]float64{0, 1, 2, 3}, []float64{1, 3, 2, 5})
	assertNear(t, "slope hand", b, 1.1, 1e-14, 0)
	// Flat response.
	b, _ = Slope(x, []float64{4, 4, 4, 4, 4, 4})
	assertNear(t, "slope flat", b, 0, 0, 1e-15)

	if _, err := Slope([]float64{1}, []float64{2}); !errors.Is(err, ErrTooFew) {
		t.Errorf("one point: %v", err)
	}
	if _, err := Slope([]float64{2, 2, 2}, []float64{1, 2, 3}); !errors.Is(err, ErrConstantX) {
		t.Errorf("constant x: %v", err)
	}
	if _, err := Slope([]float64{1, 2}, []float64{1, math.Inf(1)}); !errors.Is(err, ErrInf) {
		t.Errorf("Inf: %v", err)
	}
	mustPanic(t, "Slope length mismatch", func() { Slope([]float64{1, 2}, []float64{1}) })
}

func TestCosine(t *testing.T) {
	cases := []struct {
		a, b []float64
		want float64
	}{
		{[]float64{1, 0}, []float64{0, 1}, 0},
		{[]float64{1, 2, 3}, []float64{2, 4, 6}, 1},
		{[]float64{1, 1}, []float64{-1, -1}, -1},
		{[]float64{3, 4}, []float64{4, 3}, 24.0 / 25},
		{[]float64{1, 2, 2}, []float64{2, 0, 1}, 4.0 / 3 / math.Sqrt(5)}, // 4/(3·√5)
		{[]float64{0, 0}, []float64{1, 2}, 0},                            // zero vector: defined 0
		{[]float64{0, 0}, []float64{0, 0}, 0},
		{[]float64{1e200, 1e200}, []float64{1e200, 0}, 1 / math.Sqrt2},    // no overflow
		{[]float64{1e-200, 1e-200}, []float64{1e-200, 0}, 1 / math.Sqrt2}, // no underflow
	}
	for _, c := range cases {
		got, err := Cosine(c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		assertNear(t, "Cosine", got, c.want, 1e-15, 1e-16)
	}
	if _, err := Cosine(nil, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err := Cosine([]float64{math.NaN()}, []float64{1}); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN: %v", err)
	}
	mustPanic(t, "Cosine length mismatch", func() { Cosine([]float64{1}, []float64{1, 2}) })
}

func TestEntropy(t *testing.T) {
	cases := []struct {
		p    []float64
		want float64
	}{
		{[]float64{1, 1, 1, 1}, math.Log(4)},
		{[]float64{5, 5, 5, 5}, math.Log(4)},           // scale-free
		{[]float64{1, 1, 2}, 1.5 * math.Log(2)},        // ¼,¼,½: −(½ln¼ + ½ln½) = 1.5 ln 2
		{[]float64{0, 3}, 0},                           // 0·ln 0 = 0
		{[]float64{0, 1, 0, 1}, math.Log(2)},           // zeros do not count
		{[]float64{1e308, 1e308}, math.Log(2)},         // sum overflows
		{[]float64{0.2, 0.3, 0.5}, 1.0296530140645737}, // −Σ q ln q, hand-evaluated
	}
	for _, c := range cases {
		got, err := Entropy(c.p)
		if err != nil {
			t.Fatal(err)
		}
		assertNear(t, "Entropy", got, c.want, 1e-14, 1e-16)
	}
	for _, c := range []struct {
		p    []float64
		want error
	}{
		{nil, ErrEmpty},
		{[]float64{0, 0}, ErrZeroSum},
		{[]float64{1, -1, 2}, ErrNegative},
		{[]float64{1, math.NaN()}, ErrNaN},
		{[]float64{1, math.Inf(1)}, ErrInf},
	} {
		if _, err := Entropy(c.p); !errors.Is(err, c.want) {
			t.Errorf("Entropy(%v) err = %v, want %v", c.p, err, c.want)
		}
	}
}
