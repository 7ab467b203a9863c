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
