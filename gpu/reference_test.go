package gpu

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/rng"
	"github.com/encephagen/encephagen/engine/sim"
)

// mixedSpecs is a batch of different brains: sizes (odd, under and over a
// warp, several spike words per region), delays or not, NMDA, ALIF,
// couplings, recorders of every kind, stimulated or not.
func mixedSpecs(t testing.TB) []brainSpec {
	syn3, syn5, syn2 := enginetest.Synthetic(3), enginetest.Synthetic(5), enginetest.Synthetic(2)
	paupau := enginetest.Load(t, "paupau.zip")
	return []brainSpec{
		{conn: syn3, npr: 40, wiringSeed: 42, noise: 7, binSteps: 100, raster: "all", stimRegions: []int{0, 1}},
		{conn: syn3, npr: 37, delays: true, nmda: true, wiringSeed: 43, noise: 8, binSteps: 7, raster: "all", stimRegions: []int{2}},
		{conn: syn5, npr: 70, delays: true, nmda: true, alif: true, wiringSeed: 44, noise: 9, raster: "some", stimRegions: []int{0}},
		{conn: paupau, npr: 50, delays: true, nmda: true, alif: true, wiringSeed: 45, noise: 10, binSteps: 250, raster: "all", stimRegions: []int{0}},
		{conn: syn2, npr: 33, nmda: true, coupling: 0.4, wiringSeed: 46, noise: 11, binSteps: 1, noInput: true},
		{conn: syn5, npr: 64, delays: true, wiringSeed: 47, noise: 12, noRecorder: true, stimRegions: []int{3, 4}},
		{conn: syn3, npr: 40, wiringSeed: 42, noise: 13, raster: "all", stimRegions: []int{0, 1}}, // brain 0's network, other noise
	}
}

// The phases cross the 1,000-step chunk boundary, end mid-bin, and switch
// the stimulus on and off.
var mixedPhases = []phase{{300, false}, {1203, true}, {1, false}, {446, false}}

func checkSame(t *testing.T, got, want *outcome) {
	t.Helper()
	n, err := same(got, want)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Fatalf("only %d spikes: the comparison says little", n)
	}
	t.Logf("%d spikes, every spike train, count, bin and state variable identical", n)
}

// TestReferenceMatchesCPU is the proof of the kernels' algorithm: the Go
// transcription of the CUDA kernels reproduces the CPU engine exactly, for
// a batch of different brains run together.
func TestReferenceMatchesCPU(t *testing.T) {
	sc := newScenario(t, mixedSpecs(t), mixedPhases)
	want := sc.runCPU(t)
	ref, err := NewReference(sc.nets, sc.seeds())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	progress := 0
	ref.Progress = func(steps int) { progress += steps }
	checkSame(t, sc.runBatch(t, ref), want)
	if total := 300 + 1203 + 1 + 446; progress != total {
		t.Fatalf("progress reported %d steps, want %d", progress, total)
	}
}

// TestReferenceIndependentOfSchedule runs the blocks in reverse order and
// with several blocks per region: the device runs blocks in any order and
// regions larger than a block in several blocks.
func TestReferenceIndependentOfSchedule(t *testing.T) {
	old := blockLimit
	blockLimit = 32
	defer func() { blockLimit = old }()
	sc := newScenario(t, mixedSpecs(t)[:4], mixedPhases[:2])
	want := sc.runCPU(t)
	ref, err := NewReference(sc.nets, sc.seeds())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if ref.plan.Block != 32 || len(ref.plan.tasks) <= ref.plan.TR {
		t.Fatalf("block %d, %d tasks for %d regions: want several blocks per region", ref.plan.Block, len(ref.plan.tasks), ref.plan.TR)
	}
	exe := ref.exe.(*refExec)
	for i := len(ref.plan.tasks) - 1; i >= 0; i-- {
		exe.order = append(exe.order, i)
	}
	checkSame(t, sc.runBatch(t, ref), want)
}

