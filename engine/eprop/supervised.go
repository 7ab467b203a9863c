package eprop

import (
	"math"

	"github.com/encephagen/encephagen/engine/rng"
)

// Supervision configures the supervised variant of MODEL.md §4: a fixed
// random feedback matrix B ~ N(0, σ²) of N × len(Outputs), drawn from
// FeedbackSeed, sends every output neuron's error z_out − target to every
// neuron j as the learning signal L_j = Σ_k B[j,k]·(z_out,k − target_k).
type Supervision struct {
	Outputs      []int   // global indices of the output neurons, distinct
	FeedbackSeed uint64  // seed of B
	FeedbackStd  float64 // σ; 0 means 0.01
}

// feedbackStream tags B's random stream.
const feedbackStream = 0xfeedbac

type errEntry struct {
	k    int32
	sign float64 // z_out − target: +1 or −1
}

type supervision struct {
	outputs []int
	outIdx  []int32 // per neuron: its output index, or −1
	nOut    int
	n       int
	b       []float64 // column-major: B[j,k] = b[k·N + j]

	presenting bool
	target     [][]bool
	step       int

	zOut []bool
	errs []errEntry
	L    []float64
}

func newSupervision(s Supervision, n int) (*supervision, error) {
	if len(s.Outputs) == 0 {
		return nil, errorf("supervise: no output neurons")
	}
	std := s.FeedbackStd
	if std == 0 {
		std = 0.01
	}
	if !(std > 0) || math.IsInf(std, 0) {
		return nil, errorf("supervise: feedback std must be > 0, got %v", s.FeedbackStd)
	}
	sv := &supervision{
		outputs: append([]int(nil), s.Outputs...),
		outIdx:  make([]int32, n),
		nOut:    len(s.Outputs),
		n:       n,
		b:       make([]float64, n*len(s.Outputs)),
		zOut:    make([]bool, len(s.Outputs)),
		L:       make([]float64, n),
	}
	for i := range sv.outIdx {
		sv.outIdx[i] = -1
	}
	for k, o := range s.Outputs {
		if o < 0 || o >= n {
			return nil, errorf("supervise: output neuron %d out of range [0, %d)", o, n)
		}
		if sv.outIdx[o] >= 0 {
			return nil, errorf("supervise: output neuron %d listed twice", o)
		}
		sv.outIdx[o] = int32(k)
	}
	// Row-major draw order (j, then k), stored column-major.
	st := rng.New(s.FeedbackSeed, feedbackStream)
	for j := 0; j < n; j++ {
		for k := 0; k < sv.nOut; k++ {
			sv.b[k*n+j] = std * st.Normal()
		}
	}
	return sv, nil
}

// signal sets L_j = Σ over the step's errors of B[j,k]·(z_out,k − target_k),
// summed in ascending k.
func (s *supervision) signal(L []float64, errs []errEntry) {
	clear(L)
	for _, e := range errs {
		col := s.b[int(e.k)*s.n : int(e.k+1)*s.n]
		for j, b := range col {
			L[j] += b * e.sign
		}
	}
}

// stepErrors returns the errors of this step of the presentation (and
// advances it): outputs that spiked against the target's silence (+1) and
// target spikes that did not happen (−1). Past the target's end the target
// is silence.
func (s *supervision) stepErrors(spikes []int32) []errEntry {
	var tgt []bool
	if s.step < len(s.target) {
		tgt = s.target[s.step]
	}
	s.step++
	for _, i := range spikes {
		if k := s.outIdx[i]; k >= 0 {
			s.zOut[k] = true
		}
	}
	s.errs = s.errs[:0]
	for k, z := range s.zOut {
		t := tgt != nil && tgt[k]
		switch {
		case z && !t:
			s.errs = append(s.errs, errEntry{int32(k), 1})
		case t && !z:
			s.errs = append(s.errs, errEntry{int32(k), -1})
		}
		s.zOut[k] = false
	}
	return s.errs
}

// Supervise sets up the supervised variant on the learner (replacing any
// earlier set-up and its accumulation). The learner's reward learning is
// unaffected; both read the same eligibility.
func (l *Learner) Supervise(s Supervision) error {
	sv, err := newSupervision(s, l.net.N)
	if err != nil {
		return err
	}
	l.eng.flush()
	l.sup = sv
	l.eng.supervise(sv)
	l.eng.clearG()
	return nil
}

// Feedback returns B[j,k] of the supervised variant (0 when none is set).
func (l *Learner) Feedback(j, k int) float64 {
	if l.sup == nil {
		return 0
	}
	return l.sup.b[k*l.sup.n+j]
}

// Present starts a presentation: from the next step on, every observed
// step accumulates G_ij += L_j(t)·e_ij(t) with target[s][k] the target
// spike of output k at the presentation's step s (steps past the end of
// target count as target silence). The update is applied by
// ApplySupervised, at the end of the presentation: the weights stay fixed
// while it runs (as in Bellec et al.'s trial-wise updates), which keeps
// each step's cost at O(N·errors) rather than O(synapses).
func (l *Learner) Present(target [][]bool) error {
	if l.sup == nil {
		return errorf("present: no supervised set-up (call Supervise first)")
	}
	for s, row := range target {
		if len(row) != l.sup.nOut {
			return errorf("present: target step %d has %d entries for %d outputs", s, len(row), l.sup.nOut)
		}
	}
	l.eng.flush()
	l.eng.clearG()
	l.sup.target = target
	l.sup.step = 0
	l.sup.presenting = true
	return nil
}

// ApplySupervised ends the presentation and applies W = clamp(W −
// lr·G, w_min, w_max) to every synapse, G = Σ_t L_post(t)·e(t) over the
// presentation's observed steps.
func (l *Learner) ApplySupervised() (Update, error) {
	if l.sup == nil || !l.sup.presenting {
		return Update{}, errorf("apply supervised: no presentation in progress (call Present first)")
	}
	if !l.enabled {
		return Update{}, errorf("apply supervised: learning is not enabled")
	}
	l.eng.flush()
	g := l.eng.accumulated()
	u := l.applyWeights(-l.p.LearningRate, g)
	if u.Changed > 0 {
		l.brain.WeightsChanged() // spikes in flight arrive with the new weights
	}
	u.Baseline = l.baseline
	l.eng.clearG()
	l.sup.presenting = false
	l.last = u
	return u, nil
}
