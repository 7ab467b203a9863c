//go:build goexperiment.simd && amd64

package simd

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// special are values the loops must treat exactly as the plain loops do.
var special = []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, -1e-45, 20, 19.999998, 20.000002}

// draw fills x with values around the threshold (v_th = 20), a few of
// them special.
func draw(r *rand.Rand, x []float32, scale float32) {
	for i := range x {
		x[i] = (r.Float32()*1.6 - 0.3) * scale
		if r.IntN(12) == 0 {
			x[i] = special[r.IntN(len(special))]
		}
	}
}

func sameBits(t *testing.T, what string, a, b []float32) {
	t.Helper()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("%s[%d]: Go %v (%#x), vector %v (%#x)", what, i, a[i], math.Float32bits(a[i]), b[i], math.Float32bits(b[i]))
		}
	}
}

func TestVectorMatchesGo(t *testing.T) {
	eachTrial(t, 1, 400, func(r *rand.Rand, trial, n int) {
		arrays := func() [][]float32 {
			a := make([][]float32, 7) // V, ISyn, INMDA, Refrac, A, preV, theta
			for k := range a {
				a[k] = make([]float32, n)
			}
			draw(r, a[0], 20)
			draw(r, a[1], 30)
			draw(r, a[2], 5)
			draw(r, a[3], 2)
			draw(r, a[4], 3)
			for i := range a[3] { // most neurons not refractory
				if r.IntN(3) > 0 {
					a[3][i] = 0
				}
			}
			return a
		}
		in := arrays()
		plastic := trial%3 != 0
		clone := func() [][]float32 {
			c := make([][]float32, len(in))
			for k := range in {
				c[k] = slices.Clone(in[k])
			}
			if !plastic {
				c[5], c[6] = nil, nil
			}
			return c
		}
		const dtOverTau, vth, vreset, tref, dt, beta, rho = 0.05, 20, 0, 2, 0.1, 1.6, 0.9995
		g, v := clone(), clone()
		sg := membraneLIFGo(g[0], g[1], g[2], g[3], g[5], 7, nil, dtOverTau, vth, vreset, tref, dt)
		sv := membraneLIFAVX2(v[0], v[1], v[2], v[3], v[5], 7, nil, dtOverTau, vth, vreset, tref, dt)
		if !slices.Equal(sg, sv) {
			t.Fatalf("LIF trial %d: spikes Go %v, vector %v", trial, sg, sv)
		}
		for k, name := range []string{"V", "ISyn", "INMDA", "Refrac", "A", "preV", "theta"} {
			sameBits(t, "LIF "+name, g[k], v[k])
		}
		g, v = clone(), clone()
		sg = membraneALIFGo(g[0], g[1], g[2], g[3], g[4], g[5], g[6], 7, nil, dtOverTau, vth, beta, rho, tref, dt)
		sv = membraneALIFAVX2(v[0], v[1], v[2], v[3], v[4], v[5], v[6], 7, nil, dtOverTau, vth, beta, rho, tref, dt)
		if !slices.Equal(sg, sv) {
			t.Fatalf("ALIF trial %d: spikes Go %v, vector %v", trial, sg, sv)
		}
		for k, name := range []string{"V", "ISyn", "INMDA", "Refrac", "A", "preV", "theta"} {
			sameBits(t, "ALIF "+name, g[k], v[k])
		}

		S := make([]float64, n)
		for j := range S {
			S[j] = r.Float64()
		}
		Sg, Sv := slices.Clone(S), slices.Clone(S)
		var theta []float32
		if plastic {
			theta = in[6]
		}
		addSurrogateGo(Sg, in[0], theta, 0.3, vth, 0.3/vth)
		addSurrogateAVX2(Sv, in[0], theta, 0.3, vth, 0.3/vth)
		for j := range Sg {
			if math.Float64bits(Sg[j]) != math.Float64bits(Sv[j]) {
				t.Fatalf("surrogate trial %d, [%d] (v %v): Go %v, vector %v", trial, j, in[0][j], Sg[j], Sv[j])
			}
		}
	})
}

