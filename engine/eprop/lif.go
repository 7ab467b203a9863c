package eprop

import (
	"math"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/engine/simd"
)

// lif is the exact event-driven learner for brains without ALIF (see the
// package doc, "LIF: epochs and offsets"). Within an epoch that started
// after step O, with k = t − O, the eligibility of synapse i→j is
//
//	e_ij(t) = κ^k·(a_i·S_j(t) + c_ij)
//
// a_i (per presynaptic neuron) = (1−κ)(1−α)·Σ α^(−k') over i's spikes at
// k' (plus (1−κ)·z̄_i(O) carried in), S_j (per postsynaptic neuron) =
// Σ (α/κ)^k'·ψ_j(k') over the epoch's steps, and c_ij (per synapse) an
// offset changed only when i spikes. Rebasing ends the epoch: c becomes
// e, a is rescaled to (1−κ)·z̄, S restarts at 0.
type lif struct {
	net *network.Network
	K   int // epoch length
	k   int // steps observed in the current epoch

	c    []float32 // per synapse: offset; equal to e right after a rebase
	a, S []float64 // per neuron

	dA   []float64 // (1−κ)(1−α)·α^(−k)
	wS   []float64 // γ·(α/κ)^k
	kap  []float64 // κ^k
	alph []float64 // α^k

	vth, invVth float64
	kappa       float64

	// Supervised accumulation G_ij = Σ L_j(t)·e_ij(t): per synapse offset g,
	// per postsynaptic neuron Q0 = Σ L·κ^k and Q1 = Σ L·κ^k·S (G = g +
	// a_i·Q1_j + c_ij·Q0_j within an epoch).
	g      []float32
	Q0, Q1 []float64
	qUsed  bool // Q0/Q1 non-zero in this epoch

	// brain: the passes over the synapses spread over its Workers
	// (forRows); rowSum and parts: flushApply's Σ|Δw| per row and
	// statistics per chunk.
	brain  *sim.Brain
	rowSum []float64
	parts  []simd.WeightStats
}

func newLIF(net *network.Network, K int, alpha, kappa, gamma float64) *lif {
	e := &lif{
		net: net, K: K,
		c: make([]float32, net.Synapses()),
		a: make([]float64, net.N), S: make([]float64, net.N),
		dA: make([]float64, K+1), wS: make([]float64, K+1),
		kap: make([]float64, K+1), alph: make([]float64, K+1),
		vth: net.Params.VThMV, invVth: 1 / net.Params.VThMV,
		kappa: kappa,
	}
	la, lk := math.Log(alpha), math.Log(kappa)
	for k := 0; k <= K; k++ {
		fk := float64(k)
		// Powers from exp(k·log x), not by repeated multiplication, so
		// they carry one rounding each, whatever k.
		e.dA[k] = (1 - kappa) * (1 - alpha) * math.Exp(-fk*la)
		e.wS[k] = gamma * math.Exp(fk*(la-lk))
		e.kap[k] = math.Exp(fk * lk)
		e.alph[k] = math.Exp(fk * la)
	}
	return e
}

func (e *lif) supervise(*supervision) {
	if e.g == nil {
		e.g = make([]float32, len(e.c))
		e.Q0 = make([]float64, e.net.N)
		e.Q1 = make([]float64, e.net.N)
	}
}

func (e *lif) reset() {
	clear(e.c)
	clear(e.a)
	clear(e.S)
	e.clearG()
	e.k = 0
}

func (e *lif) clearG() {
	clear(e.g)
	clear(e.Q0)
	clear(e.Q1)
	e.qUsed = false
}

// observe is MODEL.md §3 point 5 for one step. Spikes first: they change
// a_i, and c_ij absorbs the change against S_j(t−1) so that e(t−1) is
// unchanged; then ψ(t) enters S, so e(t) sees both this step's z̄ and ψ.
func (e *lif) observe(preV, theta []float32, spikes []int32, L []float64, _ []errEntry) {
	k := e.k + 1
	net := e.net
	S, c := e.S, e.c
	if len(spikes) > 0 {
		da := e.dA[k]
		for _, i := range spikes {
			s0, s1 := net.Start[i], net.Start[i+1]
			posts, cs := net.Post[s0:s1], c[s0:s1]
			if e.qUsed {
				gs := e.g[s0:s1]
				for n, j := range posts {
					old := cs[n]
					nw := float32(float64(old) - da*S[j])
					cs[n] = nw
					gs[n] = float32(float64(gs[n]) - da*e.Q1[j] - float64(nw-old)*e.Q0[j])
				}
			} else {
				for n, j := range posts {
					cs[n] = float32(float64(cs[n]) - da*S[j])
				}
			}
			e.a[i] += da
		}
	}
	// S_j += w·γ·(1 − |v−θ|/v_th) where positive, written as w − |v−θ|·w/v_th
	// (one multiply less in the loop that dominates the per-step cost;
	// engine/simd has it in plain Go and in vector instructions).
	w := e.wS[k]
	simd.AddSurrogate(S, preV, theta, w, e.vth, w*e.invVth)
	if L != nil {
		kk := e.kap[k]
		Q0, Q1 := e.Q0[:len(L)], e.Q1[:len(L)]
		for j, l := range L {
			if l != 0 {
				lk := l * kk
				Q0[j] += lk
				Q1[j] += lk * S[j]
			}
		}
		e.qUsed = true
	}
	e.k = k
	if k == e.K {
		e.flush()
	}
}

