package eprop

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/oracle"
	"github.com/encephagen/encephagen/engine/sim"
)

func smallNet(t testing.TB, alif bool) *network.Network {
	t.Helper()
	return buildNet(t, enginetest.Synthetic(3), variant{npr: 20, alif: alif, delays: true})
}

func run(t testing.TB, b *sim.Brain, steps int, ext []float32) {
	t.Helper()
	if err := b.Run(context.Background(), steps, ext, nil); err != nil {
		t.Fatal(err)
	}
}

func TestEnableDisableResume(t *testing.T) {
	for _, alif := range []bool{false, true} {
		net := smallNet(t, alif)
		b := sim.NewBrain(net, 1)
		l, err := New(b, Defaults())
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Enable(); err != nil {
			t.Fatal(err)
		}
		if b.Plastic != sim.Plasticity(l) {
			t.Fatal("Enable did not attach the learner")
		}
		ext := stimulus(t, net, []int{0}, 12)
		run(t, b, 300, ext)
		if err := l.Snapshot(); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Reward(1, FromSnapshot); err != nil {
			t.Fatal(err)
		}
		e1 := l.Eligibility(nil)
		l.Disable()
		if b.Plastic != nil {
			t.Fatal("Disable left the hook attached")
		}
		run(t, b, 300, ext)
		if e2 := l.Eligibility(nil); !slices.Equal(e1, e2) {
			t.Fatal("traces changed while learning was disabled")
		}
		if _, err := l.Reward(1, FromCurrent); err == nil {
			t.Fatal("a reward while disabled must be an error")
		}
		if err := l.Resume(); err != nil {
			t.Fatal(err)
		}
		if st := l.Stats(); st.Baseline != (1-decay)*1 || st.Steps != 300 {
			t.Fatalf("resume kept baseline %v and %d steps, want 0.01 and 300", st.Baseline, st.Steps)
		}
		run(t, b, 50, ext)
		if slices.Equal(e1, l.Eligibility(nil)) {
			t.Fatal("traces did not move after Resume")
		}
		if err := l.Enable(); err != nil {
			t.Fatal(err)
		}
		st := l.Stats()
		if st.MaxAbsE != 0 || st.Baseline != 0 || st.Steps != 0 || st.HasSnap || st.Last != (Update{}) {
			t.Fatalf("Enable did not start fresh: %+v", st)
		}
		if z := l.PresynapticTrace(0); z != 0 {
			t.Fatalf("Enable kept z̄ = %v", z)
		}
		run(t, b, 100, ext)
		u, err := l.Reward(2, FromCurrent)
		if err != nil {
			t.Fatal(err)
		}
		if u.Baseline != (1-decay)*2 || u.Factor != 0.1*(2-(1-decay)*2) || u.Changed == 0 {
			t.Fatalf("first reward after a fresh Enable: %+v", u)
		}
	}
}