func TestALIFVectorMatchesGo(t *testing.T) {
	eachTrial(t, 3, 300, func(r *rand.Rand, trial, n int) {
		preV, theta := make([]float32, n), make([]float32, n)
		draw(r, preV, 20)
		draw(r, theta, 25)
		rg, rv := make([]float32, n), make([]float32, n)
		alifPsiGo(rg, preV, theta, 0.5, 1.0/20)
		alifPsiAVX2(rv, preV, theta, 0.5, 1.0/20)
		sameBits(t, "psi", rg, rv)
		row := rg
		if trial%4 == 0 { // the maps on any ψ, not only valid ones
			row = make([]float32, n)
			draw(r, row, 0.6)
		}
		a := [][]float64{normals(r, n), normals(r, n), normals(r, n), normals(r, n)}
		clone := func() [][]float64 {
			c := make([][]float64, 4)
			for k := range a {
				c[k] = slices.Clone(a[k])
			}
			return c
		}
		g, v := clone(), clone()
		// One step here; several in TestALIFForwardStepsMatchesGo.
		alifForwardGo(row, n, []float64{0.99}, g[0], g[1], g[2], g[3], 0.998, 0.9995, 1.6, 0.3, 0.7)
		alifForwardAVX2(row, n, []float64{0.99}, v[0], v[1], v[2], v[3], 0.998, 0.9995, 1.6, 0.3, 0.7)
		sameBits64(t, "forward", g, v)
		g, v = clone(), clone()
		alifBackwardGo(row, g[0], g[1], g[2], g[3], 0.99, 0.9995, 1.6, 0.01, 0.02)
		alifBackwardAVX2(row, v[0], v[1], v[2], v[3], 0.99, 0.9995, 1.6, 0.01, 0.02)
		sameBits64(t, "backward", g, v)
	})
}

// TestALIFForwardStepsMatchesGo: the forward maps of several steps at
// once (four neurons kept in registers through all of them) give the bits
// of the plain loop, which takes one step at a time over every neuron; for
// any number of neurons, steps and a row stride longer than the neurons.
func TestALIFForwardStepsMatchesGo(t *testing.T) {
	eachTrial(t, 4, 300, func(r *rand.Rand, trial, n int) {
		steps := 1 + r.IntN(40)
		stride := n + r.IntN(9)
		hist := make([]float32, steps*stride)
		draw(r, hist, 0.6)
		an := make([]float64, steps)
		for m := range an {
			an[m] = math.Pow(0.995, float64(m+1))
		}
		a := [][]float64{normals(r, n), normals(r, n), normals(r, n), normals(r, n)}
		g, v := make([][]float64, 4), make([][]float64, 4)
		for k := range a {
			g[k], v[k] = slices.Clone(a[k]), slices.Clone(a[k])
		}
		alifForwardGo(hist, stride, an, g[0], g[1], g[2], g[3], 0.998, 0.9995, 1.6, 0.3, 0.7)
		ALIFForward(hist, stride, an, v[0], v[1], v[2], v[3], 0.998, 0.9995, 1.6, 0.3, 0.7)
		// Over several steps a NaN can meet a NaN, and which payload wins
		// depends on the operand order the compiler picks: any NaN is NaN.
		for k := range g {
			for i := range g[k] {
				if math.IsNaN(g[k][i]) && math.IsNaN(v[k][i]) {
					g[k][i], v[k][i] = 0, 0
				}
			}
		}
		sameBits64(t, "forward", g, v)
	})
}

// TestALIFPassMatchesGo: the block pass over a row of synapses, with
// targets at random (repeats included) and rows of every length mod 4.
func TestALIFPassMatchesGo(t *testing.T) {
	eachTrial(t, 4, 300, func(r *rand.Rand, trial, n int) {
		N := 1 + r.IntN(50)
		phi := make([][4]float64, N)
		for j := range phi {
			for k := range phi[j] {
				phi[j][k] = r.NormFloat64()
			}
		}
		posts := make([]uint32, n)
		for m := range posts {
			posts[m] = uint32(r.IntN(N))
		}
		eps, el := make([]float32, n), make([]float32, n)
		draw(r, eps, 0.02)
		draw(r, el, 0.02)
		ge, gl := slices.Clone(eps), slices.Clone(el)
		z0, kn := r.Float64(), r.Float64()
		alifPassGo(posts, ge, gl, phi, z0, kn)
		alifPassAVX2(posts, eps, el, phi, z0, kn)
		sameBits(t, "pass eps", ge, eps)
		sameBits(t, "pass el", gl, el)
	})
}

func sameBits64(t *testing.T, what string, a, b [][]float64) {
	t.Helper()
	for k := range a {
		for i := range a[k] {
			if math.Float64bits(a[k][i]) != math.Float64bits(b[k][i]) {
				t.Fatalf("%s array %d [%d]: Go %v, vector %v", what, k, i, a[k][i], b[k][i])
			}
		}
	}
}

