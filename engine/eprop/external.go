package eprop

import (
	"fmt"
)

// Observing elsewhere. A backend that runs the brain itself (package gpu)
// can take over a learner's per-step work — point 5 of MODEL.md §3: for
// LIF the spikes' offsets and the pseudo-derivative sums, for ALIF the
// block's ψ rows, spikes and step maps — with the learner's own state and
// the very operations of lif.observe/flush and alif.observe/flush, and
// hand the state back exactly. Snapshots, rewards and statistics stay
// with the learner.
//
// The hand-over is one type and two calls: HandOut copies the learner's
// state into a Handover (flat slices the backend owns), and HandBack
// copies the backend's final state into the learner, checking that it has
// the learner's shape, and counts the steps observed. Between the two the
// learner must not observe, reward or snapshot (its arrays are those it
// had at HandOut).

// Handover is a learner's state as flat slices: per synapse in the
// network's CSR order, per neuron in the network's order. Which fields are
// set depends on ALIF; the others are nil or zero.
type Handover struct {
	ALIF bool // eprop's alif (blocks and a backward sweep) rather than lif
	// Len is the epoch length K (LIF: a rebase after the K-th step of an
	// epoch) or the block length B (ALIF: a flush at its B-th step); Pos
	// the steps observed in the current epoch or block, 0 ≤ Pos < Len.
	Len, Pos int
	// Alph and Kap are α^k and κ^k for k in [0, Len] (read-only tables).
	Alph, Kap []float64
	InvVth    float64 // 1/v_th

	// LIF: the per-synapse offsets c, the per-neuron a and S, the tables
	// (1−κ)(1−α)·α^(−k) and γ·(α/κ)^k for k in [0, K], and v_th.
	C      []float32
	A, S   []float64
	DA, WS []float64
	Vth    float64

	// ALIF: ε and e per synapse and z̄ per neuron at the start of the
	// current block; the block's ψ rows (Pos×N) and its spikes by step
	// (the spikes of step m are Spikes[SpikeOff[m]:SpikeOff[m+1]], Pos+1
	// offsets); Φ (FEZ, FEE, FPZ, FPE per neuron), the product of the
	// block's step maps; and the constants of the step maps as alif
	// computes them: C1 = (1−κ)(1−β), CB = (1−κ)β.
	Eps, E                         []float32
	Zeta                           []float64
	Hist                           []float32
	Spikes, SpikeOff               []int32
	FEZ, FEE, FPZ, FPE             []float64
	Alpha, Kappa, Rho, Beta, Gamma float64
	C1, CB                         float64
}

// ErrNotHandedOut says why a learner's work cannot be done elsewhere.
var ErrNotHandedOut = errorf("only the learner itself can observe its brain")

// handOutErr says why the learner cannot be handed out (nil when it can):
// learning disabled, a LIF learner's supervised presentation in progress
// (or supervised accumulation in its epoch), an ALIF learner ever set up
// for supervision.
func (l *Learner) handOutErr() error {
	if !l.enabled {
		return fmt.Errorf("%w: learning is disabled", ErrNotHandedOut)
	}
	switch e := l.eng.(type) {
	case *lif:
		if (l.sup != nil && l.sup.presenting) || e.qUsed {
			return fmt.Errorf("%w: a supervised presentation is in progress", ErrNotHandedOut)
		}
	case *alif:
		if l.sup != nil || e.g != nil {
			return fmt.Errorf("%w: supervised ALIF", ErrNotHandedOut)
		}
	default:
		return fmt.Errorf("%w: unknown learner", ErrNotHandedOut)
	}
	return nil
}

// CanHandOut reports whether HandOut would succeed.
func (l *Learner) CanHandOut() bool { return l.handOutErr() == nil }

