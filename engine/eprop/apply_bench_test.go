package eprop

import (
	"math/rand"
	"testing"
)

// BenchmarkWeightPass is the weight update alone over 2.4 M synapses (the
// size of TVB96 at npr 200), without a brain.
func BenchmarkWeightPass(b *testing.B) {
	const M = 2400000
	W := make([]float32, M)
	E := make([]float32, M)
	for i := range W {
		W[i] = float32(rand.Float64()*4 - 1)
		E[i] = float32(rand.Float64() * 0.01)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		acc := weightUpdate{u: Update{Factor: 0.1}, lo: -15, hi: 15}
		acc.apply(W, E)
	}
}
