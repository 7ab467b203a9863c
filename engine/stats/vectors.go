package stats

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// ParticipationRatio returns the participation ratio (Σλ)²/Σλ² of the
// eigenvalues λ of the covariance matrix of the observations: rows[i] is one
// observation (e.g. the 96 region rates of one trial) and columns are
// variables. It is the effective dimensionality of Exp 23: between 1 (all
// variance along one direction) and the number of variables (isotropic).
//
// The covariance is stat.CovarianceMatrix's (ddof = 1); the ratio does not
// depend on the ddof, as scaling every eigenvalue leaves it unchanged. It
// is computed from the identities Σλ = tr C and Σλ² = tr C² = ‖C‖²_F (C is
// symmetric), which equal what an eigendecomposition (mat.EigenSym) gives
// without its rounding or failure modes; the tests check the two agree.
//
// If no variable varies (every row is the same), C = 0 and the ratio is
// 0/0; ParticipationRatio then returns 0 (no dimension of variation).
//
// It panics if the rows are ragged. Errors: ErrEmpty for no rows or no
// columns, ErrTooFew for a single row, ErrNaN or ErrInf for a non-finite
// value.
func ParticipationRatio(rows [][]float64) (float64, error) {
	dim, err := checkVectors(rows)
	if err != nil {
		return 0, err
	}
	if len(rows) < 2 {
		return 0, ErrTooFew
	}
	x := mat.NewDense(len(rows), dim, nil)
	varies := false
	col := make([]float64, len(rows))
	for j := 0; j < dim; j++ {
		for i, r := range rows {
			col[i] = r[j]
		}
		if isConstant(col) {
			// Set exactly constant columns to 0 so that rounding in the
			// column mean cannot give them a spurious variance.
			continue
		}
		varies = true
		x.SetCol(j, col)
	}
	if !varies {
		return 0, nil
	}
	var c mat.SymDense
	stat.CovarianceMatrix(&c, x, nil)
	var trace, frob2 float64
	for i := 0; i < dim; i++ {
		trace += c.At(i, i)
		for j := 0; j < dim; j++ {
			v := c.At(i, j)
			frob2 += v * v
		}
	}
	if frob2 == 0 {
		// Only reachable if every variance underflows.
		return 0, nil
	}
	return trace * trace / frob2, nil
}

// FisherRatio returns the between-class over within-class sum of squares
// of labelled vectors, as in ANOVA:
//
//	between = Σ_c n_c ‖μ_c − μ‖²,  within = Σ_i ‖v_i − μ_{label(i)}‖²,
//
// where μ_c is the mean of the n_c vectors of class c and μ the mean of all
// vectors. (between + within is the total sum of squares Σ_i ‖v_i − μ‖².)
//
// When within = 0 (every vector equals its class mean) the ratio is +Inf if
// between > 0 and 0 if between = 0 too (all vectors identical); it is never
// NaN. A single class gives between = 0, so the ratio is 0.
//
// It panics if len(labels) != len(vectors) or the vectors are ragged.
// Errors: ErrEmpty for no vectors or zero-length vectors, ErrNaN or ErrInf
// for a non-finite component.
func FisherRatio(vectors [][]float64, labels []int) (float64, error) {
	if len(labels) != len(vectors) {
		panic("stats: len(labels) != len(vectors)")
	}
	dim, err := checkVectors(vectors)
	if err != nil {
		return 0, err
	}
	order, classes := classIndex(labels)
	grand := make([]float64, dim)
	for _, v := range vectors {
		for k, x := range v {
			grand[k] += x
		}
	}
	for k := range grand {
		grand[k] /= float64(len(vectors))
	}
	var between, within float64
	centroid := make([]float64, dim)
	for _, label := range order { // a fixed order: the sums are reproducible
		members := classes[label]
		centroidOf(centroid, vectors, members, -1)
		for k := range centroid {
			d := centroid[k] - grand[k]
			between += float64(len(members)) * d * d
		}
		for _, i := range members {
			for k, x := range vectors[i] {
				d := x - centroid[k]
				within += d * d
			}
		}
	}
	if within == 0 {
		if between > 0 {
			return math.Inf(1), nil
		}
		return 0, nil
	}
	return between / within, nil
}