// TestReferenceMatchesCPUOnTVB96 checks the reference experiments' brain
// (npr 200, NMDA in the prefrontal group, with and without delays, and a
// second wiring seed) against the CPU engine.
func TestReferenceMatchesCPUOnTVB96(t *testing.T) {
	if testing.Short() {
		t.Skip("TVB96 at npr 200 takes a few seconds")
	}
	c := enginetest.TVB96(t)
	visual, _ := c.Group("visual")
	specs := []brainSpec{
		{conn: c, npr: 200, nmda: true, delays: true, wiringSeed: 42, noise: 7, binSteps: 100, raster: "all", stimRegions: visual[:4]},
		{conn: c, npr: 200, nmda: true, wiringSeed: 43, noise: 8, binSteps: 100, raster: "some", stimRegions: visual[:4]},
	}
	sc := newScenario(t, specs, []phase{{150, false}, {300, true}, {150, false}})
	want := sc.runCPU(t)
	ref, err := NewReference(sc.nets, sc.seeds())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	checkSame(t, sc.runBatch(t, ref), want)
	st := ref.plan.stats()
	t.Logf("plan: %d synapses in %d entries (%.2f×), %d pathways, %d blocks of %d threads, %.0f MB on the device",
		st.Synapses, st.Entries, float64(st.Entries)/float64(st.Synapses), st.Paths, st.Tasks, ref.plan.Block, float64(st.DeviceBytes)/1e6)
}

// TestWyrandAt checks the counter-based form of engine/rng's stream.
func TestWyrandAt(t *testing.T) {
	for _, seed := range []uint64{0, 1, 0xdeadbeef, rng.Mix(7, 2, 3)} {
		st := rng.New(seed)
		s0 := rng.Mix(seed)
		for n := uint64(0); n < 1000; n++ {
			if got, want := wyrandAt(s0, n), st.Uint64(); got != want {
				t.Fatalf("seed %d draw %d: %x, want %x", seed, n, got, want)
			}
		}
	}
}

// TestInitialState checks the batch starts where sim.NewBrain starts.
func TestInitialState(t *testing.T) {
	net := brainSpec{conn: enginetest.Synthetic(3), npr: 37, alif: true, wiringSeed: 1}.build(t)
	ref, err := NewReference([]*network.Network{net, net}, []uint64{5, 6})
	if err != nil {
		t.Fatal(err)
	}
	for i, seed := range []uint64{5, 6} {
		st, err := ref.State(i)
		if err != nil {
			t.Fatal(err)
		}
		b := sim.NewBrain(net, seed)
		if !slices.Equal(st.V, b.V) || !slices.Equal(st.ISyn, b.ISyn) || !slices.Equal(st.A, b.A) {
			t.Fatalf("brain %d: initial state differs from sim.NewBrain", i)
		}
	}
}

