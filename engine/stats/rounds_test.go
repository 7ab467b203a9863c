package stats

import (
	"math"
	"testing"

	"github.com/encephagen/encephagen/engine/rng"
)

// Responses made of a large per-round drift plus a small per-pattern
// signal: plain LOO is fooled by the drift, the round-centred score finds
// the patterns; with no signal it sits at its measured chance level.
func roundData(signal float64, seed uint64) (vectors [][]float64, labels, rounds []int) {
	st := rng.New(seed)
	const nRounds, nPatterns, dim = 5, 5, 12
	proto := make([][]float64, nPatterns)
	for p := range proto {
		proto[p] = make([]float64, dim)
		for k := range proto[p] {
			proto[p][k] = st.Normal()
		}
	}
	for r := 0; r < nRounds; r++ {
		drift := make([]float64, dim)
		for k := range drift {
			drift[k] = 50 + 20*st.Normal()
		}
		for p := 0; p < nPatterns; p++ {
			v := make([]float64, dim)
			for k := range v {
				v[k] = drift[k] + signal*proto[p][k] + 0.3*st.Normal()
			}
			vectors = append(vectors, v)
			labels = append(labels, p)
			rounds = append(rounds, r)
		}
	}
	return vectors, labels, rounds
}

func TestRoundCentredFindsSignalUnderDrift(t *testing.T) {
	v, l, r := roundData(3, 1)
	plain, err := NearestCentroidLOO(v, l)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := RoundCentredLOO(v, l, r, 500, 7)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Accuracy < 0.9 || rc.P > 0.01 {
		t.Errorf("round-centred accuracy %v (p %v) with a clear signal", rc.Accuracy, rc.P)
	}
	if plain > 0.5 {
		t.Errorf("plain LOO %v: the drift should fool it (the test data is wrong)", plain)
	}
	if math.Abs(rc.ChanceMean-0.2) > 0.1 || rc.ChanceHigh < rc.ChanceMean {
		t.Errorf("chance %v (95th pct %v), expected near 0.2", rc.ChanceMean, rc.ChanceHigh)
	}
	t.Logf("plain %.2f, round-centred %.2f, chance %.3f (95th %.2f), p %.4f", plain, rc.Accuracy, rc.ChanceMean, rc.ChanceHigh, rc.P)
}

func TestRoundCentredNoSignalIsChance(t *testing.T) {
	hits := 0
	for seed := uint64(0); seed < 40; seed++ {
		v, l, r := roundData(0, seed)
		rc, err := RoundCentredLOO(v, l, r, 200, seed)
		if err != nil {
			t.Fatal(err)
		}
		if rc.P <= 0.05 {
			hits++
		}
	}
	// Under the null, p ≤ 0.05 about 5 % of the time: 2 of 40; 8 would be
	// a broken test (P(≥ 8 | 0.05) < 0.001).
	if hits >= 8 {
		t.Fatalf("%d of 40 null data sets significant at 0.05", hits)
	}
}

func TestRoundCentredDeterministicAndChecked(t *testing.T) {
	v, l, r := roundData(1, 3)
	a, _ := RoundCentredLOO(v, l, r, 100, 5)
	b, _ := RoundCentredLOO(v, l, r, 100, 5)
	if a != b {
		t.Fatal("same seed, different results")
	}
	if _, err := RoundCentredLOO(v, l, r, 0, 5); err == nil {
		t.Fatal("0 shuffles accepted")
	}
}
