package eprop

import (
	"fmt"
	"math"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/parallel"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/engine/simd"
)

// Trace names the eligibility a reward is applied with.
type Trace int

const (
	// FromSnapshot uses the copy taken by the last Snapshot (the method
	// the research report describes). The snapshot is consumed.
	FromSnapshot Trace = iota + 1
	// FromCurrent uses the eligibility at the time of the reward (what the
	// reference code's final version does).
	FromCurrent
)

func (t Trace) String() string {
	switch t {
	case FromSnapshot:
		return "snapshot"
	case FromCurrent:
		return "current"
	}
	return fmt.Sprintf("Trace(%d)", int(t))
}

// Update describes one weight update (a reward or a supervised
// application).
type Update struct {
	Reward    float64 // r (0 for a supervised update)
	Baseline  float64 // b after the update of the baseline
	Factor    float64 // the scalar multiplying E: lr·(r − b), or −lr
	MaxAbsDW  float64 // largest |Δw| actually applied (after clamping and rounding to float32)
	MeanAbsDW float64 // mean |Δw| over all synapses
	Changed   int     // synapses whose stored weight changed
	Clamped   int     // synapses held at w_min or w_max by the update
}

// Stats is the learner's state for reports.
type Stats struct {
	Enabled   bool
	Steps     int64   // steps observed since the last fresh Enable
	MaxAbsE   float64 // max |e| over all synapses, now
	MeanAbsE  float64 // mean |e| over all synapses, now
	HasSnap   bool
	SnapMaxE  float64 // max |e| of the pending snapshot
	SnapMeanE float64 // mean |e| of the pending snapshot
	Baseline  float64 // reward baseline b
	Last      Update  // the last weight update
}

// engine is the event-driven trace machinery: lif (epochs and offsets) or
// alif (blocks and a backward sweep). After flush, eligibility() holds e
// of the last observed step and accumulated() the supervised G.
type engine interface {
	observe(preV, theta []float32, spikes []int32, L []float64, errs []errEntry)
	flush()
	eligibility() []float32
	accumulated() []float32
	supervise(*supervision)
	clearG()
	reset()
	bytes() int64
	zbar(i int) float64
}

// Learner is reward-modulated e-prop (MODEL.md §4) on one brain. It is the
// brain's Plasticity hook while enabled. Every synapse of the brain's
// network is plastic: the learner writes the network's W, so brains that
// learn must not share a network (see PrivateWeights). A Learner is not
// safe for concurrent use, and its methods must not run while its brain
// runs.
type Learner struct {
	brain *sim.Brain
	net   *network.Network
	p     Params
	alif  bool
	eng   engine

	started, enabled bool
	steps            int64
	baseline         float64
	snap             []float32
	hasSnap          bool
	last             Update
	sup              *supervision
}

// New makes a learner for the brain. It observes nothing until Enable.
func New(b *sim.Brain, p Params) (*Learner, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	net := b.Net
	np := &net.Params
	l := &Learner{brain: b, net: net, p: p, alif: np.ALIF}
	alpha := math.Exp(-np.DtMs / np.TauMMs)
	kappa := math.Exp(-np.DtMs / p.TauEMs)
	if l.alif {
		rho := math.Exp(-np.DtMs / np.TauAMs)
		// The block sweep needs no division by ρ − β·ψ, so any sign is
		// exact; but below −1 the model's own recursion diverges.
		if lo := rho - np.BetaALIF*p.Gamma; lo <= -1 {
			return nil, errorf("with ALIF, ρ − β·γ = %.4g ≤ −1 makes the recursive term ε grow without bound (ρ = %.4g, β = %v, γ = %v)", lo, rho, np.BetaALIF, p.Gamma)
		}
		a := newALIF(net, blockSteps(p, net), alpha, kappa, rho, np.BetaALIF, p.Gamma)
		a.brain = b
		l.eng = a
	} else {
		e := newLIF(net, rebaseSteps(p, np.DtMs, np.TauMMs), alpha, kappa, p.Gamma)
		e.brain = b
		l.eng = e
	}
	return l, nil
}

// rebaseSteps is the LIF epoch length: the requested one, shortened so
// that the offsets' cancellation factor e^(|dt/tau_m − dt/τ_e|·K) stays
// below e⁴ and α^(−K) below e^200.
func rebaseSteps(p Params, dt, tauM float64) int {
	K := p.RebaseSteps
	if K == 0 {
		K = defaultRebaseSteps
	}
	if g := math.Abs(dt/tauM - dt/p.TauEMs); g > 0 {
		K = min(K, max(16, int(4/g)))
	}
	return max(1, min(K, int(200/(dt/tauM))))
}

