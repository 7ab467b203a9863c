package stats

import (
	"fmt"
	"math"
	"sort"
)

// Method selects how MannWhitneyU computes its p-value.
type Method int

const (
	// Auto chooses as scipy.stats.mannwhitneyu(method="auto") does:
	// Exact when at least one sample has 8 or fewer observations and no
	// value occurs twice in the pooled sample; Asymptotic otherwise (both
	// samples larger than 8, or any tie, within a sample or across them).
	// This is _mwu_choose_method (`if n1 > 8 and n2 > 8: asymptotic;
	// if ties: asymptotic; else exact`), unchanged between the SciPy 1.7
	// source that introduced `method` and the current main branch. (The
	// 1.7 docstring says "less than 8"; the code, followed here, is ≤ 8.)
	Auto Method = iota
	// Exact compares U with its exact null distribution (no ties assumed).
	Exact
	// Asymptotic uses the normal approximation with tie correction and
	// continuity correction (scipy's default use_continuity=True).
	Asymptotic
)

func (m Method) String() string {
	switch m {
	case Auto:
		return "auto"
	case Exact:
		return "exact"
	case Asymptotic:
		return "asymptotic"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod reads a method by the name String gives it.
func ParseMethod(s string) (Method, error) {
	for _, m := range []Method{Auto, Exact, Asymptotic} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("method must be \"auto\", \"exact\" or \"asymptotic\", got %q", s)
}

// Alternative is the alternative hypothesis of MannWhitneyU, named as in
// SciPy.
type Alternative int

const (
	// TwoSided: the distributions underlying x and y differ.
	TwoSided Alternative = iota
	// Less: the distribution underlying x is stochastically less than the
	// one underlying y.
	Less
	// Greater: the distribution underlying x is stochastically greater than
	// the one underlying y.
	Greater
)

func (a Alternative) String() string {
	switch a {
	case TwoSided:
		return "two-sided"
	case Less:
		return "less"
	case Greater:
		return "greater"
	}
	return fmt.Sprintf("Alternative(%d)", int(a))
}

// MaxExactCells bounds len(x)·len(y) for Method Exact. The exact
// distribution costs O(n1·n2·min(U, n1·n2−U)) time, about a second at this
// bound (200 × 200). Auto only selects Exact when one sample has at most 8
// observations, far below it.
const MaxExactCells = 40000

// MWResult is the result of MannWhitneyU.
type MWResult struct {
	// U1 is the U statistic of x: the number of pairs (x[i], y[j]) with
	// x[i] > y[j], plus one half for each pair with x[i] == y[j]. It is what
	// SciPy reports as `statistic`.
	U1 float64
	// U2 = len(x)·len(y) − U1 is the statistic of y.
	U2 float64
	// P is the p-value for the requested alternative, in [0, 1].
	P float64
	// Method is the method used: Exact or Asymptotic, never Auto.
	Method Method
}

// MannWhitneyU performs the Mann–Whitney U rank test of x against y the way
// scipy.stats.mannwhitneyu(x, y, use_continuity=True, alternative=alt,
// method=method) does (SciPy 1.7 and later; checked against the main-branch
// source of scipy/stats/_mannwhitneyu.py and its tests).
//
// Ranks are averaged over ties in the pooled sample, and U1 = R1 − n1(n1+1)/2
// where R1 is the rank sum of x. With Auto the method is chosen as described
// at Auto; the method used is returned in the result.
//
// Exact: let U be U1 for Greater, U2 for Less and max(U1, U2) for TwoSided;
// with k = ⌊U⌋ the p-value is P(U ≥ k) under the null distribution (all
// C(n1+n2, n1) rank assignments equally likely), doubled for TwoSided, and
// capped at 1. For TwoSided and integral U1 (no ties) this equals
// min(1, 2·min(P(U ≤ U1), P(U ≥ U1))).
// As in SciPy, Exact makes no correction for ties: when it is requested
// explicitly for data with ties, U may be a half-integer and is truncated
// to ⌊U⌋ as SciPy does (which makes the p-value larger, i.e. conservative).
// Exact returns ErrExactTooLarge if len(x)·len(y) > MaxExactCells.
//
// Asymptotic: z = (U1 − n1·n2/2 − c) / s with
// s² = n1·n2/12 · ((n+1) − Σ(t³−t)/(n(n−1))), n = n1+n2, t the sizes of
// the groups of tied values, and continuity correction c = 0.5·sign(U1 −
// n1·n2/2) for TwoSided, +0.5 for Greater, −0.5 for Less. P is 2·Φ(−|z|),
// 1−Φ(z) or Φ(z) respectively, capped at 1. When every one of the n values
// is equal, s = 0 and the formula is 0/0; then U1 = n1·n2/2 and P = 1, the
// value SciPy's tests assert for mannwhitneyu(1, 1).
//
// Errors: ErrEmpty if either sample is empty, ErrNaN if either contains a
// NaN. ±Inf are valid observations (they only need to be ranked), as in
// SciPy. MannWhitneyU panics on an unknown Method or Alternative.
func MannWhitneyU(x, y []float64, alt Alternative, method Method) (MWResult, error) {
	switch alt {
	case TwoSided, Less, Greater:
	default:
		panic("stats: unknown Alternative " + alt.String())
	}
	switch method {
	case Auto, Exact, Asymptotic:
	default:
		panic("stats: unknown Method " + method.String())
	}
	if len(x) == 0 || len(y) == 0 {
		return MWResult{}, ErrEmpty
	}
	for _, s := range [2][]float64{x, y} {
		for _, v := range s {
			if math.IsNaN(v) {
				return MWResult{}, ErrNaN
			}
		}
	}

	n1, n2 := len(x), len(y)
	r1, tieTerm, ties, allTied := rankSumX(x, y)
	fn1, fn2 := float64(n1), float64(n2)
	u1 := r1 - fn1*(fn1+1)/2
	u2 := fn1*fn2 - u1

	if method == Auto {
		switch {
		case n1 > 8 && n2 > 8:
			method = Asymptotic
		case ties:
			method = Asymptotic
		default:
			method = Exact
		}
	}

	res := MWResult{U1: u1, U2: u2, Method: method}
	switch method {
	case Exact:
		if n1*n2 > MaxExactCells {
			return MWResult{}, ErrExactTooLarge
		}
		var u, f float64
		switch alt {
		case Greater:
			u, f = u1, 1
		case Less:
			u, f = u2, 1
		default:
			u, f = math.Max(u1, u2), 2
		}
		res.P = f * mwuSF(int(math.Floor(u)), n1, n2)
	case Asymptotic:
		if allTied {
			res.P = 1
			break
		}
		n := fn1 + fn2
		mu := fn1 * fn2 / 2
		s := math.Sqrt(fn1 * fn2 / 12 * ((n + 1) - tieTerm/(n*(n-1))))
		num := u1 - mu
		switch alt {
		case Greater:
			num -= 0.5
		case Less:
			num += 0.5
		default:
			switch {
			case num > 0:
				num -= 0.5
			case num < 0:
				num += 0.5
			}
		}
		z := num / s
		switch alt {
		case Greater:
			res.P = normalSF(z)
		case Less:
			res.P = normalSF(-z)
		default:
			res.P = 2 * normalSF(math.Abs(z))
		}
	}
	res.P = math.Min(math.Max(res.P, 0), 1)
	return res, nil
}

// normalSF is the survival function of the standard normal distribution.
func normalSF(z float64) float64 {
	return 0.5 * math.Erfc(z/math.Sqrt2)
}

// rankSumX ranks the pooled sample (x then y) with average ranks for ties
// and returns the rank sum of x, Σ(t³−t) over the groups of tied values,
// whether any tie exists, and whether all values are tied together. x and y
// must not contain NaN.
func rankSumX(x, y []float64) (r1, tieTerm float64, ties, allTied bool) {
	type obs struct {
		v   float64
		inX bool
	}
	pooled := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		pooled = append(pooled, obs{v, true})
	}
	for _, v := range y {
		pooled = append(pooled, obs{v, false})
	}
	sort.Slice(pooled, func(i, j int) bool { return pooled[i].v < pooled[j].v })
	for i := 0; i < len(pooled); {
		j := i + 1
		for j < len(pooled) && pooled[j].v == pooled[i].v {
			j++
		}
		// Positions i..j-1 (0-based) share the average of ranks i+1..j.
		rank := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if pooled[k].inX {
				r1 += rank
			}
		}
		if t := float64(j - i); t > 1 {
			ties = true
			tieTerm += t*t*t - t
		}
		if i == 0 && j == len(pooled) {
			allTied = true
		}
		i = j
	}
	return r1, tieTerm, ties, allTied
}

