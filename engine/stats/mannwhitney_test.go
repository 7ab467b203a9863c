package stats

import (
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// Reference values marked "scipy" are from scipy/scipy,
// scipy/stats/tests/test_hypotests.py, class TestMannWhitneyU (main branch);
// that file notes its numbers come from R's wilcox.test unless stated
// otherwise. Values marked "scipy doc" are from the docstring of
// scipy.stats.mannwhitneyu (scipy/stats/_mannwhitneyu.py, main branch).

// Basic case of gh-4933 (scipy test_basic / test_continuity).
var (
	mwBasicX = []float64{210.052110, 110.190630, 307.918612}
	mwBasicY = []float64{436.08811482466416, 416.37397329768191, 179.96975939463582,
		197.8118754228619, 34.038757281225756, 138.54220550921517,
		128.7769351470246, 265.92721427951852, 275.6617533155341,
		592.34083395416258, 448.73177590617018, 300.61495185038905,
		187.97508449019588}
)

type mwCase struct {
	name   string
	x, y   []float64
	alt    Alternative
	method Method
	u1, p  float64
	used   Method
}

func checkMW(t *testing.T, c mwCase, rtol, atol float64) {
	t.Helper()
	res, err := MannWhitneyU(c.x, c.y, c.alt, c.method)
	if err != nil {
		t.Errorf("%s: error %v", c.name, err)
		return
	}
	if res.U1 != c.u1 {
		t.Errorf("%s: U1 = %v, want %v", c.name, res.U1, c.u1)
	}
	if want := float64(len(c.x)*len(c.y)) - c.u1; res.U2 != want {
		t.Errorf("%s: U2 = %v, want %v", c.name, res.U2, want)
	}
	if res.Method != c.used {
		t.Errorf("%s: method %v, want %v", c.name, res.Method, c.used)
	}
	assertNear(t, c.name+": P", res.P, c.p, rtol, atol)
}

func TestMannWhitneyUScipyReference(t *testing.T) {
	// gh-9184 (scipy test_gh_9184): statistic 35.
	x9184 := []float64{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46}
	y9184 := []float64{1.15, 0.88, 0.90, 0.74, 1.21}
	// scipy doc example (Shier 2004): males vs females.
	males := []float64{19, 22, 16, 29, 24}
	females := []float64{20, 11, 17, 12}

	cases := []mwCase{
		// scipy test_basic.
		{"basic two-sided asymptotic", mwBasicX, mwBasicY, TwoSided, Asymptotic, 16, 0.6865041817876, Asymptotic},
		{"basic less asymptotic", mwBasicX, mwBasicY, Less, Asymptotic, 16, 0.3432520908938, Asymptotic},
		{"basic greater asymptotic", mwBasicX, mwBasicY, Greater, Asymptotic, 16, 0.7047591913255, Asymptotic},
		{"basic two-sided exact", mwBasicX, mwBasicY, TwoSided, Exact, 16, 0.7035714285714, Exact},
		{"basic less exact", mwBasicX, mwBasicY, Less, Exact, 16, 0.3517857142857, Exact},
		{"basic greater exact", mwBasicX, mwBasicY, Greater, Exact, 16, 0.6946428571429, Exact},
		// n1 = 3 ≤ 8 and no ties: Auto is exact.
		{"basic two-sided auto", mwBasicX, mwBasicY, TwoSided, Auto, 16, 0.7035714285714, Exact},
		// scipy test_continuity (arguments swapped, continuity on).
		{"continuity two-sided", mwBasicY, mwBasicX, TwoSided, Asymptotic, 23, 0.6865041817876, Asymptotic},
		{"continuity less", mwBasicY, mwBasicX, Less, Asymptotic, 23, 0.7047591913255, Asymptotic},
		{"continuity greater", mwBasicY, mwBasicX, Greater, Asymptotic, 23, 0.3432520908938, Asymptotic},
		// scipy test_gh_9184 (continuity on).
		{"9184 less asymptotic", x9184, y9184, Less, Asymptotic, 35, 0.900775348204, Asymptotic},
		{"9184 greater asymptotic", x9184, y9184, Greater, Asymptotic, 35, 0.1223118025635, Asymptotic},
		{"9184 two-sided asymptotic", x9184, y9184, TwoSided, Asymptotic, 35, 0.244623605127, Asymptotic},
		{"9184 less exact", x9184, y9184, Less, Exact, 35, 0.8967698967699, Exact},
		{"9184 greater exact", x9184, y9184, Greater, Exact, 35, 0.1272061272061, Exact},
		{"9184 two-sided exact", x9184, y9184, TwoSided, Exact, 35, 0.2544122544123, Exact},
		{"9184 two-sided auto", x9184, y9184, TwoSided, Auto, 35, 0.2544122544123, Exact},
		// scipy doc: U1 = 17, exact p = 0.1111111111111111, asymptotic
		// 0.11134688653314041; one-sided exact of females vs males 0.0555….
		{"doc exact", males, females, TwoSided, Exact, 17, 0.1111111111111111, Exact},
		{"doc asymptotic", males, females, TwoSided, Asymptotic, 17, 0.11134688653314041, Asymptotic},
		{"doc less exact", females, males, Less, Exact, 3, 0.05555555555555555, Exact},
		// scipy test_gh_2118: U == n1·n2/2 with continuity correction.
		{"2118 greater", []float64{1, 2, 3}, []float64{1.5, 2.5}, Greater, Asymptotic, 3, 0.6135850036578, Asymptotic},
		{"2118 less", []float64{1, 2, 3}, []float64{1.5, 2.5}, Less, Asymptotic, 3, 0.6135850036578, Asymptotic},
		{"2118 two-sided", []float64{1, 2, 3}, []float64{1.5, 2.5}, TwoSided, Asymptotic, 3, 1, Asymptotic},
		{"2118 tie greater", []float64{1, 2, 3}, []float64{2}, Greater, Asymptotic, 1.5, 0.681324055883, Asymptotic},
		{"2118 tie less", []float64{1, 2, 3}, []float64{2}, Less, Asymptotic, 1.5, 0.681324055883, Asymptotic},
		{"2118 tie two-sided", []float64{1, 2, 3}, []float64{2}, TwoSided, Asymptotic, 1.5, 1, Asymptotic},
		{"2118 ties greater", []float64{1, 2}, []float64{1, 2}, Greater, Asymptotic, 2, 0.667497228949, Asymptotic},
		{"2118 ties less", []float64{1, 2}, []float64{1, 2}, Less, Asymptotic, 2, 0.667497228949, Asymptotic},
		{"2118 ties two-sided", []float64{1, 2}, []float64{1, 2}, TwoSided, Asymptotic, 2, 1, Asymptotic},
		// Ties make Auto asymptotic although n2 = 1 ≤ 8.
		{"2118 tie auto", []float64{1, 2, 3}, []float64{2}, TwoSided, Auto, 1.5, 1, Asymptotic},
		// scipy test_exact_U_equals_mean: U == n1·n2/2, exact two-sided is
		// capped at 1; both one-sided p-values are P(U ≥ 3) = 6/10 (hand:
		// the null counts for sizes 3, 2 are 1,1,2,2,2,1,1).
		{"U=mean exact two-sided", []float64{1, 2, 3}, []float64{1.5, 2.5}, TwoSided, Exact, 3, 1, Exact},
		{"U=mean exact less", []float64{1, 2, 3}, []float64{1.5, 2.5}, Less, Exact, 3, 0.6, Exact},
		{"U=mean exact greater", []float64{1, 2, 3}, []float64{1.5, 2.5}, Greater, Exact, 3, 0.6, Exact},
		// scipy test_scalar_data: n1 = n2 = 1.
		{"scalar two-sided asymptotic", []float64{1}, []float64{2}, TwoSided, Asymptotic, 0, 1, Asymptotic},
		{"scalar less asymptotic", []float64{1}, []float64{2}, Less, Asymptotic, 0, 0.5, Asymptotic},
		{"scalar greater asymptotic", []float64{1}, []float64{2}, Greater, Asymptotic, 0, 0.977249868052, Asymptotic},
		{"scalar two-sided exact", []float64{1}, []float64{2}, TwoSided, Exact, 0, 1, Exact},
		{"scalar less exact", []float64{1}, []float64{2}, Less, Exact, 0, 0.5, Exact},
		{"scalar greater exact", []float64{1}, []float64{2}, Greater, Exact, 0, 1, Exact},
		{"scalar auto", []float64{1}, []float64{2}, TwoSided, Auto, 0, 1, Exact},
		// scipy test_equal_scalar_data: mannwhitneyu(1, 1) is (0.5, 1)
		// both exact and asymptotic (the asymptotic s is 0).
		{"equal scalars exact", []float64{1}, []float64{1}, TwoSided, Exact, 0.5, 1, Exact},
		{"equal scalars asymptotic", []float64{1}, []float64{1}, TwoSided, Asymptotic, 0.5, 1, Asymptotic},
		{"equal scalars auto", []float64{1}, []float64{1}, TwoSided, Auto, 0.5, 1, Asymptotic},
	}
	for _, c := range cases {
		checkMW(t, c, 1e-10, 1e-14)
	}
}

func TestMannWhitneyUScipyTies(t *testing.T) {
	// scipy test_tie_correct (R: wilcox.test(x, y, exact=FALSE)).
	x := []float64{1, 2, 3, 4}
	y0 := []float64{1, 2, 3, 4, 5}
	dy := []float64{0, 1, 0, 1, 0}
	dy2 := []float64{0, 0, 1, 0, 0}
	shift := func(sign float64, d []float64) []float64 {
		out := make([]float64, len(y0))
		for i := range y0 {
			out[i] = y0[i] + sign*d[i]*0.01
		}
		return out
	}
	ones := []float64{1, 1, 1, 1, 1}
	ys := [][]float64{shift(-1, ones), shift(-1, dy), shift(-1, dy2), y0,
		shift(1, dy2), shift(1, dy), shift(1, ones)}
	uWant := []float64{10, 9, 8.5, 8, 7.5, 7, 6}
	pWant := []float64{1, 0.9017048037317, 0.804080657472, 0.7086240584439,
		0.6197963884941, 0.5368784563079, 0.3912672792826}
	for i, y := range ys {
		checkMW(t, mwCase{"tie_correct", x, y, TwoSided, Asymptotic, uWant[i], pWant[i], Asymptotic}, 1e-10, 1e-14)
	}

	// scipy test_gh_11355b: ties and infinities, asymptotic.
	inf := math.Inf(1)
	cases11355 := []struct {
		x, y  []float64
		u1, p float64
	}{
		{[]float64{1, 2, 3, 4}, []float64{3, 6, 7, 8, inf, 3, 2, 1, 4, 4, 5}, 10, 0.1297704873477},
		{[]float64{1, 2, 3, 4}, []float64{3, 6, 7, 8, inf, inf, 2, 1, 4, 4, 5}, 8.5, 0.08735617507695},
		{[]float64{1, 2, inf, 4}, []float64{3, 6, 7, 8, inf, 3, 2, 1, 4, 4, 5}, 17.5, 0.5988856695752},
		{[]float64{1, 2, inf, 4}, []float64{3, 6, 7, 8, inf, inf, 2, 1, 4, 4, 5}, 16, 0.4687165824462},
		{[]float64{1, inf, inf, 4}, []float64{3, 6, 7, 8, inf, inf, 2, 1, 4, 4, 5}, 24.5, 0.7912517950119},
	}
	for _, c := range cases11355 {
		checkMW(t, mwCase{"gh-11355", c.x, c.y, TwoSided, Asymptotic, c.u1, c.p, Asymptotic}, 0, 1e-12)
		// These have ties, so Auto must agree with Asymptotic.
		checkMW(t, mwCase{"gh-11355 auto", c.x, c.y, TwoSided, Auto, c.u1, c.p, Asymptotic}, 0, 1e-12)
	}
}

func TestMannWhitneyUScipyLarge(t *testing.T) {
	// scipy test_mannwhitneyu_one_sided / _two_sided (source of the numbers
	// unknown, per scipy); 30 vs 20, no ties, so Auto is asymptotic.
	X := []float64{19.8958398126694, 19.5452691647182, 19.0577309166425, 21.716543054589,
		20.3269502208702, 20.0009273294025, 19.3440043632957, 20.4216806548105,
		19.0649894736528, 18.7808043120398, 19.3680942943298, 19.4848044069953,
		20.7514611265663, 19.0894948874598, 19.4975522356628, 18.9971170734274,
		20.3239606288208, 20.6921298083835, 19.0724259532507, 18.9825187935021,
		19.5144462609601, 19.8256857844223, 20.5174677102032, 21.1122407995892,
		17.9490854922535, 18.2847521114727, 20.1072217648826, 18.6439891962179,
		20.4970638083542, 19.5567594734914}
	Y := []float64{19.2790668029091, 16.993808441865, 18.5416338448258, 17.2634018833575,
		19.1577183624616, 18.5119655377495, 18.6068455037221, 18.8358343362655,
		19.0366413269742, 18.1135025515417, 19.2201873866958, 17.8344909022841,
		18.2894380745856, 18.6661374133922, 19.9688601693252, 16.0672254617636,
		19.00596360572, 19.201561539032, 19.0487501090183, 19.0847908674356}
	cases := []mwCase{
		{"XY less", X, Y, Less, Auto, 498, 0.999957683256589, Asymptotic},
		{"YX greater", Y, X, Greater, Auto, 102, 0.999957683256589, Asymptotic},
		{"XY greater", X, Y, Greater, Auto, 498, 4.5941632666275e-05, Asymptotic},
		{"YX less", Y, X, Less, Auto, 102, 4.5941632666275e-05, Asymptotic},
		{"XY two-sided", X, Y, TwoSided, Auto, 498, 9.188326533255e-05, Asymptotic},
		{"YX two-sided", Y, X, TwoSided, Auto, 102, 9.188326533255e-05, Asymptotic},
	}
	for _, c := range cases {
		checkMW(t, c, 1e-10, 1e-16)
	}

	// scipy test_mannwhitneyu_ones (gh-1428, R wilcox.test): massive ties.
	x := []float64{1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 2., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 2., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 2.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 2., 1., 1., 1., 1., 2., 1., 1., 2., 1., 1., 2.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 2., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 2., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 2., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 3., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1.}
	y := []float64{1., 1., 1., 1., 1., 1., 1., 2., 1., 2., 1., 1., 1., 1.,
		2., 1., 1., 1., 2., 1., 1., 1., 1., 1., 2., 1., 1., 3.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 2., 1., 2., 1.,
		1., 1., 1., 1., 1., 2., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 2., 1., 1., 1., 1., 1., 2.,
		2., 1., 1., 2., 1., 1., 2., 1., 2., 1., 1., 1., 1., 2.,
		2., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		1., 2., 1., 1., 1., 1., 1., 2., 2., 2., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,
		2., 1., 1., 2., 1., 1., 1., 1., 2., 1., 1., 1., 1., 1.,
		1., 1., 1., 1., 1., 1., 1., 2., 1., 1., 1., 2., 1., 1.,
		1., 1., 1., 1.}
	ones := []mwCase{
		{"ones less", x, y, Less, Auto, 16980.5, 2.8214327656317373e-5, Asymptotic},
		{"ones greater", x, y, Greater, Auto, 16980.5, 0.9999719954296, Asymptotic},
		{"ones two-sided", x, y, TwoSided, Auto, 16980.5, 5.642865531266e-5, Asymptotic},
	}
	for _, c := range ones {
		checkMW(t, c, 1e-7, 0) // scipy checks these at its default rtol 1e-7
	}
}

// bruteForceP enumerates all C(n1+n2, n1) assignments of the ranks 1..n1+n2
// to the first sample and returns P(U ≤ u) and P(U ≥ u) for the U of the
// first sample. Only for n1+n2 ≤ 20.
func bruteForceP(n1, n2 int, u float64) (le, ge float64) {
	n := n1 + n2
	var total, nle, nge int
	for mask := uint32(0); mask < 1<<n; mask++ {
		if bits.OnesCount32(mask) != n1 {
			continue
		}
		rankSum := 0
		for r := 0; r < n; r++ {
			if mask&(1<<r) != 0 {
				rankSum += r + 1
			}
		}
		uu := float64(rankSum - n1*(n1+1)/2)
		total++
		if uu <= u {
			nle++
		}
		if uu >= u {
			nge++
		}
	}
	return float64(nle) / float64(total), float64(nge) / float64(total)
}

// pairU counts U1 directly from its definition (independent of ranking).
func pairU(x, y []float64) float64 {
	var u float64
	for _, a := range x {
		for _, b := range y {
			switch {
			case a > b:
				u++
			case a == b:
				u += 0.5
			}
		}
	}
	return u
}

// TestMannWhitneyUExactBruteForce checks exact p-values, for all three
// alternatives, against enumeration of every rank assignment, on random
// tie-free samples of all sizes with n1+n2 ≤ 14.
func TestMannWhitneyUExactBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n1 := 1; n1 <= 8; n1++ {
		for n2 := 1; n1+n2 <= 14; n2++ {
			for trial := 0; trial < 3; trial++ {
				x := make([]float64, n1)
				y := make([]float64, n2)
				for i := range x {
					x[i] = rng.Float64()
				}
				for i := range y {
					y[i] = rng.Float64() + 0.3*float64(trial) // vary the effect
				}
				u1 := pairU(x, y)
				le, ge := bruteForceP(n1, n2, u1)
				want := map[Alternative]float64{
					TwoSided: math.Min(1, 2*math.Min(le, ge)),
					Greater:  ge,
					Less:     le,
				}
				for alt, p := range want {
					res, err := MannWhitneyU(x, y, alt, Exact)
					if err != nil {
						t.Fatal(err)
					}
					if res.U1 != u1 {
						t.Fatalf("n1=%d n2=%d: U1 = %v, pair count %v", n1, n2, res.U1, u1)
					}
					assertNear(t, "exact p vs enumeration", res.P, p, 1e-12, 1e-15)
				}
			}
		}
	}
}

