package eprop

import (
	"context"
	"math"
	"testing"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/oracle"
	"github.com/encephagen/encephagen/engine/rng"
	"github.com/encephagen/encephagen/engine/sim"
)

// harness runs one fast brain with the fast learner and feeds the very
// same step data (pre-reset potentials, thresholds, spikes) to the naive
// oracle learner, which keeps its own float64 weights. Dynamics are driven
// by the fast learner's weights; both learners see identical inputs, so
// any difference is the learners'.
type harness struct {
	b  *sim.Brain
	l  *Learner
	o  *oracle.EProp
	w0 []float32 // initial weights
	z  []bool

	presenting bool
	target     [][]bool
	presStep   int
	off        []bool

	updates int // weight updates so far (rewards and supervised applications)
}

func (h *harness) Observe(step int64, preV, theta []float32, spikes []int32) {
	h.l.Observe(step, preV, theta, spikes)
	if !h.l.Enabled() {
		return
	}
	clear(h.z)
	for _, i := range spikes {
		h.z[i] = true
	}
	var tgt []bool
	if h.presenting {
		tgt = h.off
		if h.presStep < len(h.target) {
			tgt = h.target[h.presStep]
		}
		h.presStep++
	}
	h.o.Observe(preV, theta, h.z, tgt)
}

func oracleParams(p Params) oracle.EPropParams {
	return oracle.EPropParams{LR: p.LearningRate, TauEMs: p.TauEMs, Gamma: p.Gamma,
		WMin: p.WMinMV, WMax: p.WMaxMV, RewardDecay: p.RewardDecay}
}

// newHarness builds the brain, the learner and the oracle (tracking the
// synapses syn, nil for all) and enables learning.
func newHarness(t testing.TB, net *network.Network, p Params, noise uint64, syn []int) *harness {
	t.Helper()
	b := sim.NewBrain(net, noise)
	l, err := New(b, p)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{b: b, l: l, o: oracle.NewEProp(net, oracleParams(p), syn),
		w0: append([]float32(nil), net.W...), z: make([]bool, net.N)}
	h.enable(t)
	return h
}

func (h *harness) enable(t testing.TB) {
	t.Helper()
	h.b.Plastic = nil
	if err := h.l.Enable(); err != nil {
		t.Fatal(err)
	}
	h.b.Plastic = h
}

func (h *harness) resume(t testing.TB) {
	t.Helper()
	h.b.Plastic = nil
	if err := h.l.Resume(); err != nil {
		t.Fatal(err)
	}
	h.b.Plastic = h
}

func (h *harness) run(t testing.TB, steps int, ext []float32) {
	t.Helper()
	if err := h.b.Run(context.Background(), steps, ext, nil); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) snapshot(t testing.TB) {
	t.Helper()
	if err := h.l.Snapshot(); err != nil {
		t.Fatal(err)
	}
	h.o.Snapshot()
}

func (h *harness) reward(t testing.TB, r float64, from Trace) Update {
	t.Helper()
	u, err := h.l.Reward(r, from)
	if err != nil {
		t.Fatal(err)
	}
	h.o.Reward(r, from == FromSnapshot)
	h.updates++
	if math.Abs(h.o.Baseline-h.l.baseline) > 1e-15 {
		t.Fatalf("baseline %v, oracle %v", h.l.baseline, h.o.Baseline)
	}
	return u
}

// errScaleFrac sets the floor of the relative error: a value is compared
// relative to max(|oracle value|, errScaleFrac·max|oracle values of that
// quantity|), so values that are tiny against the largest of their kind
// (a trace that has decayed for seconds) are compared in absolute terms.
const errScaleFrac = 1e-3

// relErr returns max over the tracked synapses of |fast − oracle| /
// max(|oracle|, errScaleFrac·max|oracle|), and the largest |oracle|.
func relErr(fast func(s int) float64, ora []float64, syn []int) (worst, largest float64) {
	return relErrAllow(fast, ora, syn, nil)
}

// relErrAllow is relErr with an absolute allowance per synapse subtracted
// from the difference first (nil: none).
func relErrAllow(fast func(s int) float64, ora []float64, syn []int, allow func(s int) float64) (worst, largest float64) {
	for _, v := range ora {
		largest = max(largest, math.Abs(v))
	}
	floor := errScaleFrac * largest
	if floor == 0 {
		floor = math.SmallestNonzeroFloat64
	}
	for n, s := range syn {
		d := math.Abs(fast(s) - ora[n])
		if allow != nil {
			d = max(0, d-allow(s))
		}
		worst = max(worst, d/max(math.Abs(ora[n]), floor))
	}
	return worst, largest
}

// report holds the worst errors of one comparison.
type report struct {
	E, Eps, W, DW, Snap, G float64 // worst relative errors
	MaxE, MaxDW            float64
}

