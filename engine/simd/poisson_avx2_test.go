//go:build goexperiment.simd && amd64

package simd

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// table is engine/rng.NewPoisson's inverse CDF (repeated here: simd
// cannot import rng, which uses it).
func table(lambda float64) []uint32 {
	var t []uint32
	p := math.Exp(-lambda)
	c := 0.0
	for k := 0; ; k++ {
		c += p
		v := c * (1 << 32)
		if v >= (1<<32)-1 || k > 1000 {
			return append(t, math.MaxUint32)
		}
		t = append(t, uint32(v))
		p *= lambda / float64(k+1)
	}
}

func TestPoissonVectorMatchesGo(t *testing.T) {
	if !avx2 {
		t.Skip("no AVX2 on this processor: the vector loops never run here")
	}
	const inc, mix = 0xa0761d6478bd642f, 0xe7037ed1a0b428db
	r := rand.New(rand.NewPCG(7, 8))
	tails := 0
	for _, lambda := range []float64{0, 1e-12, 0.175, 0.9, 3, 20} {
		tab := table(lambda)
		for trial := 0; trial < 200; trial++ {
			n := r.IntN(40)
			if trial%10 == 0 {
				n = 200
			}
			s0 := r.Uint64()
			g, v := make([]int32, n), make([]int32, n)
			sg, sv := s0, s0
			poissonCountsGo(g, &sg, inc, mix, tab)
			poissonCountsAVX2(v, &sv, inc, mix, tab)
			if !slices.Equal(g, v) || sg != sv {
				t.Fatalf("λ %v, n %d: Go %v (state %#x), vector %v (state %#x)", lambda, n, g, sg, v, sv)
			}
			for _, c := range g {
				if c >= 2 {
					tails++
				}
			}
		}
	}
	if tails == 0 {
		t.Fatal("no count ≥ 2 drawn: the table walk went untested")
	}
}
