package oracle_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/oracle"
	"github.com/encephagen/encephagen/engine/sim"
)

// chunk is one Run call of the fast brain: steps at once, with or without
// the stimulus, then (with learning) a snapshot and a reward.
type chunk struct {
	steps int
	stim  bool
}

// Chunk lengths chosen to cross the engine's internal boundaries: single
// steps, the ring of delayed input (up to MaxDelay steps), the 1,000-step
// progress chunks of Run, and odd lengths in between; the stimulus
// switches at every call.
var chunks = []chunk{{1, true}, {7, false}, {300, true}, {1000, false}, {1234, true}, {999, false}, {2, true}, {457, false}}

// TestFusedRunMatchesOracle runs the fast brain the way every real run
// does, many steps per Run call, and the oracle one step at a time, and
// compares every spike of every neuron and, at each call's end, every
// state variable (v, i_syn, i_nmda, refrac and ALIF's a). With learning,
// an e-prop learner observes the fast brain, and after each call a
// snapshot and a reward change the weights both brains read: spikes
// still in flight must arrive with the new weights in both (MODEL.md §3.8).
func TestFusedRunMatchesOracle(t *testing.T) {
	c := enginetest.Synthetic(3)
	for _, v := range []struct {
		name                      string
		delays, nmda, alif, learn bool
	}{
		{"plain", false, false, false, false},
		{"delays+nmda", true, true, false, false},
		{"alif", false, false, true, false},
		{"delays+nmda+alif", true, true, true, false},
		{"learning", false, true, false, true},
		{"delays+nmda+learning", true, true, false, true},
		{"delays+alif+learning", true, false, true, true},
	} {
		t.Run(v.name, func(t *testing.T) {
			p := network.Defaults()
			p.NeuronsPerRegion = 40
			if v.delays {
				p.VelocityMMPerMs = 3.5
			}
			if v.nmda {
				p.NMDARegions = []int{2, 3, 8}
			}
			p.ALIF = v.alif
			net, err := network.Build(c, p)
			if err != nil {
				t.Fatal(err)
			}
			fast, slow := sim.NewBrain(net, 7), oracle.New(net, 7)
			var learner *eprop.Learner
			if v.learn {
				lp := eprop.Defaults()
				lp.LearningRate = 50 // large enough that rewards change many weights visibly
				if learner, err = eprop.New(fast, lp); err != nil {
					t.Fatal(err)
				}
				if err := learner.Enable(); err != nil {
					t.Fatal(err)
				}
			}
			pat, _ := sim.Patterns(42, 1, net.NPR*3/10, net.NPR)
			ext, err := sim.Stimulus{{Regions: []int{0, 1}, Pattern: pat[0], AmplitudeMV: 12}}.Dense(net)
			if err != nil {
				t.Fatal(err)
			}
			all := make([]int, net.N)
			for i := range all {
				all[i] = i
			}
			spikes, changed := 0, 0
			for ci, ch := range chunks {
				in := []float32(nil)
				if ch.stim {
					in = ext
				}
				rec := &sim.Recorder{Raster: all}
				if err := fast.Run(context.Background(), ch.steps, in, rec); err != nil {
					t.Fatal(err)
				}
				var want []sim.Spike
				for s := 0; s < ch.steps; s++ {
					for i, z := range slow.Advance(in) {
						if z {
							want = append(want, sim.Spike{Step: s, Neuron: i})
						}
					}
				}
				if !slices.Equal(rec.Spikes, want) {
					t.Fatalf("call %d (%d steps): %d spikes, the oracle %d; first difference at %s", ci, ch.steps, len(rec.Spikes), len(want), firstDiff(rec.Spikes, want))
				}
				spikes += len(want)
				compareState(t, fmt.Sprintf("after call %d (%d steps)", ci, ch.steps), fast, slow)
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
			if spikes < 2000 {
				t.Fatalf("only %d spikes: the comparison says little", spikes)
			}
			if v.learn && changed < 1000 {
				t.Fatalf("rewards changed only %d weights: learning was not exercised", changed)
			}
			t.Logf("%d steps in %d calls, %d spikes identical, %d weight changes", fast.Step(), len(chunks), spikes, changed)
		})
	}
}

func compareState(t *testing.T, when string, fast *sim.Brain, slow *oracle.Brain) {
	t.Helper()
	for _, s := range []struct {
		name       string
		fast, slow []float32
	}{{"v", fast.V, slow.V}, {"i_syn", fast.ISyn, slow.ISyn}, {"i_nmda", fast.INMDA, slow.INMDA}, {"refrac", fast.Refrac, slow.Refrac}, {"a", fast.A, slow.A}} {
		if len(s.fast) != len(s.slow) {
			t.Fatalf("%s: %s has %d values, the oracle's %d", when, s.name, len(s.fast), len(s.slow))
		}
		for i := range s.fast {
			if s.fast[i] != s.slow[i] {
				t.Fatalf("%s: %s of neuron %d is %v, the oracle's %v", when, s.name, i, s.fast[i], s.slow[i])
			}
		}
	}
}

func firstDiff(a, b []sim.Spike) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("spike %d: fast %+v, oracle %+v", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("spike %d (one list ends)", min(len(a), len(b)))
}