func TestCurrentsVectorMatchesGo(t *testing.T) {
	eachTrial(t, 5, 300, func(r *rand.Rand, trial, n int) {
		in := make([][]float32, 3) // ISyn, INMDA, pending
		for k := range in {
			in[k] = make([]float32, n)
			draw(r, in[k], 10)
		}
		counts := make([]int32, n)
		for i := range counts {
			counts[i] = int32(r.IntN(4))
		}
		nmda := trial%2 == 0
		g, v := make([][]float32, 3), make([][]float32, 3)
		for k := range in {
			g[k], v[k] = slices.Clone(in[k]), slices.Clone(in[k])
		}
		currentsGo(g[0], g[1], g[2], counts, nmda, 0.98, 0.999, 0.5, 0.43)
		currentsAVX2(v[0], v[1], v[2], counts, nmda, 0.98, 0.999, 0.5, 0.43)
		for k, name := range []string{"ISyn", "INMDA", "pending"} {
			sameBits(t, name, g[k], v[k])
		}
	})
}

// eachTrial runs f for count random trials of n neurons (n < 40, and 200
// every tenth trial), with the random source seeded (seed, seed+1); it
// skips where the processor cannot run the vector loops.
func eachTrial(t *testing.T, seed uint64, count int, f func(r *rand.Rand, trial, n int)) {
	t.Helper()
	if !avx2 {
		t.Skip("no AVX2 on this processor: the vector loops never run here")
	}
	r := rand.New(rand.NewPCG(seed, seed+1))
	for trial := 0; trial < count; trial++ {
		n := r.IntN(40)
		if trial%10 == 0 {
			n = 200
		}
		f(r, trial, n)
	}
}

// normals is n standard normal values, one in fifteen a special value.
func normals(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
		if r.IntN(15) == 0 {
			x[i] = float64(special[r.IntN(len(special))])
		}
	}
	return x
}

// TestWeightPassMatchesGo: the weight pass gives the plain loop's weights
// and statistics bit for bit (the sum in synapse order included), with
// weights at and beyond the bounds, ±0, NaN and infinities in W and E.
func TestWeightPassMatchesGo(t *testing.T) {
	eachTrial(t, 6, 400, func(r *rand.Rand, trial, n int) {
		if trial%50 == 1 { // long, with changes of every size: the order of the sum shows
			n = 4099
		}
		W, E := make([]float32, n), make([]float32, n)
		for i := range W {
			W[i] = float32(r.NormFloat64() * 8)
			E[i] = float32(r.NormFloat64())
			switch r.IntN(10) {
			case 0:
				W[i] = special[r.IntN(len(special))]
			case 1:
				E[i] = special[r.IntN(len(special))]
			case 2:
				W[i] = 15 // at the bound
			case 3:
				E[i] = 0 // no change
			case 4, 5:
				// Weights and changes of every magnitude: Σ |Δw| then
				// rounds, so its order shows.
				W[i] = float32(math.Pow(10, 2-30*r.Float64()))
				E[i] = float32(math.Pow(10, 1-30*r.Float64()))
			}
		}
		f := []float64{0.05, -0.3, 0, 2}[trial%4]
		g, v := slices.Clone(W), slices.Clone(W)
		sg := weightPassGo(g, E, f, -15, 15, WeightStats{})
		sv := weightPassAVX2(v, E, f, -15, 15, WeightStats{})
		sameBits(t, "W", g, v)
		sameStats(t, trial, "Go", sg, "vector", sv)
		// WeightPassTo with every target selected is WeightPass.
		Post, all := make([]uint32, n), make([]bool, 7)
		for s := range Post {
			Post[s] = uint32(r.IntN(len(all)))
		}
		for k := range all {
			all[k] = true
		}
		m := slices.Clone(W)
		sm := WeightPassTo(m, E, Post, all, f, -15, 15)
		sameBits(t, "W (WeightPassTo)", g, m)
		sameStats(t, trial, "Go", sg, "WeightPassTo", sm)
	})
}

func sameStats(t *testing.T, trial int, na string, a WeightStats, nb string, b WeightStats) {
	t.Helper()
	if math.Float64bits(a.Sum) != math.Float64bits(b.Sum) || math.Float64bits(a.Max) != math.Float64bits(b.Max) ||
		a.Changed != b.Changed || a.Clamped != b.Clamped {
		t.Fatalf("trial %d: %s %+v, %s %+v", trial, na, a, nb, b)
	}
}