// HandOut returns a copy of the learner's state for another backend to
// observe the brain's steps with, or an error wrapping ErrNotHandedOut
// when only the learner itself can.
func (l *Learner) HandOut() (*Handover, error) {
	if err := l.handOutErr(); err != nil {
		return nil, err
	}
	c := func(x []float64) []float64 { return append([]float64(nil), x...) }
	if e, ok := l.eng.(*lif); ok {
		return &Handover{
			Len: e.K, Pos: e.k, Alph: c(e.alph), Kap: c(e.kap), InvVth: e.invVth,
			C: append([]float32(nil), e.c...), A: c(e.a), S: c(e.S),
			DA: c(e.dA), WS: c(e.wS), Vth: e.vth,
		}, nil
	}
	e := l.eng.(*alif)
	e.catchUp()
	N := e.net.N
	return &Handover{
		ALIF: true, Len: e.B, Pos: e.n, Alph: c(e.alph), Kap: c(e.kap), InvVth: 1 / e.vth,
		Eps: append([]float32(nil), e.eps...), E: append([]float32(nil), e.e...), Zeta: c(e.zeta),
		Hist:   append([]float32(nil), e.hist[:e.n*N]...),
		Spikes: append([]int32(nil), e.spikes...), SpikeOff: append([]int32(nil), e.spikeOff...),
		FEZ: c(e.fEZ), FEE: c(e.fEE), FPZ: c(e.fPZ), FPE: c(e.fPE),
		Alpha: e.alpha, Kappa: e.kappa, Rho: e.rho, Beta: e.beta, Gamma: e.gamma,
		C1: (1 - e.kappa) * (1 - e.beta), CB: (1 - e.kappa) * e.beta,
	}, nil
}

// HandBack gives the learner the state another backend reached observing
// steps more steps of its brain from a HandOut: the arrays, Pos, and for
// ALIF the block's ψ rows and spikes. The tables and constants are not
// read back. It fails, changing nothing, when h does not have the shape
// of the learner's state.
func (l *Learner) HandBack(h *Handover, steps int64) error {
	bad := func(what string, got, want int) error {
		return errorf("hand back: %s has %d elements, the learner %d", what, got, want)
	}
	if steps < 0 {
		return errorf("hand back: %d steps", steps)
	}
	switch e := l.eng.(type) {
	case *lif:
		switch {
		case h.ALIF:
			return errorf("hand back: an ALIF state to a LIF learner")
		case h.Pos < 0 || h.Pos >= e.K:
			return errorf("hand back: epoch step %d of %d", h.Pos, e.K)
		case len(h.C) != len(e.c):
			return bad("C", len(h.C), len(e.c))
		case len(h.A) != len(e.a):
			return bad("A", len(h.A), len(e.a))
		case len(h.S) != len(e.S):
			return bad("S", len(h.S), len(e.S))
		}
		copy(e.c, h.C)
		copy(e.a, h.A)
		copy(e.S, h.S)
		e.k = h.Pos
	case *alif:
		N := e.net.N
		switch {
		case !h.ALIF:
			return errorf("hand back: a LIF state to an ALIF learner")
		case h.Pos < 0 || h.Pos >= e.B:
			return errorf("hand back: block step %d of %d", h.Pos, e.B)
		case len(h.Eps) != len(e.eps):
			return bad("Eps", len(h.Eps), len(e.eps))
		case len(h.E) != len(e.e):
			return bad("E", len(h.E), len(e.e))
		case len(h.Hist) != h.Pos*N:
			return bad("Hist", len(h.Hist), h.Pos*N)
		case len(h.SpikeOff) != h.Pos+1 || h.SpikeOff[0] != 0 || int(h.SpikeOff[h.Pos]) != len(h.Spikes):
			return errorf("hand back: %d spike offsets for %d steps and %d spikes", len(h.SpikeOff), h.Pos, len(h.Spikes))
		}
		for _, x := range []struct {
			name     string
			got, dst []float64
		}{{"Zeta", h.Zeta, e.zeta}, {"FEZ", h.FEZ, e.fEZ}, {"FEE", h.FEE, e.fEE}, {"FPZ", h.FPZ, e.fPZ}, {"FPE", h.FPE, e.fPE}} {
			if len(x.got) != len(x.dst) {
				return bad(x.name, len(x.got), len(x.dst))
			}
		}
		copy(e.eps, h.Eps)
		copy(e.e, h.E)
		copy(e.zeta, h.Zeta)
		copy(e.hist, h.Hist)
		copy(e.fEZ, h.FEZ)
		copy(e.fEE, h.FEE)
		copy(e.fPZ, h.FPZ)
		copy(e.fPE, h.FPE)
		e.n = h.Pos
		e.fwd = h.Pos
		e.spikes = append(e.spikes[:0], h.Spikes...)
		e.spikeOff = append(e.spikeOff[:0], h.SpikeOff...)
		e.errOff = e.errOff[:1]
		for range h.Pos {
			e.errOff = append(e.errOff, 0)
		}
	default:
		return errorf("hand back: unknown learner")
	}
	l.steps += steps
	return nil
}
