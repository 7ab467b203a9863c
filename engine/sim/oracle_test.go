package sim_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/oracle"
	"github.com/encephagen/encephagen/engine/sim"
)

type variant struct {
	name   string
	delays bool
	nmda   bool
	alif   bool
}

var variants = []variant{
	{"plain", false, false, false},
	{"nmda", false, true, false},
	{"delays", true, false, false},
	{"delays+nmda", true, true, false},
	{"alif", false, false, true},
	{"delays+nmda+alif", true, true, true},
}

func params(v variant, npr int) network.Params {
	p := network.Defaults()
	p.NeuronsPerRegion = npr
	if v.delays {
		p.VelocityMMPerMs = 3.5
	}
	if v.nmda {
		p.NMDARegions = []int{2, 3, 8}
	}
	p.ALIF = v.alif
	return p
}

// pair builds the network and, on it, the fast brain and the oracle with
// the same noise seed, and the stimulus the comparisons apply (a pattern
// × 12 mV on stimRegions).
func pair(t *testing.T, c *connectome.Connectome, p network.Params, stimRegions []int) (*network.Network, *sim.Brain, *oracle.Brain, []float32) {
	t.Helper()
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	pat, _ := sim.Patterns(42, 1, net.NPR*3/10, net.NPR)
	ext, err := sim.Stimulus{{Regions: stimRegions, Pattern: pat[0], AmplitudeMV: 12}}.Dense(net)
	if err != nil {
		t.Fatal(err)
	}
	return net, sim.NewBrain(net, 7), oracle.New(net, 7), ext
}

// compare runs the fast brain and the oracle side by side for steps steps
// with a stimulus during part of the run and fails at the first step where
// the spikes differ.
func compare(t *testing.T, c *connectome.Connectome, p network.Params, steps int, stimRegions []int) {
	t.Helper()
	net, fast, slow, ext := pair(t, c, p, stimRegions)
	total := 0
	for step := 0; step < steps; step++ {
		var in []float32
		if step%1000 >= 300 && step%1000 < 600 {
			in = ext
		}
		total += stepBoth(t, step, fast, slow, in)
	}
	for i := range fast.V {
		if fast.V[i] != slow.V[i] || fast.ISyn[i] != slow.ISyn[i] || fast.INMDA[i] != slow.INMDA[i] || fast.Refrac[i] != slow.Refrac[i] {
			t.Fatalf("state of neuron %d differs after %d steps", i, steps)
		}
	}
	if total < steps/10 {
		t.Fatalf("only %d spikes in %d steps: the comparison says little", total, steps)
	}
	t.Logf("%d steps, %d neurons, %d synapses, %d spikes identical", steps, net.N, net.Synapses(), total)
}

func TestMatchesOracleSynthetic(t *testing.T) {
	c := enginetest.Synthetic(3)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			compare(t, c, params(v, 40), 2000, []int{0, 1})
		})
	}
}

func TestMatchesOracleOnPaupau(t *testing.T) {
	c := enginetest.Load(t, "paupau.zip")
	for _, v := range []variant{{"plain", false, false, false}, {"delays+nmda+alif", true, true, true}} {
		t.Run(v.name, func(t *testing.T) {
			p := params(v, 50)
			if v.nmda {
				p.NMDARegions = []int{1}
			}
			compare(t, c, p, 2000, []int{0})
		})
	}
}

func TestMatchesOracleOnTVB96(t *testing.T) {
	c := enginetest.TVB96(t)
	for _, v := range []variant{{"nmda", false, true, false}, {"delays+nmda", true, true, false}} {
		t.Run(v.name, func(t *testing.T) {
			p := params(v, 200)
			p.NMDARegions, _ = c.Group("prefrontal")
			visual, _ := c.Group("visual")
			compare(t, c, p, 600, visual[:4])
		})
	}
}

// stepBoth advances the fast brain and the oracle by one step with input
// in, fails the test where their spikes differ, and returns how many there
// were.
func stepBoth(t *testing.T, step int, fast *sim.Brain, slow *oracle.Brain, in []float32) int {
	t.Helper()
	all := make([]int, fast.Net.N)
	for i := range all {
		all[i] = i
	}
	rec := &sim.Recorder{Raster: all}
	if err := fast.Run(context.Background(), 1, in, rec); err != nil {
		t.Fatal(err)
	}
	z := slow.Advance(in)
	var want []int
	for i, s := range z {
		if s {
			want = append(want, i)
		}
	}
	got := make([]int, len(rec.Spikes))
	for i, s := range rec.Spikes {
		got[i] = s.Neuron
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("step %d: spikes differ\nfast:   %v\noracle: %v", step, got, want)
	}
	return len(got)
}