func TestErrors(t *testing.T) {
	net := smallNet(t, false)
	b := sim.NewBrain(net, 1)
	l, err := New(b, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	want := func(err error, sub string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), sub) {
			t.Fatalf("got error %v, want one containing %q", err, sub)
		}
	}
	want(l.Resume(), "never enabled")
	want(l.Snapshot(), "not enabled")
	_, err = l.Reward(1, FromCurrent)
	want(err, "not enabled")
	l.Enable()
	_, err = l.Reward(1, FromSnapshot)
	want(err, "no snapshot")
	_, err = l.Reward(1, 0)
	want(err, "must be named")
	_, err = l.Reward(math.NaN(), FromCurrent)
	want(err, "finite")
	l.Snapshot()
	if _, err := l.Reward(1, FromSnapshot); err != nil {
		t.Fatal(err)
	}
	_, err = l.Reward(1, FromSnapshot)
	want(err, "no snapshot") // the snapshot is consumed
	_, err = l.ApplySupervised()
	want(err, "no presentation")
	want(l.Present(nil), "Supervise first")
	want(l.Supervise(Supervision{}), "no output")
	want(l.Supervise(Supervision{Outputs: []int{1, 1}}), "twice")
	want(l.Supervise(Supervision{Outputs: []int{net.N}}), "out of range")
	want(l.Supervise(Supervision{Outputs: []int{1}, FeedbackStd: -1}), "std")
	if err := l.Supervise(Supervision{Outputs: []int{1, 2}}); err != nil {
		t.Fatal(err)
	}
	want(l.Present([][]bool{{true}}), "1 entries for 2 outputs")

	other := sim.NewBrain(net, 2)
	other.Plastic = noHook{}
	lo, _ := New(other, Defaults())
	want(lo.Enable(), "another plasticity hook")
	PrivateWeights(b)
	want(l.Enable(), "replaced")

	for _, p := range []Params{
		{TauEMs: 0, WMaxMV: 1, RewardDecay: 0.5},
		{TauEMs: 50, Gamma: -1, WMaxMV: 1},
		{TauEMs: 50, WMinMV: 1, WMaxMV: 0},
		{TauEMs: 50, RewardDecay: 2},
		{TauEMs: 50, LearningRate: math.Inf(1)},
		{TauEMs: 50, RebaseSteps: -1},
	} {
		if _, err := New(sim.NewBrain(net, 1), p); err == nil {
			t.Fatalf("params %+v accepted", p)
		}
	}
	pa := network.Defaults()
	pa.NeuronsPerRegion, pa.ALIF, pa.BetaALIF = 10, true, 5
	na, err := network.Build(enginetest.Synthetic(3), pa)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(sim.NewBrain(na, 1), Defaults())
	want(err, "grow without bound")
}

// decay is the default reward decay as a variable, so that 1 − decay is
// rounded as the learner rounds it (a constant expression would be exact).
var decay = Defaults().RewardDecay

type noHook struct{}

func (noHook) Observe(int64, []float32, []float32, []int32) {}

// TestALIFAnySignOfRecursiveFactor: with β = 3, ρ − β·ψ runs from ρ down
// to ρ − 1.5 < 0; the block sweep divides by nothing, so it stays exact.
func TestALIFAnySignOfRecursiveFactor(t *testing.T) {
	p := network.Defaults()
	p.NeuronsPerRegion, p.ALIF, p.BetaALIF = 30, true, 3
	net, err := network.Build(enginetest.Synthetic(4), p)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, net, learnParams(variant{epoch: 64}), 1, nil)
	ext := stimulus(t, net, []int{0, 1}, 12)
	neg := 0
	for i := 0; i < 6; i++ {
		h.run(t, 250, ext)
		for _, psi := range h.o.Psi {
			if h.o.Rho-3*psi < 0 {
				neg++
			}
		}
		h.snapshot(t)
		h.run(t, 250, nil)
		h.reward(t, 1, FromSnapshot)
	}
	if neg == 0 {
		t.Fatal("ρ − β·ψ never went negative: the test says nothing")
	}
	h.compare(t, "β = 3", oracleTol)
}

func TestPresynapticTraceAndStats(t *testing.T) {
	for _, alif := range []bool{false, true} {
		net := smallNet(t, alif)
		h := newHarness(t, net, Defaults(), 4, nil)
		h.run(t, 777, stimulus(t, net, []int{0, 1}, 12))
		for i := 0; i < net.N; i++ {
			if z, o := h.l.PresynapticTrace(i), h.o.ZBar[i]; math.Abs(z-o) > 1e-12*max(1, o) {
				t.Fatalf("z̄_%d = %v, oracle %v", i, z, o)
			}
		}
		h.snapshot(t)
		w0 := slices.Clone(net.W)
		u := h.reward(t, 1, FromSnapshot)
		st := h.l.Stats()
		e := h.l.Eligibility(nil)
		var mx, sum, dmx, dsum float64
		changed := 0
		for s := range e {
			mx = max(mx, math.Abs(float64(e[s])))
			sum += math.Abs(float64(e[s]))
			d := math.Abs(float64(net.W[s]) - float64(w0[s]))
			dmx, dsum = max(dmx, d), dsum+d
			if net.W[s] != w0[s] {
				changed++
			}
		}
		if st.MaxAbsE != mx || math.Abs(st.MeanAbsE-sum/float64(len(e))) > 1e-15 {
			t.Fatalf("stats |e| %v %v, direct %v %v", st.MaxAbsE, st.MeanAbsE, mx, sum/float64(len(e)))
		}
		if u.MaxAbsDW != dmx || math.Abs(u.MeanAbsDW-dsum/float64(len(e))) > 1e-15 || u.Changed != changed || st.Last != u {
			t.Fatalf("update %+v, direct max %v mean %v changed %d", u, dmx, dsum/float64(len(e)), changed)
		}
		if u.Clamped == 0 {
			t.Fatal("the small network's −j_inh beyond w_min should be clamped")
		}
		if st.Baseline != (1-decay)*1 {
			t.Fatalf("baseline %v", st.Baseline)
		}
	}
}

