package sim_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

// TestDelayArrivesExactlyDStepsLater fires one neuron once and watches its
// targets' input: nothing before step d, exactly the synaptic weight at d.
func TestDelayArrivesExactlyDStepsLater(t *testing.T) {
	for _, lengthMM := range []float64{0.1, 3.5, 24.5, 150.1} {
		c := &connectome.Connectome{Name: "pair", Labels: []string{"A", "B"},
			Weights: []float64{0, 1, 0, 0}, TractLengths: []float64{0, lengthMM, lengthMM, 0}}
		p := network.Defaults()
		p.NeuronsPerRegion = 5
		p.PInt, p.PBet = 0, 1
		p.ExtRateFactor = 0 // no background
		p.VelocityMMPerMs = 3.5
		net, err := network.Build(c, p)
		if err != nil {
			t.Fatal(err)
		}
		d := int(net.MaxDelay)
		b := sim.NewBrain(net, 1)
		for i := range b.V {
			b.V[i] = 0
		}
		b.V[0] = 25 // crosses threshold in the first step
		target := 5 // first neuron of region B
		w := net.W[net.Start[0]]
		rec := &sim.Recorder{}
		for step := 0; step <= d+2; step++ {
			if err := b.Run(context.Background(), 1, nil, rec); err != nil {
				t.Fatal(err)
			}
			got := b.ISyn[target]
			switch {
			case step < d && got != 0:
				t.Fatalf("L=%v: input %v at step %d, before the delay %d", lengthMM, got, step, d)
			case step == d && got != w:
				t.Fatalf("L=%v: input %v at step %d, want the weight %v", lengthMM, got, d, w)
			}
		}
		if rec.Total() != 1 {
			t.Fatalf("want exactly one spike, got %d", rec.Total())
		}
		t.Logf("L=%v mm: delay %d steps, input %v arrived on time", lengthMM, d, w)
	}
}

// TestBatchIndependentOfWorkers runs the same brains with 1 and 3 workers
// and with the same seeds in separate batches: spikes must be identical.
func TestBatchIndependentOfWorkers(t *testing.T) {
	c := enginetest.Synthetic(2)
	p := network.Defaults()
	p.NeuronsPerRegion = 40
	p.VelocityMMPerMs = 3.5
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int) [][]uint32 {
		var bt sim.Batch
		var recs []*sim.Recorder
		for s := uint64(0); s < 5; s++ {
			bt.Brains = append(bt.Brains, sim.NewBrain(net, 100+s))
			recs = append(recs, &sim.Recorder{BinSteps: 100})
		}
		bt.Workers = workers
		if err := bt.Run(context.Background(), 1500, nil, recs); err != nil {
			t.Fatal(err)
		}
		var out [][]uint32
		for _, r := range recs {
			out = append(out, r.Counts)
		}
		return out
	}
	a, b := run(1), run(3)
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("brain %d differs between 1 and 3 workers", i)
		}
	}
	if slices.Equal(a[0], a[1]) {
		t.Fatal("different noise seeds gave identical spikes")
	}
}