// mwuSF returns P(U ≥ k) for the Mann–Whitney statistic of samples of sizes
// n1 and n2 under the null hypothesis without ties. Like SciPy it sums the
// shorter tail: P(U ≥ k) = P(U ≤ n1·n2 − k) by symmetry when k ≥ n1·n2/2,
// and 1 − P(U ≤ k) + P(U = k) otherwise.
func mwuSF(k, n1, n2 int) float64 {
	mn := n1 * n2
	if k <= 0 {
		return 1
	}
	if k > mn {
		return 0
	}
	kc := mn - k
	if k < kc {
		pmf := mwuPMF(k, n1, n2)
		var cdf float64
		for _, p := range pmf {
			cdf += p
		}
		return 1 - cdf + pmf[k]
	}
	var cdf float64
	for _, p := range mwuPMF(kc, n1, n2) {
		cdf += p
	}
	return cdf
}

// mwuPMF returns P(U = u) for u = 0..maxu, for samples of sizes n1 and n2
// without ties, by the counting recursion on the largest observation:
//
//	c(u; i, j) = c(u−j; i−1, j) + c(u; i, j−1),  c(u; i, 0) = c(u; 0, j) = [u = 0],
//
// (it belongs to the first sample and exceeds all j of the second, or to the
// second), divided by C(n1+n2, n1). Counts are exact integers while they
// stay below 2^53 and otherwise carry only rounding from additions of
// non-negative terms. The distribution is symmetric in n1 and n2, so the
// smaller size indexes the stored rows: memory is O(min(n1,n2)·maxu).
func mwuPMF(maxu, n1, n2 int) []float64 {
	m, n := n1, n2
	if m > n {
		m, n = n, m
	}
	// row[i][u] holds c(u; i, j) for the current j.
	row := make([][]float64, m+1)
	for i := range row {
		row[i] = make([]float64, maxu+1)
		row[i][0] = 1 // j = 0
	}
	for j := 1; j <= n; j++ {
		for i := 1; i <= m; i++ {
			cur, below := row[i], row[i-1] // below already holds c(·; i−1, j)
			for u := maxu; u >= j; u-- {
				cur[u] += below[u-j]
			}
		}
	}
	total := 1.0 // C(m+n, m), exact while it fits in 53 bits.
	for k := 1; k <= m; k++ {
		total = total * float64(n+k) / float64(k)
	}
	pmf := row[m]
	for u := range pmf {
		pmf[u] /= total
	}
	return pmf
}