// TestBatchMatchesSingleBrains: learners driven through a sim.Batch (any
// number of workers) end with exactly the weights of the same brains run
// one by one.
func TestBatchMatchesSingleBrains(t *testing.T) {
	net := smallNet(t, false)
	ext := stimulus(t, net, []int{0}, 12)
	protocol := func(steps func(int, []float32), snap func() error, reward func(float64) error) {
		for trial := 0; trial < 3; trial++ {
			steps(300, ext)
			if err := snap(); err != nil {
				t.Fatal(err)
			}
			steps(200, nil)
			if err := reward(1); err != nil {
				t.Fatal(err)
			}
		}
	}
	var single [][]float32
	for seed := uint64(1); seed <= 3; seed++ {
		b := sim.NewBrain(net, seed)
		PrivateWeights(b)
		l, _ := New(b, Defaults())
		l.Enable()
		protocol(func(n int, e []float32) { run(t, b, n, e) }, l.Snapshot,
			func(r float64) error { _, err := l.Reward(r, FromSnapshot); return err })
		single = append(single, b.Net.W)
	}
	for _, workers := range []int{1, 2} {
		bt := &sim.Batch{Workers: workers}
		for seed := uint64(1); seed <= 3; seed++ {
			bt.Brains = append(bt.Brains, sim.NewBrain(net, seed))
		}
		if _, err := NewBatch(bt, Defaults()); err == nil || !strings.Contains(err.Error(), "share a weight array") {
			t.Fatalf("shared weights accepted: %v", err)
		}
		for _, b := range bt.Brains {
			PrivateWeights(b)
		}
		lb, err := NewBatch(bt, Defaults())
		if err != nil {
			t.Fatal(err)
		}
		lb.Workers = workers
		if err := lb.Enable(); err != nil {
			t.Fatal(err)
		}
		protocol(func(n int, e []float32) {
			if err := bt.Run(context.Background(), n, [][]float32{e, e, e}, nil); err != nil {
				t.Fatal(err)
			}
		}, lb.Snapshot, func(r float64) error { _, err := lb.Reward(r, FromSnapshot); return err })
		for i, b := range bt.Brains {
			if !slices.Equal(b.Net.W, single[i]) {
				t.Fatalf("workers %d: brain %d's weights differ from the single run", workers, i)
			}
		}
	}
}

// TestOracleOnOracleBrain drives the fast learner from the fast brain and
// the oracle learner from the naive dynamics oracle (oracle.Brain's PreV,
// Theta and History) with learning but no weight change, so both brains
// stay identical: the learners agree too.
func TestOracleOnOracleBrain(t *testing.T) {
	net := smallNet(t, true)
	b := sim.NewBrain(net, 9)
	l, _ := New(b, Defaults())
	l.Enable()
	ob := oracle.New(net, 9)
	o := oracle.NewEProp(net, oracleParams(Defaults()), nil)
	ext := stimulus(t, net, []int{0, 1}, 12)
	for step := 0; step < 1500; step++ {
		in := ext
		if step%500 >= 300 {
			in = nil
		}
		run(t, b, 1, in)
		z := ob.Advance(in)
		o.Observe(ob.PreV, ob.Theta, z, nil)
	}
	h := &harness{l: l, o: o, w0: slices.Clone(net.W)}
	h.compare(t, "fast learner on sim.Brain vs oracle learner on oracle.Brain", oracleTol)
}