// compareChunked runs the fast brain in runs of several steps (so that
// point 9 is taken inside the next step's neuron loop, the path one-step
// runs never take) beside the oracle, comparing every step's spikes and,
// after every run, the whole state. With learn, an e-prop learner
// observes the fast brain and after every run a snapshot and a reward
// change the weights both brains read: spikes in flight must arrive with
// the new weights in both (MODEL.md §3.8).
func compareChunked(t *testing.T, c *connectome.Connectome, p network.Params, stimRegions []int, chunks []int, learn bool) {
	t.Helper()
	net, fast, slow, ext := pair(t, c, p, stimRegions)
	var learner *eprop.Learner
	var err error
	if learn {
		lp := eprop.Defaults()
		lp.LearningRate = 50 // large enough that rewards change many weights
		if learner, err = eprop.New(fast, lp); err != nil {
			t.Fatal(err)
		}
		if err := learner.Enable(); err != nil {
			t.Fatal(err)
		}
	}
	changed := 0
	all := make([]int, net.N)
	for i := range all {
		all[i] = i
	}
	total, step := 0, 0
	for k, n := range chunks {
		var in []float32
		if k%3 == 1 {
			in = ext
		}
		rec := &sim.Recorder{Raster: all}
		if err := fast.Run(context.Background(), n, in, rec); err != nil {
			t.Fatal(err)
		}
		got := make([][]int, n)
		for _, s := range rec.Spikes {
			got[s.Step] = append(got[s.Step], s.Neuron)
		}
		for m := 0; m < n; m++ {
			var want []int
			for i, s := range slow.Advance(in) {
				if s {
					want = append(want, i)
				}
			}
			if fmt.Sprint(got[m]) != fmt.Sprint(want) {
				t.Fatalf("step %d: spikes differ\nfast:   %v\noracle: %v", step+m, got[m], want)
			}
			total += len(want)
		}
		step += n
		for i := range fast.V {
			if fast.V[i] != slow.V[i] || fast.ISyn[i] != slow.ISyn[i] || fast.INMDA[i] != slow.INMDA[i] || fast.Refrac[i] != slow.Refrac[i] {
				t.Fatalf("state of neuron %d differs after %d steps", i, step)
			}
			if fast.A != nil && fast.A[i] != slow.A[i] {
				t.Fatalf("adaptation of neuron %d differs after %d steps", i, step)
			}
		}
		if learner != nil {
			if err := learner.Snapshot(); err != nil {
				t.Fatal(err)
			}
			u, err := learner.Reward(1, eprop.FromSnapshot)
			if err != nil {
				t.Fatal(err)
			}
			changed += u.Changed
		}
	}
	if total < step/10 {
		t.Fatalf("only %d spikes in %d steps: the comparison says little", total, step)
	}
	if learn && changed < 1000 {
		t.Fatalf("rewards changed only %d weights: learning was not exercised", changed)
	}
	t.Logf("%d steps in runs of %v, %d spikes identical, %d weight changes", step, chunks, total, changed)
}

func TestMatchesOracleInLongRuns(t *testing.T) {
	// 1,234 crosses Run's 1,000-step progress chunks.
	chunks := []int{1, 250, 7, 300, 2, 401, 120, 500, 3, 333, 1234}
	c := enginetest.Synthetic(3)
	for _, v := range variants {
		t.Run("synthetic/"+v.name, func(t *testing.T) {
			p := params(v, 41) // odd: the last neuron of a region takes a draw alone
			compareChunked(t, c, p, []int{0, 1}, chunks, false)
		})
	}
	for _, v := range []variant{{"nmda", false, true, false}, {"delays+nmda", true, true, false}, {"delays+alif", true, false, true}} {
		t.Run("synthetic/learning+"+v.name, func(t *testing.T) {
			compareChunked(t, c, params(v, 41), []int{0, 1}, chunks, true)
		})
	}
	t.Run("tvb96/delays+nmda", func(t *testing.T) {
		c := enginetest.TVB96(t)
		p := params(variant{"delays+nmda", true, true, false}, 60)
		p.NMDARegions, _ = c.Group("prefrontal")
		visual, _ := c.Group("visual")
		compareChunked(t, c, p, visual[:4], []int{250, 5, 300}, false)
	})
}