// TestMWUDistributionTable checks the null CDF against the table of Mann &
// Whitney (1947), p. 52, as transcribed in scipy's test_exact_distribution
// (three decimals, so atol 1e-3; scipy changed one entry, 0.545 → 0.543,
// as a typo). Keys: n (outer), m (inner); the list is P(U ≤ u), u = 0, 1, ….
func TestMWUDistributionTable(t *testing.T) {
	tables := map[int]map[int][]float64{
		3: {1: {0.25, 0.5, 0.75}, 2: {0.1, 0.2, 0.4, 0.6},
			3: {0.05, .1, 0.2, 0.35, 0.5, 0.65}},
		4: {1: {0.2, 0.4, 0.6}, 2: {0.067, 0.133, 0.267, 0.4, 0.6},
			3: {0.028, 0.057, 0.114, 0.2, .314, 0.429, 0.571},
			4: {0.014, 0.029, 0.057, 0.1, 0.171, 0.243, 0.343, 0.443, 0.557}},
		5: {1: {0.167, 0.333, 0.5, 0.667},
			2: {0.047, 0.095, 0.19, 0.286, 0.429, 0.571},
			3: {0.018, 0.036, 0.071, 0.125, 0.196, 0.286, 0.393, 0.5, 0.607},
			4: {0.008, 0.016, 0.032, 0.056, 0.095, 0.143,
				0.206, 0.278, 0.365, 0.452, 0.548},
			5: {0.004, 0.008, 0.016, 0.028, 0.048, 0.075, 0.111,
				0.155, 0.21, 0.274, 0.345, .421, 0.5, 0.579}},
		6: {1: {0.143, 0.286, 0.428, 0.571},
			2: {0.036, 0.071, 0.143, 0.214, 0.321, 0.429, 0.571},
			3: {0.012, 0.024, 0.048, 0.083, 0.131,
				0.19, 0.274, 0.357, 0.452, 0.548},
			4: {0.005, 0.01, 0.019, 0.033, 0.057, 0.086, 0.129,
				0.176, 0.238, 0.305, 0.381, 0.457, 0.543},
			5: {0.002, 0.004, 0.009, 0.015, 0.026, 0.041, 0.063, 0.089,
				0.123, 0.165, 0.214, 0.268, 0.331, 0.396, 0.465, 0.535},
			6: {0.001, 0.002, 0.004, 0.008, 0.013, 0.021, 0.032, 0.047,
				0.066, 0.09, 0.12, 0.155, 0.197, 0.242, 0.294, 0.350,
				0.409, 0.469, 0.531}},
	}
	for n, byM := range tables {
		for m, cdf := range byM {
			for _, sizes := range [][2]int{{m, n}, {n, m}} {
				pmf := mwuPMF(len(cdf)-1, sizes[0], sizes[1])
				var c float64
				for u, want := range cdf {
					c += pmf[u]
					assertNear(t, "table CDF", c, want, 0, 1e-3)
				}
			}
			// P(U ≥ k) + P(U ≤ k−1) = 1, and symmetry P(U ≥ k) = P(U ≤ mn−k).
			mn := m * n
			full := mwuPMF(mn, m, n)
			for k := 0; k <= mn; k++ {
				var below float64
				for u := 0; u < k; u++ {
					below += full[u]
				}
				assertNear(t, "sf + cdf", mwuSF(k, m, n)+below, 1, 0, 1e-14)
				assertNear(t, "pmf symmetry", full[k], full[mn-k], 0, 1e-15)
			}
		}
	}
}