// TestBlockSteps: without a requested block length the ALIF learner takes
// the longest block whose ψ history (4 bytes per neuron and step) is no
// larger than ε and e (8 bytes per synapse), between 64 and 512 steps; a
// requested length is kept.
func TestBlockSteps(t *testing.T) {
	tvb := buildNet(t, enginetest.TVB96(t), variant{npr: 200, alif: true})
	for _, net := range []*network.Network{smallNet(t, true), buildNet(t, enginetest.Synthetic(3), variant{npr: 400, alif: true}), tvb} {
		l, err := New(sim.NewBrain(net, 1), Defaults())
		if err != nil {
			t.Fatal(err)
		}
		B, S, N := l.eng.(*alif).B, net.Synapses(), net.N
		switch {
		case B < 64 || B > 512:
			t.Errorf("N %d, %d synapses: block %d outside [64, 512]", N, S, B)
		case B > 64 && 4*N*B > 8*S:
			t.Errorf("N %d, %d synapses: block %d, history %d bytes > traces %d", N, S, B, 4*N*B, 8*S)
		case B < 512 && 4*N*(B+1) <= 8*S:
			t.Errorf("N %d, %d synapses: block %d is not the longest within the traces' size", N, S, B)
		}
		if net == tvb && B != 248 {
			t.Errorf("TVB96 at npr 200: block %d, want 248 (fan-out 124.5)", B)
		}
		p := Defaults()
		p.BlockSteps = 100
		if l, err = New(sim.NewBrain(net, 1), p); err != nil || l.eng.(*alif).B != 100 {
			t.Errorf("a requested block of 100 steps: %v", err)
		}
	}
}

// TestWorkersSettleBitForBit: a brain that spreads its step over several
// cores (Brain.Workers) settles its learner's traces over them too (the
// LIF rebase and reward from the current trace, the ALIF block pass);
// weights, traces and every reward's statistics are those of one core,
// bit for bit. The network has 1,000 neurons: four chunks of rows.
func TestWorkersSettleBitForBit(t *testing.T) {
	for _, alif := range []bool{false, true} {
		net := buildNet(t, enginetest.Synthetic(5), variant{npr: 100, alif: alif})
		ext := stimulus(t, net, []int{0, 2}, 12)
		type result struct {
			W, e []float32
			ups  []Update
		}
		outcome := func(workers int) result {
			b := sim.NewBrain(net, 7)
			PrivateWeights(b)
			b.Workers = workers
			p := Defaults()
			p.RebaseSteps, p.BlockSteps = 128, 96 // several epochs and blocks a trial
			l, err := New(b, p)
			if err != nil {
				t.Fatal(err)
			}
			l.Enable()
			var r result
			for trial := 0; trial < 3; trial++ {
				run(t, b, 300, ext)
				l.Snapshot()
				run(t, b, 150, nil)
				for _, from := range []Trace{FromSnapshot, FromCurrent} {
					u, err := l.Reward(float64(trial%2), from)
					if err != nil {
						t.Fatal(err)
					}
					r.ups = append(r.ups, u)
					run(t, b, 70, nil)
				}
			}
			r.W = b.Net.W
			r.e = l.Eligibility(nil)
			return r
		}
		one := outcome(1)
		for _, workers := range []int{2, 3} {
			got := outcome(workers)
			if !slices.Equal(got.ups, one.ups) {
				t.Fatalf("alif=%v, %d workers: updates %+v, one core %+v", alif, workers, got.ups, one.ups)
			}
			for name, pair := range map[string][2][]float32{"W": {got.W, one.W}, "e": {got.e, one.e}} {
				for s := range pair[1] {
					if math.Float32bits(pair[0][s]) != math.Float32bits(pair[1][s]) {
						t.Fatalf("alif=%v, %d workers: %s[%d] = %v, one core %v", alif, workers, name, s, pair[0][s], pair[1][s])
					}
				}
			}
		}
	}
}
