package gpu

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

// Shared by the reference tests (default build) and the GPU tests (cuda).

// brainSpec is one brain of a test batch.
type brainSpec struct {
	conn                *connectome.Connectome
	npr                 int
	delays, nmda, alif  bool
	wiringSeed, noise   uint64
	coupling            float64 // 0: default
	binSteps            int     // recorder bin size (0: none)
	raster              string  // "all", "some" or ""
	stimRegions         []int
	noRecorder, noInput bool
}

func (s brainSpec) build(t testing.TB) *network.Network {
	t.Helper()
	p := network.Defaults()
	p.NeuronsPerRegion = s.npr
	p.WiringSeed = s.wiringSeed
	if s.delays {
		p.VelocityMMPerMs = 3.5
	}
	if s.nmda {
		if pfc, err := s.conn.Group("prefrontal"); err == nil && len(pfc) > 0 {
			p.NMDARegions = pfc
		} else {
			p.NMDARegions = []int{0, s.conn.N() - 1}
		}
	}
	p.ALIF = s.alif
	if s.coupling > 0 {
		p.GlobalCoupling = s.coupling
	}
	net, err := network.Build(s.conn, p)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func (s brainSpec) recorder(net *network.Network) *sim.Recorder {
	if s.noRecorder {
		return nil
	}
	r := &sim.Recorder{BinSteps: s.binSteps}
	switch s.raster {
	case "all":
		for i := 0; i < net.N; i++ {
			r.Raster = append(r.Raster, i)
		}
	case "some":
		for i := net.N - 1; i >= 0; i -= 7 {
			r.Raster = append(r.Raster, i, i) // duplicates and descending on purpose
		}
	}
	return r
}

// phase is one run of a protocol: steps steps, with the stimulus or not.
type phase struct {
	steps int
	stim  bool
}

// scenario is a batch and a protocol; the CPU engine's results are the
// expectation.
type scenario struct {
	specs  []brainSpec
	nets   []*network.Network
	ext    [][]float32 // stimulus of every brain (nil when none)
	phases []phase
}

func newScenario(t testing.TB, specs []brainSpec, phases []phase) *scenario {
	t.Helper()
	sc := &scenario{specs: specs, phases: phases}
	for _, s := range specs {
		net := s.build(t)
		sc.nets = append(sc.nets, net)
		var ext []float32
		if !s.noInput && len(s.stimRegions) > 0 {
			pat, err := sim.Patterns(42, 1, net.NPR*3/10, net.NPR)
			if err != nil {
				t.Fatal(err)
			}
			ext, err = sim.Stimulus{{Regions: s.stimRegions, Pattern: pat[0], AmplitudeMV: 12}}.Dense(net)
			if err != nil {
				t.Fatal(err)
			}
		}
		sc.ext = append(sc.ext, ext)
	}
	return sc
}

func (sc *scenario) seeds() []uint64 {
	out := make([]uint64, len(sc.specs))
	for i, s := range sc.specs {
		out[i] = s.noise
	}
	return out
}

// outcome is what a backend produced after each phase.
type outcome struct {
	recs   [][]sim.Recorder // [phase][brain] copies
	rates  [][][][]float64  // [phase][brain] BinRates (reads the bin position)
	states [][]State        // [phase][brain]
}

func snapshot(r *sim.Recorder) sim.Recorder {
	if r == nil {
		return sim.Recorder{}
	}
	c := sim.Recorder{BinSteps: r.BinSteps, Steps: r.Steps, Counts: slices.Clone(r.Counts), Spikes: slices.Clone(r.Spikes)}
	for _, b := range r.Bins {
		c.Bins = append(c.Bins, slices.Clone(b))
	}
	return c
}

func binRates(r *sim.Recorder, dt float64) [][]float64 {
	if r == nil || r.BinSteps == 0 || r.Steps == 0 {
		return nil
	}
	return r.BinRates(dt)
}

// runCPU runs the scenario on the CPU engine, one goroutine per brain.
func (sc *scenario) runCPU(t testing.TB) *outcome {
	t.Helper()
	n, nph := len(sc.specs), len(sc.phases)
	out := &outcome{}
	for range sc.phases {
		out.recs = append(out.recs, make([]sim.Recorder, n))
		out.rates = append(out.rates, make([][][]float64, n))
		out.states = append(out.states, make([]State, n))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, s := range sc.specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b := sim.NewBrain(sc.nets[i], s.noise)
			rec := s.recorder(sc.nets[i])
			for ph := 0; ph < nph; ph++ {
				var ext []float32
				if sc.phases[ph].stim {
					ext = sc.ext[i]
				}
				if err := b.Run(context.Background(), sc.phases[ph].steps, ext, rec); err != nil {
					errs[i] = err
					return
				}
				out.recs[ph][i] = snapshot(rec)
				out.rates[ph][i] = binRates(rec, sc.nets[i].Params.DtMs)
				st := State{V: slices.Clone(b.V), ISyn: slices.Clone(b.ISyn), INMDA: slices.Clone(b.INMDA), Refrac: slices.Clone(b.Refrac)}
				if b.A != nil {
					st.A = slices.Clone(b.A)
				}
				out.states[ph][i] = st
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// runBatch runs the scenario on a gpu.Batch (device or reference).
func (sc *scenario) runBatch(t testing.TB, b *Batch) *outcome {
	t.Helper()
	out := &outcome{}
	recs := make([]*sim.Recorder, len(sc.specs))
	for i, s := range sc.specs {
		recs[i] = s.recorder(sc.nets[i])
	}
	for _, ph := range sc.phases {
		var ext [][]float32
		if ph.stim {
			ext = sc.ext
		}
		if err := b.Run(context.Background(), ph.steps, ext, recs); err != nil {
			t.Fatal(err)
		}
		var rs []sim.Recorder
		var rates [][][]float64
		var sts []State
		for i := range sc.specs {
			rs = append(rs, snapshot(recs[i]))
			rates = append(rates, binRates(recs[i], sc.nets[i].Params.DtMs))
			st, err := b.State(i)
			if err != nil {
				t.Fatal(err)
			}
			sts = append(sts, st)
		}
		out.recs = append(out.recs, rs)
		out.rates = append(out.rates, rates)
		out.states = append(out.states, sts)
	}
	return out
}

// same compares two outcomes exactly: spike trains, counts, bins, bin
// rates and every state variable bit for bit. It reports the first
// difference and the number of spikes compared.
func same(got, want *outcome) (spikes int, err error) {
	for ph := range want.recs {
		for i := range want.recs[ph] {
			g, w := &got.recs[ph][i], &want.recs[ph][i]
			where := fmt.Sprintf("phase %d, brain %d", ph, i)
			if g.Steps != w.Steps {
				return 0, fmt.Errorf("%s: %d steps recorded, want %d", where, g.Steps, w.Steps)
			}
			if !slices.Equal(g.Counts, w.Counts) {
				for k := range w.Counts {
					if g.Counts[k] != w.Counts[k] {
						return 0, fmt.Errorf("%s: neuron %d spiked %d times, want %d", where, k, g.Counts[k], w.Counts[k])
					}
				}
				return 0, fmt.Errorf("%s: counts differ (%d vs %d neurons)", where, len(g.Counts), len(w.Counts))
			}
			if !slices.Equal(g.Spikes, w.Spikes) {
				for k := range min(len(g.Spikes), len(w.Spikes)) {
					if g.Spikes[k] != w.Spikes[k] {
						return 0, fmt.Errorf("%s: raster differs at spike %d: %+v, want %+v", where, k, g.Spikes[k], w.Spikes[k])
					}
				}
				return 0, fmt.Errorf("%s: %d raster spikes, want %d", where, len(g.Spikes), len(w.Spikes))
			}
			if !slices.EqualFunc(g.Bins, w.Bins, slices.Equal) {
				return 0, fmt.Errorf("%s: bins differ (%d vs %d bins)", where, len(g.Bins), len(w.Bins))
			}
			if fmt.Sprint(got.rates[ph][i]) != fmt.Sprint(want.rates[ph][i]) {
				return 0, fmt.Errorf("%s: bin rates differ", where)
			}
			gs, ws := got.states[ph][i], want.states[ph][i]
			for _, v := range []struct {
				name string
				g, w []float32
			}{{"v", gs.V, ws.V}, {"i_syn", gs.ISyn, ws.ISyn}, {"i_nmda", gs.INMDA, ws.INMDA}, {"refrac", gs.Refrac, ws.Refrac}, {"a", gs.A, ws.A}} {
				if len(v.g) != len(v.w) {
					return 0, fmt.Errorf("%s: %s has %d values, want %d", where, v.name, len(v.g), len(v.w))
				}
				for k := range v.w {
					if math.Float32bits(v.g[k]) != math.Float32bits(v.w[k]) {
						return 0, fmt.Errorf("%s: %s of neuron %d is %v, want %v", where, v.name, k, v.g[k], v.w[k])
					}
				}
			}
			if ph == len(want.recs)-1 {
				for _, c := range w.Counts {
					spikes += int(c)
				}
			}
		}
	}
	return spikes, nil
}

// checkHandover: brains run on the CPU, are loaded into a batch made by
// mk, run there (stimulus on, recording), are stored back and run on the
// CPU again; at every point they match brains that never left the CPU,
// spike for spike and bit for bit, with input in flight at both hand-overs.
func checkHandover(t *testing.T, mk func(nets []*network.Network, seeds []uint64) (*Batch, error)) {
	sc := newScenario(t, mixedSpecs(t), nil)
	brains := func() []*sim.Brain {
		var out []*sim.Brain
		for i, net := range sc.nets {
			out = append(out, sim.NewBrain(net, sc.seeds()[i]))
		}
		return out
	}
	stay, move := brains(), brains()
	ctx := context.Background()
	recorders := func() []*sim.Recorder {
		var out []*sim.Recorder
		for i, s := range sc.specs {
			out = append(out, s.recorder(sc.nets[i]))
		}
		return out
	}
	runCPU := func(bs []*sim.Brain, steps int, stim bool, recs []*sim.Recorder) {
		for i, b := range bs {
			var ext []float32
			if stim {
				ext = sc.ext[i]
			}
			if err := b.Run(ctx, steps, ext, recs[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	compare := func(when string, onCPU bool, a, b []*sim.Recorder) {
		t.Helper()
		spikes := 0
		for i := range a {
			if !reflect.DeepEqual(a[i], b[i]) {
				t.Fatalf("%s: brain %d's recording differs", when, i)
			}
			if a[i] != nil {
				spikes += len(a[i].Spikes)
			}
			if onCPU && fmt.Sprint(stay[i].State()) != fmt.Sprint(move[i].State()) {
				t.Fatalf("%s: brain %d's state differs", when, i)
			}
		}
		t.Logf("%s: %d spikes in rasters, identical", when, spikes)
	}
	none := make([]*sim.Recorder, len(stay))
	runCPU(stay, 777, true, none)
	runCPU(move, 777, true, none)

	b, err := mk(sc.nets, sc.seeds())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Load(move); err != nil {
		t.Fatal(err)
	}
	if b.Step() != 777 {
		t.Fatalf("batch at step %d after Load, want 777", b.Step())
	}
	ra, rb := recorders(), recorders()
	runCPU(stay, 1203, true, ra)
	if err := b.Run(ctx, 1203, sc.ext, rb); err != nil {
		t.Fatal(err)
	}
	compare("on the batch", false, ra, rb)
	if err := b.Store(move); err != nil {
		t.Fatal(err)
	}
	for i := range move {
		if move[i].Step() != stay[i].Step() || fmt.Sprint(stay[i].State()) != fmt.Sprint(move[i].State()) {
			t.Fatalf("brain %d after Store: step %d, state differs from the CPU's (step %d)", i, move[i].Step(), stay[i].Step())
		}
	}
	ra, rb = recorders(), recorders()
	runCPU(stay, 500, false, ra)
	runCPU(move, 500, false, rb)
	compare("back on the CPU", true, ra, rb)

	// Loading the same brains again, later, into the same batch.
	if err := b.Load(move); err != nil {
		t.Fatal(err)
	}
	ra, rb = recorders(), recorders()
	runCPU(stay, 300, true, ra)
	if err := b.Run(ctx, 300, sc.ext, rb); err != nil {
		t.Fatal(err)
	}
	if err := b.Store(move); err != nil {
		t.Fatal(err)
	}
	compare("on the batch again", true, ra, rb)

	// Refusals.
	move[1].Restore(move[1].Step()+1, move[1].State(), move[1].Emitted)
	if err := b.Load(move); err == nil || !strings.Contains(err.Error(), "a batch shares one step") {
		t.Errorf("Load of brains at different steps: %v", err)
	}
	if err := b.Store(move[:2]); err == nil {
		t.Error("Store of 2 brains into a batch of more took them")
	}
	other := sim.NewBrain(sc.nets[1], sc.seeds()[0])
	if err := b.Load(append([]*sim.Brain{other}, move[1:]...)); err == nil {
		t.Error("Load of a brain on another network took it")
	}
}

// checkSetNetwork: new weights for some brains (a private copy, as e-prop
// makes, then changed in place) reach the batch, which goes on exactly as
// the CPU engine with the same weights — spikes in flight included, which
// arrive with the new weights (MODEL.md §3.8).
func checkSetNetwork(t *testing.T, mk func(nets []*network.Network, seeds []uint64) (*Batch, error)) {
	sc := newScenario(t, mixedSpecs(t)[:4], nil)
	b, err := mk(sc.nets, sc.seeds())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	var cpu []*sim.Brain
	for i, net := range sc.nets {
		cpu = append(cpu, sim.NewBrain(net, sc.seeds()[i]))
	}
	runBoth := func(steps int) (spikes int) {
		t.Helper()
		all := func(net *network.Network) *sim.Recorder {
			r := &sim.Recorder{}
			for i := 0; i < net.N; i++ {
				r.Raster = append(r.Raster, i)
			}
			return r
		}
		var ra, rb []*sim.Recorder
		for i, br := range cpu {
			ra, rb = append(ra, all(br.Net)), append(rb, all(br.Net))
			if err := br.Run(ctx, steps, sc.ext[i], ra[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Run(ctx, steps, sc.ext, rb); err != nil {
			t.Fatal(err)
		}
		for i := range ra {
			if !reflect.DeepEqual(ra[i], rb[i]) {
				t.Fatalf("brain %d: spikes differ from the CPU's after %d steps (%d vs %d)", i, steps, len(ra[i].Spikes), len(rb[i].Spikes))
			}
			spikes += len(ra[i].Spikes)
		}
		return spikes
	}
	runBoth(400)
	for _, i := range []int{0, 2} {
		n := *sc.nets[i]
		n.W = slices.Clone(n.W)
		for s := range n.W {
			if s%3 == 0 {
				n.W[s] *= 2.5
			}
		}
		cpu[i].Net = &n
		cpu[i].WeightsChanged()
		if err := b.SetNetwork(i, &n); err != nil {
			t.Fatal(err)
		}
	}
	n := runBoth(600)
	// In place, as a reward changes them.
	for s := range cpu[2].Net.W {
		cpu[2].Net.W[s] = -cpu[2].Net.W[s] * 0.5
	}
	cpu[2].WeightsChanged()
	if err := b.SetNetwork(2, cpu[2].Net); err != nil {
		t.Fatal(err)
	}
	n += runBoth(300)
	if n < 1000 {
		t.Fatalf("%d spikes: the comparison says little", n)
	}
	if err := b.SetNetwork(1, sc.nets[3]); err == nil {
		t.Error("SetNetwork took another brain's network")
	}
	t.Logf("%d spikes after new weights, identical", n)
}

// checkLearning: e-prop learners (LIF and ALIF) handed to a batch
// (LoadLearners) come back (Store) in the very state the CPU learners
// reach observing the same steps — bit for bit, across epoch and block
// ends, loaded mid-block — so rewards then change the weights identically,
// and the brains go on identically.
func checkLearning(t *testing.T, mk func(nets []*network.Network, seeds []uint64) (*Batch, error)) {
	sc := newScenario(t, mixedSpecs(t), nil)
	ctx := context.Background()
	type side struct {
		brains []*sim.Brain
		ls     []*eprop.Learner
	}
	mkSide := func() side {
		var s side
		for i, net := range sc.nets {
			b := sim.NewBrain(net, sc.seeds()[i])
			var l *eprop.Learner
			if sc.specs[i].stimRegions != nil {
				eprop.PrivateWeights(b)
				p := eprop.Defaults()
				p.LearningRate = 50
				var err error
				if l, err = eprop.New(b, p); err != nil {
					t.Fatal(err)
				}
				if err := l.Enable(); err != nil {
					t.Fatal(err)
				}
			}
			s.brains, s.ls = append(s.brains, b), append(s.ls, l)
		}
		return s
	}
	stay, move := mkSide(), mkSide()
	learning := 0
	for _, l := range stay.ls {
		if l != nil {
			learning++
		}
	}
	alif := 0
	for i, l := range stay.ls {
		if l != nil && sc.nets[i].Params.ALIF {
			alif++
		}
	}
	if learning < 4 || alif < 2 {
		t.Fatalf("%d learners, %d of them ALIF: the test needs several of each", learning, alif)
	}
	runCPU := func(s side, steps int) {
		for i, b := range s.brains {
			if err := b.Run(ctx, steps, sc.ext[i], nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	var nets []*network.Network
	for _, b := range move.brains {
		nets = append(nets, b.Net)
	}
	batch, err := mk(nets, sc.seeds())
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Close()
	onBatch := func(steps int) {
		t.Helper()
		if err := batch.Load(move.brains); err != nil {
			t.Fatal(err)
		}
		if err := batch.LoadLearners(move.ls); err != nil {
			t.Fatal(err)
		}
		if err := batch.Run(ctx, steps, sc.ext, nil); err != nil {
			t.Fatal(err)
		}
		if err := batch.Store(move.brains); err != nil {
			t.Fatal(err)
		}
	}
	same := func(when string) {
		t.Helper()
		for i := range stay.brains {
			if fmt.Sprint(stay.brains[i].State()) != fmt.Sprint(move.brains[i].State()) {
				t.Fatalf("%s: brain %d's state differs", when, i)
			}
			if !slices.Equal(stay.brains[i].Net.W, move.brains[i].Net.W) {
				t.Fatalf("%s: brain %d's weights differ", when, i)
			}
			a, b := stay.ls[i], move.ls[i]
			if a == nil {
				continue
			}
			// The learners' whole state, as HandOut copies it: arrays,
			// place in the epoch or block, the ALIF block's ψ rows and
			// spikes, tables and constants.
			sa, err := a.HandOut()
			if err != nil {
				t.Fatal(err)
			}
			sb, err := b.HandOut()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sa, sb) {
				t.Fatalf("%s: brain %d's learner differs (ALIF %v, epoch or block step %d vs %d)", when, i, sa.ALIF, sa.Pos, sb.Pos)
			}
			if a.Stats() != b.Stats() {
				t.Fatalf("%s: brain %d's learner statistics differ:\n%+v\n%+v", when, i, a.Stats(), b.Stats())
			}
		}
	}
	runCPU(stay, 300)
	runCPU(move, 300)
	runCPU(stay, 1300) // crosses epoch ends (K = 512)
	onBatch(1300)
	same("after 1,300 steps on the batch")
	for i := range stay.ls {
		if stay.ls[i] == nil {
			continue
		}
		for _, s := range []side{stay, move} {
			if err := s.ls[i].Snapshot(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ls[i].Reward(1, eprop.FromSnapshot); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.SetNetwork(i, move.brains[i].Net); err != nil {
			t.Fatal(err)
		}
	}
	same("after a reward")
	if u := stay.ls[0].Stats().Last; u.Changed == 0 {
		t.Fatal("the reward changed no weight: the test shows little")
	}
	runCPU(stay, 777)
	onBatch(777)
	same("after 777 more steps on the batch")
	t.Logf("%d learners (%d ALIF): state, statistics and weights identical", learning, alif)
}

// tvb96Batch builds n TVB96 brains at npr 200 with the Exp 22/23
// parameters (NMDA in the prefrontal group), each with its own wiring and
// noise seed.
func tvb96Batch(b testing.TB, n int, delays bool) ([]*network.Network, []uint64) {
	c := enginetest.TVB96(b)
	pfc, _ := c.Group("prefrontal")
	var nets []*network.Network
	var seeds []uint64
	for i := 0; i < n; i++ {
		p := network.Defaults()
		p.NMDARegions = pfc
		p.WiringSeed = uint64(42 + i)
		if delays {
			p.VelocityMMPerMs = 3.5
		}
		net, err := network.Build(c, p)
		if err != nil {
			b.Fatal(err)
		}
		nets = append(nets, net)
		seeds = append(seeds, uint64(1+i))
	}
	return nets, seeds
}
