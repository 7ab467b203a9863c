package simd

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkALIFLoops times ALIF e-prop's loops alone at the size of TVB96
// at 200 neurons per region (19,200 neurons, 124 synapses each at random,
// blocks of 248 steps: what engine/eprop chooses there), each in ns per
// simulated step (the pass: per block, divided by its steps). Whole-step
// benchmarks (engine/eprop) cannot resolve a few µs on a busy machine;
// these can, and they bound what the learner can cost per step.
func BenchmarkALIFLoops(b *testing.B) {
	const N, fanout, B = 19200, 124, 248
	r := rand.New(rand.NewPCG(1, 2))
	preV, theta := make([]float32, N), make([]float32, N)
	for i := range preV {
		preV[i] = r.Float32() * 20
		theta[i] = 20 + r.Float32()
	}
	hist := make([]float32, N*B)
	for m := 0; m < B; m++ {
		ALIFPsi(hist[m*N:(m+1)*N], preV, theta, 0.5, 1.0/20)
	}
	an := make([]float64, B)
	for m := range an {
		an[m] = 1 - float64(m+1)*0.005
	}
	f := [4][]float64{make([]float64, N), make([]float64, N), make([]float64, N), make([]float64, N)}
	// Φ and Λ start each block at the identity, as in the learner (not
	// reset, their products would fall into subnormals and time those).
	identity := func() {
		clear(f[0])
		clear(f[2])
		clear(f[3])
		for j := range f[1] {
			f[1][j] = 1
		}
	}
	perStep := func(b *testing.B, steps int, start time.Time) {
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*steps), "ns/step")
	}
	b.Run("psi", func(b *testing.B) {
		t := time.Now()
		for i := 0; i < b.N; i++ {
			m := i % B
			ALIFPsi(hist[m*N:(m+1)*N], preV, theta, 0.5, 1.0/20)
		}
		perStep(b, 1, t)
	})
	b.Run("forward", func(b *testing.B) {
		t := time.Now()
		for i := 0; i < b.N; i++ {
			identity()
			ALIFForward(hist, N, an, f[0], f[1], f[2], f[3], 0.998, 0.9995, 1.6, 0.3, 0.7)
		}
		perStep(b, B, t)
	})
	b.Run("backward", func(b *testing.B) {
		t := time.Now()
		for i := 0; i < b.N; i++ {
			identity()
			for m := B - 1; m >= 0; m-- {
				ALIFBackward(hist[m*N:(m+1)*N], f[0], f[1], f[2], f[3], 0.995, 0.9995, 1.6, 0.001, 0.002)
			}
		}
		perStep(b, B, t)
	})
	b.Run("pass", func(b *testing.B) {
		posts := make([]uint32, N*fanout)
		for s := range posts {
			posts[s] = uint32(r.IntN(N))
		}
		eps, el := make([]float32, len(posts)), make([]float32, len(posts))
		phi := make([][4]float64, N)
		for j := range phi {
			phi[j] = [4]float64{0.1, 0.5, 0.01, 0.2}
		}
		t := time.Now()
		for i := 0; i < b.N; i++ {
			for n := 0; n < N; n++ {
				s0, s1 := n*fanout, (n+1)*fanout
				ALIFPass(posts[s0:s1], eps[s0:s1], el[s0:s1], phi, 0.01, 0.9)
			}
		}
		perStep(b, B, t)
	})
}