// blockSteps is the ALIF block length: the requested one, or else the
// longest block whose ψ history (4 bytes per neuron and step) is no
// larger than the traces ε and e (8 bytes per synapse), i.e. twice the
// mean fan-out, between 64 and 512 steps. A shorter block costs a pass
// over the synapses more often, but that pass then stays near N/2
// synapse updates per step, the size of the per-step work. A fixed short
// block would instead slow brains of large fan-out (README.md, "ALIF
// block length", has the measurements; BenchmarkALIFBlockTVB96).
func blockSteps(p Params, net *network.Network) int {
	if p.BlockSteps > 0 {
		return p.BlockSteps
	}
	if net.N == 0 {
		return maxBlockSteps
	}
	return min(maxBlockSteps, max(64, 2*net.Synapses()/net.N))
}

// Brain returns the brain the learner is for.
func (l *Learner) Brain() *sim.Brain { return l.brain }

// attach makes the learner the brain's hook; another hook is an error.
func (l *Learner) attach() error {
	if l.brain.Net != l.net {
		return errorf("the brain's network was replaced after the learner was made (call PrivateWeights before New)")
	}
	if h := l.brain.Plastic; h != nil && h != sim.Plasticity(l) {
		return errorf("the brain already has another plasticity hook (%T)", h)
	}
	l.brain.Plastic = l
	return nil
}

// Enable starts learning with fresh state: zero traces, baseline 0, no
// snapshot, no last update, no supervised accumulation in progress.
func (l *Learner) Enable() error {
	if err := l.attach(); err != nil {
		return err
	}
	l.eng.reset()
	l.started, l.enabled = true, true
	l.steps = 0
	l.baseline = 0
	l.hasSnap = false
	l.last = Update{}
	if l.sup != nil {
		l.sup.presenting = false
	}
	return nil
}

// Resume restarts learning with the traces, baseline and snapshot kept
// from before Disable, as if no time had passed while it was off (the
// traces were frozen, not decayed).
func (l *Learner) Resume() error {
	if !l.started {
		return errorf("resume: learning was never enabled (call Enable)")
	}
	if l.enabled {
		return nil
	}
	if err := l.attach(); err != nil {
		return err
	}
	l.enabled = true
	return nil
}

// Disable stops trace updates and detaches the hook (so the brain stops
// exporting potentials). The traces are settled and kept for Resume or for
// inspection.
func (l *Learner) Disable() {
	if !l.enabled {
		return
	}
	l.eng.flush()
	l.enabled = false
	if l.brain.Plastic == sim.Plasticity(l) {
		l.brain.Plastic = nil
	}
}

// Enabled says whether traces are being updated.
func (l *Learner) Enabled() bool { return l.enabled }

// Observe implements sim.Plasticity; the brain calls it every step while
// the learner is attached. It does nothing while learning is disabled.
func (l *Learner) Observe(step int64, preV, theta []float32, spikes []int32) {
	if !l.enabled {
		return
	}
	var L []float64
	var errs []errEntry
	if l.sup != nil && l.sup.presenting {
		errs = l.sup.stepErrors(spikes)
		if len(errs) > 0 {
			L = l.sup.L
			l.sup.signal(L, errs)
		}
	}
	l.eng.observe(preV, theta, spikes, L, errs)
	l.steps++
}

// Snapshot copies the eligibility of every synapse as it is now; the next
// Reward(…, FromSnapshot) uses it.
func (l *Learner) Snapshot() error {
	if !l.enabled {
		return errorf("snapshot: learning is not enabled")
	}
	l.eng.flush()
	l.snap = append(l.snap[:0], l.eng.eligibility()...)
	l.hasSnap = true
	return nil
}

// Reward applies reward r: the baseline first, b = decay·b + (1−decay)·r,
// then W = clamp(W + lr·(r − b)·E, w_min, w_max) for every synapse, with E
// the snapshot or the current eligibility as from says.
func (l *Learner) Reward(r float64, from Trace) (Update, error) {
	return l.reward(r, from, nil)
}

