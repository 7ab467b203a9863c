package sim_test

import (
	"context"
	"errors"
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