// compare checks every tracked synapse's eligibility (and ε with ALIF),
// weight, weight change, snapshot and supervised accumulation against the
// oracle and fails beyond tol.
func (h *harness) compare(t testing.TB, label string, tol float64) report {
	t.Helper()
	h.l.eng.flush()
	syn := h.o.Syn
	var r report
	e := h.l.eng.eligibility()
	r.E, r.MaxE = relErr(func(s int) float64 { return float64(e[s]) }, h.o.E, syn)
	if h.o.ALIF {
		eps := h.l.eng.(*alif).eps
		r.Eps, _ = relErr(func(s int) float64 { return float64(eps[s]) }, h.o.Eps, syn)
	}
	W := h.l.net.W
	r.W, _ = relErr(func(s int) float64 { return float64(W[s]) }, h.o.W, syn)
	dOra := make([]float64, len(syn))
	for n, s := range syn {
		dOra[n] = h.o.W[n] - float64(h.w0[s])
	}
	// The engine stores weights in float32: every update rounds each
	// weight by up to half an ulp, which the change Δw = w − w0 carries
	// (and the oracle's float64 weights do not). That much is allowed.
	ulps := func(s int) float64 {
		u := math.Abs(float64(W[s]))
		u = max(u, math.Abs(float64(h.w0[s])))
		return float64(h.updates) * 0.5 * u * 0x1p-23
	}
	r.DW, r.MaxDW = relErrAllow(func(s int) float64 { return float64(W[s]) - float64(h.w0[s]) }, dOra, syn, ulps)
	if h.o.HasSnap != h.l.hasSnap {
		t.Fatalf("%s: snapshot pending %v, oracle %v", label, h.l.hasSnap, h.o.HasSnap)
	}
	if h.l.hasSnap {
		r.Snap, _ = relErr(func(s int) float64 { return float64(h.l.snap[s]) }, h.o.Snap, syn)
	}
	if g := h.l.eng.accumulated(); g != nil {
		r.G, _ = relErr(func(s int) float64 { return float64(g[s]) }, h.o.G, syn)
	}
	for i, o := range h.o.ZBar {
		if z := h.l.eng.zbar(i); math.Abs(z-o) > 1e-12*max(o, 1e-3) {
			t.Fatalf("%s: z̄ of neuron %d is %v, oracle %v", label, i, z, o)
		}
	}
	t.Logf("%s: rel. errors e %.2g (max|e| %.3g) ε %.2g  w %.2g  Δw %.2g (max|Δw| %.3g)  snapshot %.2g  G %.2g",
		label, r.E, r.MaxE, r.Eps, r.W, r.DW, r.MaxDW, r.Snap, r.G)
	for name, v := range map[string]float64{"e": r.E, "ε": r.Eps, "w": r.W, "Δw": r.DW, "snapshot": r.Snap, "G": r.G} {
		if !(v <= tol) {
			t.Fatalf("%s: relative error of %s is %.3g > %.0e", label, name, v, tol)
		}
	}
	if r.MaxE == 0 {
		t.Fatalf("%s: all eligibility is zero: the comparison says nothing", label)
	}
	return r
}

// stimulus returns a pattern × amplitude input on the regions.
func stimulus(t testing.TB, net *network.Network, regions []int, amp float64) []float32 {
	t.Helper()
	pat, err := sim.Patterns(42, 1, net.NPR*3/10, net.NPR)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := sim.Stimulus{{Regions: regions, Pattern: pat[0], AmplitudeMV: amp}}.Dense(net)
	if err != nil {
		t.Fatal(err)
	}
	return ext
}

// sample returns a sorted random sample of about n synapse indices out of
// m, always including the first and the last.
func sample(seed uint64, m, n int) []int {
	st := rng.New(seed, 77)
	out := []int{0}
	p := float64(n) / float64(m)
	for s := 1; s < m-1; s++ {
		if st.Float64() < p {
			out = append(out, s)
		}
	}
	return append(out, m-1)
}

// smallConnectome is a 4-region connectome with tract lengths, every
// ordered pair connected.
func smallConnectome() *connectome.Connectome {
	n := 4
	c := &connectome.Connectome{Name: "four", Labels: []string{"RM-V1_R", "RM-AMYG_R", "RM-PFCm_R", "RM-M1_R"},
		Weights: make([]float64, n*n), TractLengths: make([]float64, n*n)}
	for s := 0; s < n; s++ {
		for d := 0; d < n; d++ {
			if s != d {
				c.Weights[s*n+d] = float64(1 + (s+2*d)%3)
				c.TractLengths[s*n+d] = 10 + 7*float64(s+d)
			}
		}
	}
	return c
}