func TestRunErrors(t *testing.T) {
	net := brainSpec{conn: enginetest.Synthetic(3), npr: 20, wiringSeed: 1}.build(t)
	ref, err := NewReference([]*network.Network{net}, []uint64{1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"inputs", func() error { return ref.Run(ctx, 1, make([][]float32, 2), nil) }},
		{"recorders", func() error { return ref.Run(ctx, 1, nil, make([]*sim.Recorder, 3)) }},
		{"input size", func() error { return ref.Run(ctx, 1, [][]float32{make([]float32, 3)}, nil) }},
		{"raster", func() error { return ref.Run(ctx, 1, nil, []*sim.Recorder{{Raster: []int{net.N}}}) }},
		{"bins", func() error { return ref.Run(ctx, 1, nil, []*sim.Recorder{{BinSteps: -1}}) }},
		{"steps", func() error { return ref.Run(ctx, -1, nil, nil) }},
	} {
		if err := c.run(); err == nil {
			t.Errorf("%s: no error", c.name)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
	if ref.Step() != 0 {
		t.Fatalf("refused runs advanced the batch to step %d", ref.Step())
	}
	// A cancelled context: nothing runs, the recorder is started, the
	// error is the context's, like the CPU engine.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	rec := &sim.Recorder{BinSteps: 10}
	if err := ref.Run(cctx, 100, nil, []*sim.Recorder{rec}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if ref.Step() != 0 || rec.Steps != 0 || len(rec.Counts) != net.N {
		t.Fatalf("cancelled run: step %d, %d steps recorded, %d counts", ref.Step(), rec.Steps, len(rec.Counts))
	}
	if err := ref.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ref.Run(ctx, 1, nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed batch: %v", err)
	}
	if _, err := NewReference(nil, nil); err == nil {
		t.Fatal("empty batch accepted")
	}
	if _, err := NewReference([]*network.Network{net}, nil); err == nil {
		t.Fatal("missing seeds accepted")
	}
}

// TestReferenceHandover: brains move from the CPU engine to a batch and
// back at step boundaries without a trace (Load, Store).
func TestReferenceHandover(t *testing.T) { checkHandover(t, NewReference) }

// TestReferenceSetNetwork: new weights reach a batch (SetNetwork).
func TestReferenceSetNetwork(t *testing.T) { checkSetNetwork(t, NewReference) }

// TestReferenceLearning: e-prop observed on a batch (learn kernels)
// gives the CPU learner's state bit for bit.
func TestReferenceLearning(t *testing.T) { checkLearning(t, NewReference) }

// TestLoadLearnersRefuses: learners the batch cannot observe are refused
// with the reason.
func TestLoadLearnersRefuses(t *testing.T) {
	sc := newScenario(t, mixedSpecs(t)[:4], nil) // brains 2 and 3 are ALIF
	b, err := NewReference(sc.nets, sc.seeds())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mk := func(i int, p eprop.Params, enable bool) *eprop.Learner {
		br := sim.NewBrain(sc.nets[i], sc.seeds()[i])
		l, err := eprop.New(br, p)
		if err != nil {
			t.Fatal(err)
		}
		if enable {
			if err := l.Enable(); err != nil {
				t.Fatal(err)
			}
		}
		return l
	}
	if err := b.LoadLearners([]*eprop.Learner{nil}); err == nil || !strings.Contains(err.Error(), "1 learners for a batch of 4") {
		t.Errorf("wrong count: %v", err)
	}
	off := mk(0, eprop.Defaults(), false)
	if err := b.LoadLearners([]*eprop.Learner{off, nil, nil, nil}); err == nil || !strings.Contains(err.Error(), "cannot be observed") {
		t.Errorf("a disabled learner: %v", err)
	}
	sup := mk(0, eprop.Defaults(), true)
	if err := sup.Supervise(eprop.Supervision{Outputs: []int{0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := sup.Present([][]bool{{true, false}}); err != nil {
		t.Fatal(err)
	}
	if err := b.LoadLearners([]*eprop.Learner{sup, nil, nil, nil}); err == nil || !strings.Contains(err.Error(), "cannot be observed") {
		t.Errorf("a supervised presentation: %v", err)
	}
	other := mk(1, eprop.Defaults(), true) // brain 1's learner given for brain 0
	if err := b.LoadLearners([]*eprop.Learner{other, nil, nil, nil}); err == nil || !strings.Contains(err.Error(), "synapses") {
		t.Errorf("another brain's learner: %v", err)
	}
	short := eprop.Defaults()
	short.BlockSteps = 64
	long := eprop.Defaults()
	long.BlockSteps = 512
	if err := b.LoadLearners([]*eprop.Learner{nil, nil, mk(2, short, true), mk(3, long, true)}); err == nil || !strings.Contains(err.Error(), "blocks of 64 and 512") {
		t.Errorf("ALIF learners with different blocks: %v", err)
	}
	if err := b.LoadLearners([]*eprop.Learner{nil, nil, mk(2, short, true), nil}); err != nil {
		t.Fatal(err)
	}
}
