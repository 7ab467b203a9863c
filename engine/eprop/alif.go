package eprop

import (
	"math"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/engine/simd"
)

// alif is the exact event-driven learner for ALIF brains (see the package
// doc, "ALIF: blocks and a backward sweep"). Per synapse it keeps the true
// values of ε and e (and the supervised accumulation g) at the start of
// the current block; per neuron z̄ at the block start, the product Φ_j of
// the block's step maps (forward, for the synapses' own state) and the
// block's ψ history; and the block's spike list. At the end of a block,
// one pass over the synapses applies Φ, and a backward sweep over the
// block applies each spike's jump in z̄ through the product of the maps
// that follow it. No prefix sums are differenced, so nothing cancels,
// whatever ρ − β·ψ is.
type alif struct {
	net *network.Network
	B   int // block length
	n   int // steps in the current block
	// fwd: steps of the block already in Φ. Without supervision Φ takes
	// the steps catchUpSteps at a time, and the rest when read (catchUp),
	// each neuron kept in registers through them, instead of a pass over
	// 4 × 8 bytes per neuron every step.
	fwd     int
	touched uint32 // touch's reads land here, so that they are made

	eps, e, g []float32 // per synapse
	zeta      []float64 // per neuron: z̄ at the block start
	hist      []float32 // B × N: ψ of every step of the block

	spikes   []int32 // the block's spikes, by step
	spikeOff []int32 // spikes of step m (0-based) are spikes[spikeOff[m]:spikeOff[m+1]]
	errs     []errEntry
	errOff   []int32

	// Φ (forward product of the block's maps) and, during the sweep, Λ
	// (the backward product); rows ε, e (P) and g, columns ζ, ε, e.
	fEZ, fEE, fPZ, fPE []float64
	fGZ, fGE, fGP      []float64
	L                  []float64 // scratch learning signal
	// phi is Φ laid out by neuron for the pass over the synapses, which
	// reads it at random: one cache line per synapse instead of four,
	// four synapses at a time (engine/simd: ALIFPass; README.md, "ALIF
	// block length"). The supervised pass, rare, reads the arrays above.
	phi [][4]float64
	sup *supervision
	// brain: the block pass spreads over its Workers (forRows).
	brain *sim.Brain

	alpha, kappa, rho, beta, gamma, vth float64
	alph, kap                           []float64 // α^k, κ^k for k ≤ B
}

func newALIF(net *network.Network, B int, alpha, kappa, rho, beta, gamma float64) *alif {
	N := net.N
	e := &alif{
		net: net, B: B,
		eps: make([]float32, net.Synapses()), e: make([]float32, net.Synapses()),
		zeta: make([]float64, N), hist: make([]float32, B*N),
		spikeOff: make([]int32, 1, B+1), errOff: make([]int32, 1, B+1),
		fEZ: make([]float64, N), fEE: make([]float64, N), fPZ: make([]float64, N), fPE: make([]float64, N),
		phi:   make([][4]float64, N),
		alpha: alpha, kappa: kappa, rho: rho, beta: beta, gamma: gamma, vth: net.Params.VThMV,
		alph: make([]float64, B+1), kap: make([]float64, B+1),
	}
	la, lk := math.Log(alpha), math.Log(kappa)
	for k := 0; k <= B; k++ {
		e.alph[k] = math.Exp(float64(k) * la)
		e.kap[k] = math.Exp(float64(k) * lk)
	}
	e.identity()
	return e
}

func (e *alif) supervise(s *supervision) {
	e.sup = s
	if e.g == nil {
		N := e.net.N
		e.g = make([]float32, len(e.e))
		e.fGZ, e.fGE, e.fGP = make([]float64, N), make([]float64, N), make([]float64, N)
		e.L = make([]float64, N)
	}
}

func (e *alif) identity() {
	clear(e.fEZ)
	for j := range e.fEE {
		e.fEE[j] = 1
	}
	clear(e.fPZ)
	clear(e.fPE)
	clear(e.fGZ)
	clear(e.fGE)
	clear(e.fGP)
}

func (e *alif) reset() {
	clear(e.eps)
	clear(e.e)
	clear(e.g)
	clear(e.zeta)
	e.n, e.fwd = 0, 0
	e.spikes, e.spikeOff = e.spikes[:0], e.spikeOff[:1]
	e.errs, e.errOff = e.errs[:0], e.errOff[:1]
	e.identity()
}

func (e *alif) clearG() { clear(e.g) }