// TestMannWhitneyUAsymptoticHand checks the asymptotic p-value against the
// formula written out independently (pairwise U, tie counts by map).
func TestMannWhitneyUAsymptoticHand(t *testing.T) {
	// scipy doc: z = (U − nx·ny/2 + 0.5)/sqrt(nx·ny·(N+1)/12) with
	// U = min(U1, U2) = 3, nx = 5, ny = 4: z = −6.5/sqrt(200/12).
	z := -6.5 / math.Sqrt(200.0/12)
	p := 2 * 0.5 * math.Erfc(-z/math.Sqrt2)
	assertNear(t, "doc hand formula", p, 0.11134688653314041, 1e-13, 0)

	hand := func(x, y []float64) float64 {
		n1, n2 := float64(len(x)), float64(len(y))
		n := n1 + n2
		counts := map[float64]float64{}
		for _, v := range append(append([]float64{}, x...), y...) {
			counts[v]++
		}
		var tie float64
		for _, c := range counts {
			tie += c*c*c - c
		}
		sigma := math.Sqrt(n1 * n2 / 12 * ((n + 1) - tie/(n*(n-1))))
		d := math.Abs(pairU(x, y)-n1*n2/2) - 0.5
		if d < 0 {
			d = 0
		}
		return math.Min(1, math.Erfc(d/sigma/math.Sqrt2))
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 50; trial++ {
		n1, n2 := 1+rng.IntN(15), 1+rng.IntN(15)
		x := make([]float64, n1)
		y := make([]float64, n2)
		for i := range x {
			x[i] = float64(rng.IntN(6)) // integer values: many ties
		}
		for i := range y {
			y[i] = float64(rng.IntN(6) + rng.IntN(2))
		}
		res, err := MannWhitneyU(x, y, TwoSided, Asymptotic)
		if err != nil {
			t.Fatal(err)
		}
		if allEqual(x, y) {
			assertNear(t, "all tied", res.P, 1, 0, 0)
			continue
		}
		assertNear(t, "asymptotic vs hand", res.P, hand(x, y), 1e-12, 1e-15)
	}
}

func allEqual(x, y []float64) bool {
	for _, v := range append(append([]float64{}, x...), y...) {
		if v != x[0] {
			return false
		}
	}
	return true
}

// TestMannWhitneyUAutoSwitch pins the switch point of Auto: exact when
// min(n1, n2) ≤ 8 and no ties, asymptotic when both exceed 8 or any value
// is repeated (in either sample or across them).
func TestMannWhitneyUAutoSwitch(t *testing.T) {
	seq := func(start float64, n int, step float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = start + step*float64(i)
		}
		return out
	}
	cases := []struct {
		name string
		x, y []float64
		want Method
	}{
		{"8 vs 8", seq(0, 8, 1), seq(100, 8, 1.5), Exact},
		{"8 vs 9", seq(0, 8, 1), seq(3.25, 9, 1.1), Exact},
		{"9 vs 8", seq(0, 9, 1), seq(3.25, 8, 1.1), Exact},
		{"8 vs 40", seq(0, 8, 1), seq(0.01, 40, 0.37), Exact},
		{"9 vs 9", seq(0, 9, 1), seq(3.25, 9, 1.1), Asymptotic},
		{"10 vs 10", seq(0, 10, 1), seq(3.25, 10, 1.1), Asymptotic},
		{"8 vs 8 tie across", seq(0, 8, 1), seq(3, 8, 1), Asymptotic},
		{"8 vs 8 tie within x", []float64{1, 1, 2, 3, 4, 5, 6, 7}, seq(10, 8, 1), Asymptotic},
		{"1 vs 1 tie", []float64{4}, []float64{4}, Asymptotic},
		{"1 vs 30", []float64{0.5}, seq(0, 30, 1), Exact},
	}
	for _, c := range cases {
		auto, err := MannWhitneyU(c.x, c.y, TwoSided, Auto)
		if err != nil {
			t.Fatal(c.name, err)
		}
		if auto.Method != c.want {
			t.Errorf("%s: Auto chose %v, want %v", c.name, auto.Method, c.want)
		}
		explicit, err := MannWhitneyU(c.x, c.y, TwoSided, c.want)
		if err != nil {
			t.Fatal(c.name, err)
		}
		if auto != explicit {
			t.Errorf("%s: Auto %+v != explicit %+v", c.name, auto, explicit)
		}
	}

	// 8 vs 8 and 9 vs 9 give different p-values by method, so the switch
	// is observable. 8 vs 8 with complete separation: exact two-sided
	// p = 2/C(16,8) = 2/12870.
	res, _ := MannWhitneyU(seq(0, 8, 1), seq(100, 8, 1), TwoSided, Auto)
	assertNear(t, "8 vs 8 separated", res.P, 2.0/12870, 1e-13, 0)
	// 9 vs 9 separated: U1 = 0, s = sqrt(81·19/12), z = (0 − 40.5 + 0.5)/s.
	res, _ = MannWhitneyU(seq(0, 9, 1), seq(100, 9, 1), TwoSided, Auto)
	z := -40.0 / math.Sqrt(81.0*19/12)
	assertNear(t, "9 vs 9 separated", res.P, math.Erfc(-z/math.Sqrt2), 1e-13, 0)
}

