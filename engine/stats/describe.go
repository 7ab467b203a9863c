package stats

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// Mean returns the arithmetic mean of x.
//
// Errors: ErrEmpty for an empty x, ErrNaN or ErrInf for a non-finite value.
func Mean(x []float64) (float64, error) {
	if len(x) == 0 {
		return 0, ErrEmpty
	}
	if err := checkFinite(x); err != nil {
		return 0, err
	}
	return meanVar(x).mean, nil
}

// PopStd returns the population standard deviation of x (ddof = 0):
// sqrt(Σ(x−mean)²/n). It is 0 for a single value and exactly 0 whenever all
// values are equal.
//
// Errors: ErrEmpty for an empty x, ErrNaN or ErrInf for a non-finite value.
func PopStd(x []float64) (float64, error) {
	if len(x) == 0 {
		return 0, ErrEmpty
	}
	if err := checkFinite(x); err != nil {
		return 0, err
	}
	return math.Sqrt(meanVar(x).popVar), nil
}

// CV returns the coefficient of variation PopStd(x)/Mean(x) (population
// standard deviation, ddof = 0). Its sign is that of the mean. If every
// value is 0 (nothing varies and nothing is active) CV returns 0.
//
// Errors: ErrEmpty for an empty x, ErrNaN or ErrInf for a non-finite value,
// ErrZeroMean when the mean is 0 but the values are not all 0.
func CV(x []float64) (float64, error) {
	if len(x) == 0 {
		return 0, ErrEmpty
	}
	if err := checkFinite(x); err != nil {
		return 0, err
	}
	mv := meanVar(x)
	if mv.mean == 0 {
		if mv.popVar == 0 {
			return 0, nil
		}
		return 0, ErrZeroMean
	}
	return math.Sqrt(mv.popVar) / mv.mean, nil
}

type meanVariance struct{ mean, popVar float64 }

// meanVar returns the mean and population variance of a non-empty, finite
// x. A constant x gives exactly (x[0], 0), without the rounding that
// Σx/n can introduce.
func meanVar(x []float64) meanVariance {
	if isConstant(x) {
		return meanVariance{x[0], 0}
	}
	m, v := stat.PopMeanVariance(x, nil)
	return meanVariance{m, math.Max(v, 0)}
}

// CohensD returns Cohen's d of x against y with pooled population variance,
// as Exp 22 specifies:
//
//	d = (mean(x) − mean(y)) / sqrt((nx·varx + ny·vary)/(nx + ny))
//
// where varx and vary are population variances (ddof = 0).
//
// When the pooled variance is 0 (each sample constant), d is 0 if the two
// means are equal and +Inf or −Inf (the sign of mean(x) − mean(y))
// otherwise; it is never NaN. Note that encoding/json rejects infinities.
//
// Errors: ErrEmpty if either sample is empty, ErrNaN or ErrInf for a
// non-finite value.
func CohensD(x, y []float64) (float64, error) {
	if len(x) == 0 || len(y) == 0 {
		return 0, ErrEmpty
	}
	if err := checkFinite(x); err != nil {
		return 0, err
	}
	if err := checkFinite(y); err != nil {
		return 0, err
	}
	mx, my := meanVar(x), meanVar(y)
	nx, ny := float64(len(x)), float64(len(y))
	pooled := (nx*mx.popVar + ny*my.popVar) / (nx + ny)
	diff := mx.mean - my.mean
	if pooled == 0 {
		switch {
		case diff > 0:
			return math.Inf(1), nil
		case diff < 0:
			return math.Inf(-1), nil
		}
		return 0, nil
	}
	return diff / math.Sqrt(pooled), nil
}

// Slope returns the ordinary least-squares slope of y against x,
// Σ(x−x̄)(y−ȳ)/Σ(x−x̄)², as in Exp 22's cond_slope.
//
// It panics if len(x) != len(y). Errors: ErrTooFew for fewer than 2 points,
// ErrNaN or ErrInf for a non-finite value, ErrConstantX when all x are
// equal.
func Slope(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		panic("stats: slice length mismatch")
	}
	if len(x) < 2 {
		return 0, ErrTooFew
	}
	if err := checkFinite(x); err != nil {
		return 0, err
	}
	if err := checkFinite(y); err != nil {
		return 0, err
	}
	if isConstant(x) {
		return 0, ErrConstantX
	}
	_, beta := stat.LinearRegression(x, y, nil, false)
	return beta, nil
}

// Cosine returns the cosine similarity a·b/(|a||b|) of two vectors, clamped
// to [−1, 1] against rounding. If either vector is all zeros the similarity
// is defined as 0 (it has no direction, so it resembles nothing).
//
// It panics if len(a) != len(b). Errors: ErrEmpty for empty vectors, ErrNaN
// or ErrInf for a non-finite component.
func Cosine(a, b []float64) (float64, error) {
	if len(a) != len(b) {
		panic("stats: slice length mismatch")
	}
	if len(a) == 0 {
		return 0, ErrEmpty
	}
	if err := checkFinite(a); err != nil {
		return 0, err
	}
	if err := checkFinite(b); err != nil {
		return 0, err
	}
	return cosine(a, b), nil
}

// cosine is Cosine without the checks. The norms come from floats.Norm,
// which scales against overflow, and the dot product is taken of the
// normalised vectors so that it can neither overflow nor underflow.
func cosine(a, b []float64) float64 {
	na, nb := floats.Norm(a, 2), floats.Norm(b, 2)
	if na == 0 || nb == 0 {
		return 0
	}
	var c float64
	for i, v := range a {
		c += (v / na) * (b[i] / nb)
	}
	return math.Max(-1, math.Min(1, c))
}

// Entropy returns the Shannon entropy, in nats (natural logarithm), of the
// distribution p/Σp: −Σ qᵢ ln qᵢ with qᵢ = pᵢ/Σp and 0·ln 0 = 0. It lies in
// [0, ln(len(p))].
//
// Errors: ErrEmpty for an empty p, ErrNaN or ErrInf for a non-finite value,
// ErrNegative for a negative value, ErrZeroSum when every value is 0.
func Entropy(p []float64) (float64, error) {
	if len(p) == 0 {
		return 0, ErrEmpty
	}
	if err := checkFinite(p); err != nil {
		return 0, err
	}
	var sum float64
	for _, v := range p {
		if v < 0 {
			return 0, ErrNegative
		}
		sum += v
	}
	if sum == 0 {
		return 0, ErrZeroSum
	}
	if math.IsInf(sum, 0) {
		// Finite values whose sum overflows: rescale first.
		return Entropy(scaled(p, 1/floats.Max(p)))
	}
	var h float64
	for _, v := range p {
		if v > 0 {
			q := v / sum
			h -= q * math.Log(q)
		}
	}
	return math.Max(h, 0), nil
}

func scaled(p []float64, c float64) []float64 {
	out := make([]float64, len(p))
	floats.ScaleTo(out, c, p)
	return out
}