// NearestCentroidLOO returns the leave-one-out accuracy of a nearest-
// centroid classifier with cosine similarity, the `discrim` metric of
// Exp 22. For each vector i in turn: the centroid (component-wise mean) of
// every class is computed from the other vectors; a class that has no other
// vector is skipped; the prediction is the class whose centroid has the
// highest Cosine similarity with vector i, ties going to the lowest label.
// The accuracy is the fraction of vectors whose prediction is their label.
//
// Labels are arbitrary ints. Cosine's convention applies to zero vectors and
// zero centroids (similarity 0).
//
// It panics if len(labels) != len(vectors) or the vectors are ragged.
// Errors: ErrEmpty for no vectors or zero-length vectors, ErrTooFew for a
// single vector (nothing is left to classify it by), ErrNaN or ErrInf for a
// non-finite component.
func NearestCentroidLOO(vectors [][]float64, labels []int) (float64, error) {
	if len(labels) != len(vectors) {
		panic("stats: len(labels) != len(vectors)")
	}
	dim, err := checkVectors(vectors)
	if err != nil {
		return 0, err
	}
	if len(vectors) < 2 {
		return 0, ErrTooFew
	}
	order, classes := classIndex(labels)

	centroid := make([]float64, dim)
	correct := 0
	for i, v := range vectors {
		best, bestSim, found := 0, 0.0, false
		for _, label := range order {
			if centroidOf(centroid, vectors, classes[label], i) == 0 {
				continue
			}
			sim := cosine(v, centroid)
			if !found || sim > bestSim {
				best, bestSim, found = label, sim, true
			}
		}
		if best == labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(vectors)), nil
}

// classIndex maps each label to the indices having it, in index order,
// and lists the labels in ascending order (iterate that, not the map, so
// that sums over classes come out the same every time).
func classIndex(labels []int) (order []int, members map[int][]int) {
	members = make(map[int][]int)
	for i, l := range labels {
		if _, ok := members[l]; !ok {
			order = append(order, l)
		}
		members[l] = append(members[l], i)
	}
	sort.Ints(order)
	return order, members
}

// centroidOf stores in dst the mean of vectors[members], leaving out index
// skip, summing in index order, and returns how many vectors it averaged.
// dst is unspecified when that count is 0.
func centroidOf(dst []float64, vectors [][]float64, members []int, skip int) int {
	for k := range dst {
		dst[k] = 0
	}
	n := 0
	for _, i := range members {
		if i == skip {
			continue
		}
		for k, x := range vectors[i] {
			dst[k] += x
		}
		n++
	}
	if n > 0 {
		for k := range dst {
			dst[k] /= float64(n)
		}
	}
	return n
}

// BenjaminiHochberg returns the Benjamini–Hochberg adjusted p-values of p,
// in the order of p, as scipy.stats.false_discovery_control(p, method="bh")
// and statsmodels' multipletests(p, method="fdr_bh") compute them: with
// p₍₁₎ ≤ … ≤ p₍ₘ₎ sorted and m = len(p),
//
//	adj₍ᵢ₎ = min(1, min_{j ≥ i} p₍ⱼ₎ · m/j),
//
// so the adjusted values are monotone in the raw ones and at most 1. A
// hypothesis is rejected at false discovery rate q when its adjusted value
// is ≤ q. An empty p gives an empty (non-nil) result; p is not modified.
//
// It panics if a p-value is NaN or outside [0, 1]: p-values come from tests,
// so such a value is a programmer error.
func BenjaminiHochberg(p []float64) []float64 {
	for _, v := range p {
		if !(v >= 0 && v <= 1) {
			panic("stats: p-value not in [0, 1]")
		}
	}
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] < p[order[b]] })
	adj := make([]float64, m)
	running := 1.0
	for r := m - 1; r >= 0; r-- {
		i := order[r]
		v := p[i] * (float64(m) / float64(r+1))
		running = math.Min(running, v)
		adj[i] = running
	}
	return adj
}