// flush rebases: afterwards c holds the eligibility of the last observed
// step (and g the supervised accumulation), at O(synapses) cost.
func (e *lif) flush() {
	if e.k == 0 {
		return
	}
	forRows(e.brain, e.net.N, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			if i&63 == 0 {
				simd.Clean() // every ≈ 8,000 synapses (engine/simd: Clean)
			}
			e.rebaseRow(i)
		}
	})
	e.endEpoch()
}

// rebaseRow makes c of row i equal to e (and g the accumulation).
func (e *lif) rebaseRow(i int) {
	net := e.net
	kap := e.kap[e.k]
	S := e.S
	s0, s1 := net.Start[i], net.Start[i+1]
	posts, cs := net.Post[s0:s1], e.c[s0:s1]
	ai := e.a[i]
	switch {
	case e.qUsed:
		gs := e.g[s0:s1]
		for n, j := range posts {
			old := float64(cs[n])
			gs[n] = float32(float64(gs[n]) + ai*e.Q1[j] + old*e.Q0[j])
			cs[n] = float32(kap * (old + ai*S[j]))
		}
	case ai == 0:
		for n := range cs {
			cs[n] = float32(kap * float64(cs[n]))
		}
	default:
		e.rebaseOffsets(i)
	}
}

// rebaseOffsets is rebaseRow without supervision, for any a_i (with
// a_i = 0 it can differ from rebaseRow's shortcut in the sign of a zero,
// so flushApply, which has always used this form, keeps it).
func (e *lif) rebaseOffsets(i int) {
	net := e.net
	kap, S, ai := e.kap[e.k], e.S, e.a[i]
	s0, s1 := net.Start[i], net.Start[i+1]
	cs := e.c[s0:s1]
	for n, j := range net.Post[s0:s1] {
		cs[n] = float32(kap * (float64(cs[n]) + ai*S[j]))
	}
}

// endEpoch finishes a rebase once c holds e: a to (1−κ)·z̄, S to 0.
func (e *lif) endEpoch() {
	al := e.alph[e.k]
	for i := range e.a {
		e.a[i] *= al
	}
	clear(e.S)
	if e.qUsed {
		clear(e.Q0)
		clear(e.Q1)
		e.qUsed = false
	}
	e.k = 0
}

func (e *lif) eligibility() []float32 { return e.c }
func (e *lif) accumulated() []float32 { return e.g }

// zbar returns z̄_i at the last observed step.
func (e *lif) zbar(i int) float64 {
	return e.a[i] * e.alph[e.k] / (1 - e.kappa)
}

func (e *lif) bytes() int64 {
	return int64(len(e.c))*4 + int64(len(e.g))*4 +
		int64(len(e.a)+len(e.S)+len(e.Q0)+len(e.Q1)+len(e.rowSum))*8 + int64(len(e.parts))*32 +
		int64(len(e.dA)+len(e.wS)+len(e.kap)+len(e.alph))*8
}

// flushApply is flush followed by W = clamp(W + f·e) in the same pass
// over the synapses (a reward from the current trace), row by row; the
// statistics are those of applying the rows one after the other (each
// row's Σ|Δw| added in row order).
func (e *lif) flushApply(f float64, W []float32, lo, hi float64) Update {
	acc := weightUpdate{u: Update{Factor: f}, lo: lo, hi: hi}
	if f == 0 || e.k == 0 || e.qUsed {
		e.flush()
		if f != 0 {
			acc.apply(W, e.c)
		}
		return acc.done(len(W))
	}
	net := e.net
	N := net.N
	if e.rowSum == nil {
		e.rowSum = make([]float64, N)
		e.parts = make([]simd.WeightStats, (N+rowChunk-1)/rowChunk)
	}
	forRows(e.brain, N, func(c, rlo, rhi int) {
		var part simd.WeightStats
		for i := rlo; i < rhi; i++ {
			if i&63 == 0 {
				simd.Clean() // every ≈ 8,000 synapses (engine/simd: Clean)
			}
			e.rebaseOffsets(i)
			s0, s1 := net.Start[i], net.Start[i+1]
			st := simd.WeightPass(W[s0:s1], e.c[s0:s1], f, lo, hi)
			e.rowSum[i] = st.Sum
			part.Changed += st.Changed
			part.Clamped += st.Clamped
			part.Max = max(part.Max, st.Max)
		}
		e.parts[c] = part
	})
	for _, s := range e.rowSum {
		acc.sum += s
	}
	for _, p := range e.parts {
		acc.u.Changed += p.Changed
		acc.u.Clamped += p.Clamped
		acc.u.MaxAbsDW = max(acc.u.MaxAbsDW, p.Max)
	}
	e.endEpoch()
	return acc.done(len(W))
}
