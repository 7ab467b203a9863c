package stats

import (
	"slices"

	"github.com/encephagen/encephagen/engine/rng"
)

// RoundCentred is the result of RoundCentredLOO.
type RoundCentred struct {
	// Accuracy is the leave-one-out nearest-centroid accuracy (cosine)
	// after each round's mean vector is subtracted from its vectors.
	Accuracy float64
	// ChanceMean and ChanceHigh are the mean and the 95th percentile of
	// the same accuracy with the labels shuffled within every round.
	ChanceMean, ChanceHigh float64
	// P is the permutation p-value (1 + #{shuffled ≥ Accuracy})/(1 + shuffles).
	P float64
}

// RoundCentredLOO is a discrimination score that slow drifts between test
// rounds cannot produce. Exp 22's test presents every pattern once per
// round; when most of the responses' variance lies between rounds (the
// readout's rate wanders over seconds), plain leave-one-out
// (NearestCentroidLOO) measures the drift, not the patterns, and scores
// below chance with no pattern signal at all. Here each round's mean
// vector is subtracted from the vectors of that round first; chance is
// measured, not assumed, by shuffling the labels within every round
// (which keeps each round's label multiset) shuffles times with a
// generator seeded with seed.
//
// It panics if labels, rounds and vectors differ in length or the vectors
// are ragged. Errors are NearestCentroidLOO's; shuffles must be ≥ 1.
func RoundCentredLOO(vectors [][]float64, labels, rounds []int, shuffles int, seed uint64) (RoundCentred, error) {
	if len(labels) != len(vectors) || len(rounds) != len(vectors) {
		panic("stats: labels, rounds and vectors differ in length")
	}
	if shuffles < 1 {
		return RoundCentred{}, ErrTooFew
	}
	dim, err := checkVectors(vectors)
	if err != nil {
		return RoundCentred{}, err
	}
	order, members := classIndex(rounds)
	centred := make([][]float64, len(vectors))
	mean := make([]float64, dim)
	for _, r := range order {
		centroidOf(mean, vectors, members[r], -1)
		for _, i := range members[r] {
			centred[i] = make([]float64, dim)
			for k, x := range vectors[i] {
				centred[i][k] = x - mean[k]
			}
		}
	}
	acc, err := NearestCentroidLOO(centred, labels)
	if err != nil {
		return RoundCentred{}, err
	}
	st := rng.New(seed, 0x70756e64)
	shuffled := slices.Clone(labels)
	chance := make([]float64, shuffles)
	atLeast := 0
	for s := range chance {
		for _, r := range order {
			idx := members[r]
			for i := len(idx) - 1; i > 0; i-- {
				j := st.Intn(i + 1)
				shuffled[idx[i]], shuffled[idx[j]] = shuffled[idx[j]], shuffled[idx[i]]
			}
		}
		chance[s], _ = NearestCentroidLOO(centred, shuffled)
		if chance[s] >= acc {
			atLeast++
		}
	}
	res := RoundCentred{Accuracy: acc, P: float64(1+atLeast) / float64(1+shuffles)}
	for _, c := range chance {
		res.ChanceMean += c
	}
	res.ChanceMean /= float64(shuffles)
	slices.Sort(chance)
	res.ChanceHigh = chance[min(shuffles-1, int(0.95*float64(shuffles)))]
	return res, nil
}