// observe records ψ and the spikes of one step. The step's map, which
// Φ takes by forward (now with supervision, else at catchUp), is
// ζ ← α·ζ; ε ← q·ε + ψ·ζ; e ← κ·e + (1−κ)(ψ·ζ − β·ε); g ← g + L·e,
// q = ρ − β·ψ (the listing of MODEL.md §4 with ζ = z̄ after this step's
// decay; the spike's own jump is applied in the sweep).
func (e *alif) observe(preV, theta []float32, spikes []int32, L []float64, errs []errEntry) {
	N := e.net.N
	n := e.n
	row := e.hist[n*N : (n+1)*N]
	simd.ALIFPsi(row, preV[:N], theta[:N], e.gamma, 1/e.vth) // ψ (engine/simd)
	e.spikes = append(e.spikes, spikes...)
	e.spikeOff = append(e.spikeOff, int32(len(e.spikes)))
	if e.sup != nil {
		// The supervised accumulation reads Φ at every step.
		e.catchUp()
		e.forward(n, n+1)
		e.fwd = n + 1
		if L != nil {
			kn1 := e.kap[n+1]
			for j, l := range L {
				if l != 0 {
					e.fGZ[j] += l * e.fPZ[j]
					e.fGE[j] += l * e.fPE[j]
					e.fGP[j] += l * kn1
				}
			}
		}
	}
	e.errs = append(e.errs, errs...)
	e.errOff = append(e.errOff, int32(len(e.errs)))
	e.n = n + 1
	if e.n == e.B {
		e.flush()
	} else if e.n-e.fwd == catchUpSteps {
		e.catchUp()
	}
}

// catchUpSteps: Φ takes the block's steps in groups of this many, while
// their ψ rows are still in the second-level cache, and a reward from
// the current trace finds at most this many left to take.
const catchUpSteps = 8

// forward applies the maps of the block's steps [m0, m1) (0-based, ψ in
// their history rows) to Φ of every neuron.
func (e *alif) forward(m0, m1 int) {
	N := e.net.N
	kappa := e.kappa
	simd.ALIFForward(e.hist[m0*N:m1*N], N, e.alph[m0+1:m1+1], e.fEZ, e.fEE, e.fPZ, e.fPE, kappa, e.rho, e.beta, (1-kappa)*(1-e.beta), (1-kappa)*e.beta)
}

// catchUp brings Φ to the last observed step: the block's steps not yet
// in it (engine/simd: ALIFForward keeps four neurons at a time in
// registers through eight of them).
func (e *alif) catchUp() {
	if e.fwd < e.n {
		e.forward(e.fwd, e.n)
	}
	e.fwd = e.n
}