func TestMannWhitneyUEdgeCases(t *testing.T) {
	// All observations equal: U1 = n1·n2/2, P = 1 for every alternative and
	// method (exact: ⌊U⌋ = 3 for sizes 3, 2 gives P(U ≥ 3) = 0.6, doubled
	// and capped for TwoSided).
	for _, alt := range []Alternative{TwoSided, Less, Greater} {
		checkMW(t, mwCase{"all equal", []float64{3, 3, 3}, []float64{3, 3}, alt, Auto, 3, 1, Asymptotic}, 0, 0)
	}
	checkMW(t, mwCase{"all equal exact", []float64{3, 3, 3}, []float64{3, 3}, TwoSided, Exact, 3, 1, Exact}, 0, 0)
	checkMW(t, mwCase{"all equal exact greater", []float64{3, 3, 3}, []float64{3, 3}, Greater, Exact, 3, 0.6, Exact}, 0, 1e-15)

	// Exact requested with ties: U is truncated as SciPy does. x = {1, 2},
	// y = {2, 3, 4}: U1 = 0.5, U2 = 5.5. Null counts for sizes 2, 3 at
	// U = 0..6 are 1,1,2,2,2,1,1 (of 10). TwoSided uses ⌊5.5⌋ = 5:
	// 2·P(U ≥ 5) = 2·2/10 = 0.4 (not 2·P(U ≥ 6) = 0.2). Less uses U2:
	// P(U ≥ 5) = 0.2; Greater uses U1: P(U ≥ 0) = 1.
	tx, ty := []float64{1, 2}, []float64{2, 3, 4}
	checkMW(t, mwCase{"exact ties two-sided", tx, ty, TwoSided, Exact, 0.5, 0.4, Exact}, 1e-14, 0)
	checkMW(t, mwCase{"exact ties less", tx, ty, Less, Exact, 0.5, 0.2, Exact}, 1e-14, 0)
	checkMW(t, mwCase{"exact ties greater", tx, ty, Greater, Exact, 0.5, 1, Exact}, 1e-14, 0)

	// n = 1 against a larger sample, no ties: U1 = 0 for x below all 5
	// values of y; P(U = 0) = 1/6, two-sided 2/6.
	checkMW(t, mwCase{"n1 = 1", []float64{0}, []float64{1, 2, 3, 4, 5}, TwoSided, Auto, 0, 1.0 / 3, Exact}, 1e-14, 0)

	// Errors.
	for _, c := range []struct {
		name string
		x, y []float64
		want error
	}{
		{"empty x", nil, []float64{1}, ErrEmpty},
		{"empty y", []float64{1}, []float64{}, ErrEmpty},
		{"both empty", nil, nil, ErrEmpty},
		{"NaN in y", []float64{1}, []float64{math.NaN()}, ErrNaN},
	} {
		if _, err := MannWhitneyU(c.x, c.y, TwoSided, Auto); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	big := make([]float64, 201)
	for i := range big {
		big[i] = float64(i)
	}
	if _, err := MannWhitneyU(big, big[:200], TwoSided, Exact); !errors.Is(err, ErrExactTooLarge) {
		t.Errorf("201×200 exact: err = %v, want ErrExactTooLarge", err)
	}
	if _, err := MannWhitneyU(big, big[:200], TwoSided, Auto); err != nil {
		t.Errorf("201×200 auto: %v", err)
	}
	mustPanic(t, "bad method", func() { MannWhitneyU([]float64{1}, []float64{2}, TwoSided, Method(9)) })
	mustPanic(t, "bad alternative", func() { MannWhitneyU([]float64{1}, []float64{2}, Alternative(9), Auto) })

	// Inputs are not modified.
	x := []float64{3, 1, 2}
	y := []float64{0.5, 2.5}
	MannWhitneyU(x, y, TwoSided, Auto)
	if x[0] != 3 || x[1] != 1 || x[2] != 2 || y[0] != 0.5 || y[1] != 2.5 {
		t.Errorf("inputs modified: %v %v", x, y)
	}
}

// TestMannWhitneyUExactLarge checks that the exact distribution at the
// MaxExactCells bound is computed and close to the asymptotic one (scipy's
// test_asymptotic_behavior: they agree within 1e-3 at 40 vs 40).
func TestMannWhitneyUExactLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{40, 200} {
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			x[i] = rng.Float64()
			y[i] = rng.Float64() + 0.05
		}
		e, err := MannWhitneyU(x, y, TwoSided, Exact)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := MannWhitneyU(x, y, TwoSided, Asymptotic)
		if math.Abs(e.P-a.P) > 1e-3 || e.P <= 0 || e.P > 1 {
			t.Errorf("n=%d: exact %v vs asymptotic %v", n, e.P, a.P)
		}
	}
}