// RewardRegions is a local reward (dopamine-like), delivered to the
// regions listed only: the baseline is updated exactly as by Reward,
// b = decay·b + (1−decay)·r (one baseline per learner, whatever the
// regions), then W_ij = clamp(W_ij + lr·(r − b)·E_ij, w_min, w_max) only
// for synapses whose postsynaptic neuron j lies in one of the regions
// (region of j = j / neurons per region); every other weight is left as
// it is. The snapshot is consumed as by Reward. With every region listed
// it gives Reward's weights and update bit for bit. Regions must be
// indices in [0, regions); repeats are allowed, an empty list is an
// error. Update.MeanAbsDW stays the mean over all synapses.
func (l *Learner) RewardRegions(r float64, from Trace, regions []int) (Update, error) {
	mask, err := l.regionMask(regions)
	if err != nil {
		return Update{}, err
	}
	return l.reward(r, from, mask)
}

// regionMask says, per neuron, whether its region is one of regions.
func (l *Learner) regionMask(regions []int) ([]bool, error) {
	if len(regions) == 0 {
		return nil, errorf("reward: the list of regions is empty (give at least one region, or reward every region with Reward)")
	}
	net := l.net
	mask := make([]bool, net.N)
	for k, g := range regions {
		if g < 0 || g >= net.Regions {
			return nil, errorf("reward: regions[%d] must be a region index in [0, %d), got %d", k, net.Regions, g)
		}
		for j := g * net.NPR; j < (g+1)*net.NPR; j++ {
			mask[j] = true
		}
	}
	return mask, nil
}

// reward is Reward (post nil) or RewardRegions (post[j]: j's region gets
// the reward).
func (l *Learner) reward(r float64, from Trace, post []bool) (Update, error) {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return Update{}, errorf("reward must be finite, got %v", r)
	}
	if !l.enabled {
		return Update{}, errorf("reward: learning is not enabled")
	}
	var E []float32
	switch from {
	case FromSnapshot:
		if !l.hasSnap {
			return Update{}, errorf("reward from the snapshot, but no snapshot was taken since the last reward (call Snapshot, or reward FromCurrent)")
		}
		E = l.snap
	case FromCurrent:
	default:
		return Update{}, errorf("reward: the trace must be named (FromSnapshot or FromCurrent), got %v", from)
	}
	d := l.p.RewardDecay
	l.baseline = d*l.baseline + (1-d)*r
	f := l.p.LearningRate * (r - l.baseline)
	var u Update
	if post != nil {
		if E == nil {
			l.eng.flush()
			E = l.eng.eligibility()
		}
		u = l.applyWeightsTo(f, E, post)
	} else if E == nil {
		// One pass that settles the traces and applies them (LIF), or
		// settle then apply (ALIF).
		if fa, ok := l.eng.(flushApplier); ok {
			u = fa.flushApply(f, l.net.W, l.p.WMinMV, l.p.WMaxMV)
		} else {
			l.eng.flush()
			u = l.applyWeights(f, l.eng.eligibility())
		}
	} else {
		u = l.applyWeights(f, E)
	}
	if u.Changed > 0 {
		l.brain.WeightsChanged() // spikes in flight arrive with the new weights
	}
	u.Reward, u.Baseline = r, l.baseline
	if from == FromSnapshot {
		l.hasSnap = false
	}
	l.last = u
	return u, nil
}

// flushApplier is an engine that can settle its traces and apply a weight
// update in one pass over the synapses.
type flushApplier interface {
	flushApply(f float64, W []float32, lo, hi float64) Update
}

// applyWeights sets W = clamp(W + f·E) and measures the change.
func (l *Learner) applyWeights(f float64, E []float32) Update {
	acc := weightUpdate{u: Update{Factor: f}, lo: l.p.WMinMV, hi: l.p.WMaxMV}
	if f == 0 {
		return acc.u
	}
	acc.apply(l.net.W, E)
	return acc.done(len(l.net.W))
}

// applyWeightsTo sets W = clamp(W + f·E) on the synapses onto neurons j
// with post[j], and measures the change over all synapses.
func (l *Learner) applyWeightsTo(f float64, E []float32, post []bool) Update {
	acc := weightUpdate{u: Update{Factor: f}, lo: l.p.WMinMV, hi: l.p.WMaxMV}
	if f == 0 {
		return acc.u
	}
	acc.applyTo(l.net.W, E, l.net.Post, post)
	return acc.done(len(l.net.W))
}

// weightUpdate applies w = clamp(w + f·e) and keeps the statistics of the
// change.
type weightUpdate struct {
	u      Update
	lo, hi float64
	sum    float64
}

