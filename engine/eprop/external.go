package eprop

// Observing elsewhere. A backend that runs the brain itself (package gpu)
// can take over the LIF learner's per-step work — point 5 of MODEL.md §3:
// the spikes' offsets and the pseudo-derivative sums — with the learner's
// own arrays and the very operations of lif.observe and lif.flush, and
// hand the state back exactly. Snapshots, rewards and statistics stay
// with the learner.

// LIFState is a LIF learner's live state (see lif): C, A and S alias the
// learner's arrays, to be read and written in place; the tables are
// read-only.
type LIFState struct {
	C     []float32 // per synapse, in the network's CSR order: the offsets c
	A, S  []float64 // per neuron: a and S
	K     int       // epoch length: a rebase after the K-th step of an epoch
	Epoch int       // steps observed in the current epoch (k), 0 ≤ Epoch < K
	// Per k in [0, K]: (1−κ)(1−α)·α^(−k), γ·(α/κ)^k, κ^k and α^k.
	DA, WS, Kap, Alph []float64
	Vth, InvVth       float64
}

// ExternalLIF returns the learner's state for another backend to observe
// the brain's steps with, or false when only the learner itself can: ALIF,
// learning disabled, or a supervised presentation in progress.
func (l *Learner) ExternalLIF() (LIFState, bool) {
	e, ok := l.eng.(*lif)
	if !ok || !l.enabled || (l.sup != nil && l.sup.presenting) || e.qUsed {
		return LIFState{}, false
	}
	return LIFState{
		C: e.c, A: e.a, S: e.S, K: e.K, Epoch: e.k,
		DA: e.dA, WS: e.wS, Kap: e.kap, Alph: e.alph,
		Vth: e.vth, InvVth: e.invVth,
	}, true
}

// ObservedExternally tells the learner that another backend observed
// steps more steps, leaving its arrays (written in place) at epoch step
// epoch.
func (l *Learner) ObservedExternally(steps int64, epoch int) {
	l.eng.(*lif).k = epoch
	l.steps += steps
}

// ALIFState is an ALIF learner's live state (see alif): the per-synapse
// ε and e and the per-neuron z̄ at the start of the current block, the
// block's ψ rows and spikes, and Φ, the product of the block's step maps.
// The slices alias the learner's arrays (Hist is B×N, of which the first
// Steps rows are the block's); Spikes and SpikeOff are copies, the
// block's spike list by step.
type ALIFState struct {
	Eps, E             []float32
	Zeta               []float64
	Hist               []float32
	FEZ, FEE, FPZ, FPE []float64
	Spikes, SpikeOff   []int32
	B, Steps           int
	Alph, Kap          []float64 // α^k, κ^k for k ≤ B
	// Constants of the step maps, as alif computes them.
	Alpha, Kappa, Rho, Beta, Gamma, InvVth, C1, CB float64
}

// ExternalALIF returns the learner's state for another backend to observe
// the brain's steps with, or false when only the learner itself can: LIF,
// learning disabled, or supervision (ever set up on this learner).
func (l *Learner) ExternalALIF() (ALIFState, bool) {
	e, ok := l.eng.(*alif)
	if !ok || !l.enabled || l.sup != nil || e.g != nil {
		return ALIFState{}, false
	}
	return ALIFState{
		Eps: e.eps, E: e.e, Zeta: e.zeta, Hist: e.hist,
		FEZ: e.fEZ, FEE: e.fEE, FPZ: e.fPZ, FPE: e.fPE,
		Spikes: append([]int32(nil), e.spikes...), SpikeOff: append([]int32(nil), e.spikeOff...),
		B: e.B, Steps: e.n, Alph: e.alph, Kap: e.kap,
		Alpha: e.alpha, Kappa: e.kappa, Rho: e.rho, Beta: e.beta, Gamma: e.gamma,
		InvVth: 1 / e.vth, C1: (1 - e.kappa) * (1 - e.beta), CB: (1 - e.kappa) * e.beta,
	}, true
}

// ObservedExternallyALIF tells the learner that another backend observed
// steps more steps, leaving its arrays (written in place) at block step
// n with the block's spikes (by step: spikeOff has n+1 entries).
func (l *Learner) ObservedExternallyALIF(steps int64, n int, spikes, spikeOff []int32) {
	e := l.eng.(*alif)
	e.n = n
	e.spikes = append(e.spikes[:0], spikes...)
	e.spikeOff = append(e.spikeOff[:0], spikeOff...)
	e.errOff = e.errOff[:1]
	for range n {
		e.errOff = append(e.errOff, 0)
	}
	l.steps += steps
}