func TestRunCancels(t *testing.T) {
	c := enginetest.Synthetic(2)
	p := network.Defaults()
	p.NeuronsPerRegion = 20
	net, _ := network.Build(c, p)
	b := sim.NewBrain(net, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Run(ctx, 1e9, nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestRecorderRates(t *testing.T) {
	c := enginetest.Synthetic(2)
	p := network.Defaults()
	p.NeuronsPerRegion = 20
	net, _ := network.Build(c, p)
	b := sim.NewBrain(net, 1)
	rec := &sim.Recorder{BinSteps: 300, Raster: []int{0, 21}}
	if err := b.Run(context.Background(), 1000, nil, rec); err != nil {
		t.Fatal(err)
	}
	rates := rec.RegionRates(0.1)
	var total uint64
	for r, c := range rec.RegionCounts() {
		total += c
		if want := float64(c) / (20 * 1000 * 0.1 / 1000); rates[r] != want {
			t.Fatalf("region %d rate %v, want %v", r, rates[r], want)
		}
	}
	if total != rec.Total() || total == 0 {
		t.Fatalf("region counts sum %d, total %d", total, rec.Total())
	}
	if len(rec.Bins) != 4 {
		t.Fatalf("%d bins for 1000 steps of 300", len(rec.Bins))
	}
	var binned uint64
	for _, bin := range rec.Bins {
		for _, c := range bin {
			binned += uint64(c)
		}
	}
	if binned != total {
		t.Fatalf("bins hold %d spikes of %d", binned, total)
	}
	for _, s := range rec.Spikes {
		if s.Neuron != 0 && s.Neuron != 21 {
			t.Fatalf("raster recorded neuron %d", s.Neuron)
		}
	}
	g, err := rec.GroupRate([]int{0, 1}, 0.1)
	if err != nil || g != (rates[0]+rates[1])/2 {
		t.Fatalf("group rate %v (%v), want mean of %v %v", g, err, rates[0], rates[1])
	}
	if _, err := rec.GroupRate(nil, 0.1); err == nil {
		t.Fatal("empty group must be an error")
	}
}

// traceHook checks what the plasticity hook sees: a running hash of the
// pre-reset potentials, thresholds and spikes of every step.
type traceHook struct{ h uint64 }

func (t *traceHook) Observe(step int64, preV, theta []float32, spikes []int32) {
	mix := func(x uint64) { t.h = (t.h^x)*0x100000001b3 + uint64(step) }
	for _, v := range preV {
		mix(uint64(math.Float32bits(v)))
	}
	for _, v := range theta {
		mix(uint64(math.Float32bits(v)))
	}
	for _, i := range spikes {
		mix(uint64(i))
	}
}

// TestWorkersBitForBit: one brain stepped on several cores is bit for bit
// the brain stepped on one, for any number of workers, with delays, NMDA,
// ALIF, a stimulus, the plasticity hook and runs of any length.
func TestWorkersBitForBit(t *testing.T) {
	// Run caps the workers at GOMAXPROCS: allow every count tried here,
	// whatever the machine.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(16))
	c := enginetest.Synthetic(7)
	for _, v := range []struct {
		name                  string
		delays, alif, plastic bool
	}{{"plain", false, false, false}, {"delays", true, false, false}, {"delays+alif+hook", true, true, true}, {"hook", false, false, true}} {
		t.Run(v.name, func(t *testing.T) {
			p := network.Defaults()
			p.NeuronsPerRegion = 45
			p.NMDARegions = []int{1, 4}
			p.ALIF = v.alif
			if v.delays {
				p.VelocityMMPerMs = 3.5
			}
			net, err := network.Build(c, p)
			if err != nil {
				t.Fatal(err)
			}
			pat, _ := sim.Patterns(3, 1, 20, net.NPR)
			ext, err := sim.Stimulus{{Regions: []int{0, 2}, Pattern: pat[0], AmplitudeMV: 12}}.Dense(net)
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				st     sim.State
				counts []uint32
				hook   uint64
			}
			runWith := func(workers int) result {
				b := sim.NewBrain(net, 5)
				b.Workers = workers
				var hook *traceHook
				if v.plastic {
					hook = &traceHook{}
					b.Plastic = hook
				}
				rec := &sim.Recorder{}
				for k, n := range []int{1, 300, 2, 1500, 7, 400} {
					var in []float32
					if k%2 == 1 {
						in = ext
					}
					if err := b.Run(context.Background(), n, in, rec); err != nil {
						t.Fatal(err)
					}
				}
				r := result{st: b.State(), counts: rec.Counts}
				if hook != nil {
					r.hook = hook.h
				}
				return r
			}
			want := runWith(1)
			for _, w := range []int{2, 3, 5, 7, 16} {
				got := runWith(w)
				if !sameBits(got.st, want.st) || !slices.Equal(got.counts, want.counts) || got.hook != want.hook {
					t.Fatalf("%d workers: state, spikes or hook differ from one core", w)
				}
			}
		})
	}
}

// sameBits says whether two states are equal bit for bit.
func sameBits(a, b sim.State) bool {
	eq := func(x, y []float32) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return false
			}
		}
		return true
	}
	return eq(a.V, b.V) && eq(a.ISyn, b.ISyn) && eq(a.INMDA, b.INMDA) && eq(a.Refrac, b.Refrac) && eq(a.A, b.A)
}