// flush settles the block: afterwards eps, e (and g) hold the values of
// the last observed step and z̄ is brought to it; cost O(synapses) for the
// pass plus O(N·steps + spikes·fan-out) for the sweep.
func (e *alif) flush() {
	n := e.n
	if n == 0 {
		return
	}
	e.catchUp()
	net := e.net
	N := net.N
	kn := e.kap[n]
	sup := e.g != nil
	// 1. Every synapse's block-start state through Φ of its target.
	phi := e.phi[:N]
	if !sup {
		for j := range phi {
			phi[j] = [4]float64{e.fEZ[j], e.fEE[j], e.fPZ[j], e.fPE[j]}
		}
	}
	forRows(e.brain, N, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			if i&63 == 0 {
				simd.Clean() // every ≈ 8,000 synapses (engine/simd: Clean)
			}
			s0, s1 := net.Start[i], net.Start[i+1]
			posts := net.Post[s0:s1]
			eps, el := e.eps[s0:s1], e.e[s0:s1]
			z0 := e.zeta[i]
			if sup {
				gs := e.g[s0:s1]
				for m, j := range posts {
					e0, p0 := float64(eps[m]), float64(el[m])
					eps[m] = float32(e.fEZ[j]*z0 + e.fEE[j]*e0)
					el[m] = float32(e.fPZ[j]*z0 + e.fPE[j]*e0 + kn*p0)
					gs[m] = float32(float64(gs[m]) + e.fGZ[j]*z0 + e.fGE[j]*e0 + e.fGP[j]*p0)
				}
				continue
			}
			simd.ALIFPass(posts, eps, el, phi, z0, kn)
		}
	})
	// 2. Backward sweep: Λ(m) maps the state after step m to the state
	// after step n; it starts at the identity and takes one step map at a
	// time. A spike of i at step m adds (1−α) to z̄_i, and with it ψ_j to
	// ε and (1−κ)(1−β)ψ_j to e of the same step: the jump vector J.
	LEZ, LEE, LPZ, LPE := e.fEZ[:N], e.fEE[:N], e.fPZ[:N], e.fPE[:N]
	clear(LEZ)
	for j := range LEE {
		LEE[j] = 1
	}
	clear(LPZ)
	clear(LPE)
	var LGZ, LGE, LGP []float64
	if sup {
		LGZ, LGE, LGP = e.fGZ[:N], e.fGE[:N], e.fGP[:N]
		clear(LGZ)
		clear(LGE)
		clear(LGP)
	}
	alpha, kappa, rho, beta := e.alpha, e.kappa, e.rho, e.beta
	c1 := (1 - kappa) * (1 - beta)
	cb := (1 - kappa) * beta
	oma := 1 - alpha
	for m := n; m >= 1; m-- {
		row := e.hist[(m-1)*N : m*N]
		K := e.kap[n-m]
		Kc1, Kcb := K*c1, K*cb
		var L []float64
		if sup {
			if errs := e.errs[e.errOff[m-1]:e.errOff[m]]; len(errs) > 0 {
				L = e.L
				e.sup.signal(L, errs)
			}
		}
		if e.spikeOff[m] > e.spikeOff[m-1] {
			e.touch(row)
		}
		for _, i := range e.spikes[e.spikeOff[m-1]:e.spikeOff[m]] {
			s0, s1 := net.Start[i], net.Start[i+1]
			posts := net.Post[s0:s1]
			eps, el := e.eps[s0:s1], e.e[s0:s1]
			for q, j := range posts {
				psi := float64(row[j])
				eps[q] = float32(float64(eps[q]) + oma*(LEZ[j]+LEE[j]*psi))
				el[q] = float32(float64(el[q]) + oma*(LPZ[j]+(LPE[j]+Kc1)*psi))
			}
			if sup {
				gs := e.g[s0:s1]
				for q, j := range posts {
					psi := float64(row[j])
					lg := LGP[j]
					if L != nil {
						lg += L[j]
					}
					gs[q] = float32(float64(gs[q]) + oma*(LGZ[j]+(LGE[j]+lg*c1)*psi))
				}
			}
		}
		if m == 1 {
			break
		}
		simd.ALIFBackward(row, LEZ, LEE, LPZ, LPE, alpha, rho, beta, Kc1, Kcb)
		if sup {
			for j := range row {
				psi := float64(row[j])
				q := rho - beta*psi
				lg := LGP[j]
				if L != nil {
					lg += L[j]
				}
				LGZ[j] = alpha * (LGZ[j] + (LGE[j]+lg*c1)*psi)
				LGE[j] = q * (LGE[j] - lg*cb)
				LGP[j] = lg * kappa
			}
		}
	}
	// 3. z̄ to the last step.
	an := e.alph[n]
	for i := range e.zeta {
		e.zeta[i] *= an
	}
	for m := 1; m <= n; m++ {
		jump := oma * e.alph[n-m]
		for _, i := range e.spikes[e.spikeOff[m-1]:e.spikeOff[m]] {
			e.zeta[i] += jump
		}
	}
	e.identity()
	e.n, e.fwd = 0, 0
	e.spikes, e.spikeOff = e.spikes[:0], e.spikeOff[:1]
	e.errs, e.errOff = e.errs[:0], e.errOff[:1]
}

func (e *alif) eligibility() []float32 { return e.e }
func (e *alif) accumulated() []float32 { return e.g }

// zbar returns z̄_i after the last flush.
func (e *alif) zbar(i int) float64 { return e.zeta[i] }

func (e *alif) bytes() int64 {
	N := int64(e.net.N)
	b := int64(len(e.eps)+len(e.e)+len(e.g))*4 + int64(len(e.hist))*4
	b += N * 8 * int64(9+3*boolInt(e.g != nil)+boolInt(e.L != nil))
	b += int64(cap(e.spikes)+cap(e.spikeOff)+cap(e.errOff))*4 + int64(cap(e.errs))*16
	return b
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// touch reads one value per cache line of a ψ row, in order, before the
// sweep's spikes read it at random: the sequential reads are prefetched,
// the random ones would each wait for memory (rewards from the current
// trace, ALIF, TVB96 at npr 200: 52–62 ms without, 43–49 with).
func (e *alif) touch(row []float32) {
	var acc uint32
	for i := 0; i < len(row); i += 16 {
		acc |= math.Float32bits(row[i])
	}
	e.touched |= acc
}