// apply updates W[s] with E[s] for every s of W (engine/simd: WeightPass,
// four synapses at a time; the statistics' sum in synapse order).
func (a *weightUpdate) apply(W, E []float32) {
	a.add(simd.WeightPass(W, E, a.u.Factor, a.lo, a.hi))
}

// applyTo is apply restricted to the synapses s with post[Post[s]]
// (engine/simd: WeightPassTo, the same arithmetic).
func (a *weightUpdate) applyTo(W, E []float32, Post []uint32, post []bool) {
	a.add(simd.WeightPassTo(W, E, Post, post, a.u.Factor, a.lo, a.hi))
}

// add takes in the statistics of one pass.
func (a *weightUpdate) add(st simd.WeightStats) {
	a.sum += st.Sum
	a.u.Changed += st.Changed
	a.u.Clamped += st.Clamped
	a.u.MaxAbsDW = max(a.u.MaxAbsDW, st.Max)
}

func (a *weightUpdate) done(n int) Update {
	if n > 0 {
		a.u.MeanAbsDW = a.sum / float64(n)
	}
	return a.u
}

// Eligibility copies every synapse's eligibility now into dst (grown as
// needed) and returns it.
func (l *Learner) Eligibility(dst []float32) []float32 {
	l.eng.flush()
	return append(dst[:0], l.eng.eligibility()...)
}

// SnapshotTrace returns the pending snapshot (nil when there is none); it
// is the learner's own copy, to be read, not kept.
func (l *Learner) SnapshotTrace() []float32 {
	if !l.hasSnap {
		return nil
	}
	return l.snap
}

// PresynapticTrace returns z̄ of neuron i now.
func (l *Learner) PresynapticTrace(i int) float64 {
	l.eng.flush()
	return l.eng.zbar(i)
}

// Stats measures the traces now (an O(synapses) pass) and reports the
// baseline and the last update.
func (l *Learner) Stats() Stats {
	st := Stats{Enabled: l.enabled, Steps: l.steps, Baseline: l.baseline, Last: l.last, HasSnap: l.hasSnap}
	if !l.started {
		return st
	}
	l.eng.flush()
	st.MaxAbsE, st.MeanAbsE = absStats(l.eng.eligibility())
	if l.hasSnap {
		st.SnapMaxE, st.SnapMeanE = absStats(l.snap)
	}
	return st
}

func absStats(x []float32) (mx, mean float64) {
	var sum float64
	for _, v := range x {
		a := math.Abs(float64(v))
		sum += a
		if a > mx {
			mx = a
		}
	}
	if len(x) > 0 {
		mean = sum / float64(len(x))
	}
	return mx, mean
}

// Bytes is the memory held by the learning state: traces, snapshot,
// supervised accumulation and feedback, and the per-neuron state.
func (l *Learner) Bytes() int64 {
	b := l.eng.bytes() + int64(cap(l.snap))*4
	if l.sup != nil {
		b += int64(len(l.sup.b)+len(l.sup.L))*8 + int64(len(l.sup.outIdx))*4
	}
	return b
}

// PrivateWeights gives the brain its own copy of its network with a weight
// array of its own (the rest is shared), so that it can learn alongside
// brains built on the same network. Call it before New.
func PrivateWeights(b *sim.Brain) {
	n := *b.Net
	n.W = append([]float32(nil), n.W...)
	b.Net = &n
}

// rowChunk is the rows of the synapse matrix a worker takes at a time in
// a settling pass (about 30,000 synapses at TVB96's fan-out).
const rowChunk = 256

// forRows calls f(c, lo, hi) for the chunks c of rowChunk rows [lo, hi)
// of [0, N): on the brain's Workers goroutines when it has more than one
// (one brain on all cores: its learner's settling passes spread as its
// step does), else one chunk after the other. The rows of a settling
// pass are independent of each other, so the result is the same either
// way; what is summed over rows, the caller adds in row order.
func forRows(b *sim.Brain, N int, f func(c, lo, hi int)) {
	chunks := (N + rowChunk - 1) / rowChunk
	chunk := func(c int) { f(c, c*rowChunk, min((c+1)*rowChunk, N)) }
	if b == nil || b.Workers <= 1 || chunks == 1 {
		for c := 0; c < chunks; c++ {
			chunk(c)
		}
		return
	}
	parallel.For(chunks, b.Workers, chunk)
}
